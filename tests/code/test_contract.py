"""decisions/contract.py names every slug the code reads, and the code reads them from there only. Pure: reads the
source with ast and the seed's JSON.

The rule for a string constant in decisions/ (outside contract.py and migrations/) equal to a contracted slug:
- a server's, a question's or an option's slug is a slug use, wherever it stands;
- except the slugs that are also plain words the code uses in their own sense (COMMON_WORDS: a worker model is
  "async", a query parameter "app"): those count only in a statement that also names a related entry (an option's
  question, a question's option), as a literal or as the contract's constant, e.g. `choices.get(TLS) == "app"`.
ALLOWED lists the few constants left that name something else and cannot be derived from the contract.
"""

import ast
import json
from pathlib import Path

import pytest

from decisions import contract
from decisions.contract import ENTRIES, OPTION, QUESTION, SERVER, Entry

PACKAGE = Path(__file__).resolve().parents[2] / "decisions"
SEED = PACKAGE / "seed" / "criteria.json"
COMMON_WORDS = frozenset({"app", "async", "yes", "proxy", "current", "asyncio", "supervisor"})
ALLOWED = {
    ("admin.py", "websockets"): "the Server model's field on WebSocket support, in the admin's fieldsets",
    ("seeding.py", "websockets"): "the same model field, in the export's and import's list of server fields",
    ("configs/validate/hypercorn.py", "trio"): "Hypercorn's own list of the worker classes it accepts",
    ("configs/validate/nginx.py", "uwsgi"): "nginx's uwsgi module (its temp path), not the server",
    ("configs/validate/programs/hypercorn_parse_only.py", "hypercorn"): "the argv[0] of a program run beside Hypercorn",
    ("setups/servers.py", "http"): "the option named http of uWSGI, Uvicorn and Granian, which the reader reads",
}
BY_SLUG: dict[str, list[Entry]] = {}
for _entry in ENTRIES:
    BY_SLUG.setdefault(_entry.slug, []).append(_entry)
CONSTANT_NAMES: dict[str, set[str]] = {}  # slug -> the contract's names for it
for _name, _value in vars(contract).items():
    if _name.isupper() and isinstance(_value, str) and _value in BY_SLUG:
        CONSTANT_NAMES.setdefault(_value, set()).add(_name)


def related_slugs(entry: Entry) -> set[str]:
    if entry.kind == OPTION:
        return {entry.question}
    if entry.kind == QUESTION:
        return {option.slug for option in contract.options_of(entry.slug)}
    return set()


def related_words(entry: Entry) -> set[str]:
    """What names a related entry in code: its slug as a literal, or the contract's constant for it."""
    slugs = related_slugs(entry)
    return slugs | {name for slug in slugs for name in CONSTANT_NAMES.get(slug, ())}


def statement_words(statement: ast.stmt) -> set[str]:
    words = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.add(node.value)
        elif isinstance(node, ast.Name):
            words.add(node.id)
    return words


def slug_uses(source: str) -> list[tuple[int, str]]:
    """(line, slug) for each string constant that reads a contracted slug."""
    tree = ast.parse(source)
    statement_of: dict[int, ast.stmt] = {}
    for statement in ast.walk(tree):
        if isinstance(statement, ast.stmt):
            for node in ast.walk(statement):
                statement_of.setdefault(id(node), statement)  # walk goes outside in: the outermost statement wins
    uses = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in BY_SLUG):
            continue
        if node.value in COMMON_WORDS:
            words = statement_words(statement_of[id(node)])
            if not any(related_words(entry) & words for entry in BY_SLUG[node.value]):
                continue
        uses.append((node.lineno, node.col_offset, node.value))
    return [(line, slug) for line, _, slug in sorted(uses)]


def code_files() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "contract.py" or path.parent != PACKAGE
        if "migrations" not in path.relative_to(PACKAGE).parts
    ]


def test_it_finds_no_slug_literal_outside_the_contract():
    found = [
        f"decisions/{where}:{line}: {slug!r}"
        for path in code_files()
        for line, slug in slug_uses(path.read_text())
        if ((where := path.relative_to(PACKAGE).as_posix()), slug) not in ALLOWED
    ]
    assert found == []


def test_it_allows_nothing_it_does_not_need():
    used = {
        (path.relative_to(PACKAGE).as_posix(), slug) for path in code_files() for _, slug in slug_uses(path.read_text())
    }
    assert set(ALLOWED) <= used


@pytest.mark.parametrize(
    "source, slugs",
    [
        ('choices.get("realtime") == "websockets"\n', ["realtime", "websockets"]),
        ('VERSIONS = {"granian": "2.8.7"}\n', ["granian"]),
        ('argv = ["gunicorn", "-c", config]\n', ["gunicorn"]),
        ('answers.get(TLS) == "app"\n', ["app"]),
        ('SAMPLE = {"async": "yes"}\n', ["async", "yes"]),
        ('model = "async"\npairs.append(("app", path))\nnginx_temp = "proxy"\n', []),
        ("choices.get(ASYNC) == ASYNC_YES\nanswers.get(TLS) == TLS_IN_APP\n", []),
    ],
)
def test_it_tells_a_slug_use_from_a_plain_word(source, slugs):
    assert [slug for _, slug in slug_uses(source)] == slugs


def seed_slugs() -> tuple[set[str], set[str], set[tuple[str, str]]]:
    data = json.loads(SEED.read_text())
    questions = data["questions"]
    return (
        {server["slug"] for server in data["servers"]},
        {question["slug"] for question in questions},
        {(question["slug"], option["slug"]) for question in questions for option in question["options"]},
    )


def test_it_finds_every_contracted_row_in_the_seed():
    assert contract.missing(*seed_slugs()) == ()


def test_it_says_what_reads_each_row():
    assert all(entry.reads.strip() for entry in ENTRIES)
    assert {entry.kind for entry in ENTRIES} == {SERVER, QUESTION, OPTION}
    assert all(entry.question in BY_SLUG for entry in ENTRIES if entry.kind == OPTION)


def test_it_names_each_missing_entry():
    servers, questions, options = seed_slugs()
    absent = contract.missing(servers - {"granian"}, questions, options - {("realtime", "websockets")})
    assert [str(entry) for entry in absent] == ["server granian", "option realtime=websockets"]


def test_it_says_what_reads_a_row_and_nothing_for_a_row_it_does_not_know():
    assert "Channels/flask-sock" in contract.reader_of_option("realtime", "websockets")
    assert contract.reader_of_server("granian")
    assert contract.reader_of_question("framework")
    assert contract.reader_of_option("priority", "proven") == ""
    assert contract.reader_of_question("priority") == ""
    assert contract.reader_of_option("realtime", "ws") == ""
