"""Reads a team's existing server setup: config files, command lines and dependency lists, given as text, into
the questionnaire's answers (each with where it was read) and the tuning settings in canonical form.

Pure and safe with hostile input: nothing given is run, imported or written anywhere; a file past the limits,
binary or undecodable is a Problem, never an exception. Django-free: decisions.forms and the views call it.

    read_setup([("Procfile", "web: gunicorn -k uvicorn.workers.UvicornWorker main:app")])
"""

import ast
import re
import shlex
from collections.abc import Iterable
from pathlib import PurePath

from decisions.setups import commands, configfiles
from decisions.setups.facts import Facts
from decisions.setups.infer import infer
from decisions.setups.result import (
    SETTING_KEYS,
    Computed,
    NotCarried,
    NotUnderstood,
    Problem,
    Reading,
    Setting,
    Source,
)
from decisions.setups.servers import GUNICORN_OPTIONS, HYPERCORN_OPTIONS

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "SETTING_KEYS",
    "Computed",
    "NotCarried",
    "NotUnderstood",
    "Problem",
    "Reading",
    "Setting",
    "Source",
    "read_setup",
]

MAX_BYTES = 64 * 1024  # per file
MAX_FILES = 8
MAX_NAME = 100

UWSGI_INI, GUNICORN_CONF, HYPERCORN_TOML = "uwsgi.ini", "gunicorn.conf.py", "hypercorn.toml"
PROCFILE, DOCKERFILE, SYSTEMD_UNIT, SUPERVISOR_CONF = "Procfile", "Dockerfile", "systemd unit", "supervisor config"
REQUIREMENTS, PYPROJECT, COMMAND = "requirements.txt", "pyproject.toml", "command line"
READERS = {
    UWSGI_INI: configfiles.read_uwsgi_ini,
    GUNICORN_CONF: configfiles.read_gunicorn_conf,
    HYPERCORN_TOML: configfiles.read_hypercorn_toml,
    REQUIREMENTS: configfiles.read_requirements,
    PYPROJECT: configfiles.read_pyproject,
    PROCFILE: commands.read_procfile,
    DOCKERFILE: commands.read_dockerfile,
    SYSTEMD_UNIT: commands.read_systemd,
    SUPERVISOR_CONF: commands.read_supervisor,
}
REQUIREMENT_LINE = re.compile(
    r"^\s*(-[-\w]+(\s+\S+)?|[A-Za-z0-9][\w.-]*(\[[\w,\s-]*\])?\s*([<>=!~]=?=?\s*[\w.*+!-]+\s*,?\s*)*(;.*)?(\s#.*)?)$"
)
NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")  # controls other than whitespace; lone surrogates


def read_setup(files: Iterable[tuple[str | None, str | bytes]]) -> Reading:
    """Reads each (file name or None for pasted text, its text or bytes), at most MAX_FILES of them."""
    all_facts = []
    for index, (given_name, content) in enumerate(files):
        facts = Facts()
        name = display_name(given_name)
        if index >= MAX_FILES:
            facts.problems.append(Problem(name or f"text {index + 1}", f"not read: at most {MAX_FILES} files at once"))
        else:
            read_one(given_name, name, content, facts)
        all_facts.append(facts)
    return infer(all_facts)


def display_name(name: str | None) -> str:
    """The file's own name without its folders, printable and short: it is shown back to the user."""
    if not name:
        return ""
    base = PurePath(str(name).replace("\\", "/")).name
    return "".join(char for char in base if char.isprintable())[:MAX_NAME]


def read_one(given_name: str | None, name: str, content: str | bytes, facts: Facts) -> None:
    label = name or "pasted text"
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        facts.problems.append(Problem(label, f"too large: {size} bytes, at most {MAX_BYTES} a file"))
        return
    text = decoded(label, content, facts)
    if text is None:
        return
    kind = kind_from_name(name) or kind_from_content(text)
    if kind is None and name.lower().endswith(".ini"):
        kind = UWSGI_INI  # reading it says what is missing
    if kind is None:
        facts.problems.append(Problem(label, "not a kind of file this reader knows (see the list on the page)"))
        return
    try:
        if kind == COMMAND:
            lines = tuple(text.splitlines())
            source_text = commands.Text(text, name or COMMAND, 1, lines)
            facts.launches += commands.read_commands(source_text, facts, shell=True)
        else:
            READERS[kind](name or kind, text, facts)
    except RecursionError:
        facts.problems.append(Problem(label, "nested too deeply to read"))


def decoded(label: str, content: str | bytes, facts: Facts) -> str | None:
    """The text of an upload: UTF-8, or UTF-16 with its byte order mark (as Windows' tools write it)."""
    if isinstance(content, bytes):
        encoding = "utf-16" if content[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        try:
            content = content.decode(encoding)
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            facts.problems.append(Problem(label, f"not UTF-8 text: byte 0x{content[error.start]:02x}", line))
            return None
    bad = NOT_TEXT.search(content)
    if bad:
        line = content.count("\n", 0, bad.start()) + 1
        facts.problems.append(Problem(label, f"binary, not text: character {ord(bad[0]):#04x}", line))
        return None
    return content.removeprefix("\ufeff")


def kind_from_name(name: str) -> str | None:
    lower = name.lower()
    if not lower:
        return None
    if lower == "pyproject.toml":
        return PYPROJECT
    if lower.endswith(".toml"):
        return HYPERCORN_TOML
    if lower.endswith(".py"):
        return GUNICORN_CONF
    if lower.startswith("procfile"):
        return PROCFILE
    if lower.startswith(("dockerfile", "containerfile")) or lower.endswith(".dockerfile"):
        return DOCKERFILE
    if lower.endswith(".service"):
        return SYSTEMD_UNIT
    if lower.startswith("requirements") or lower.endswith((".in", "requirements.txt")):
        return REQUIREMENTS
    return None


def kind_from_content(text: str) -> str | None:
    """The kind of a file named otherwise, or of pasted text, from the first marks of each kind."""
    if re.search(r"^\s*\[uwsgi\]\s*$", text, re.MULTILINE):
        return UWSGI_INI
    if re.search(r"^\s*\[(fcgi-)?program:[^\]]+\]", text, re.MULTILINE):
        return SUPERVISOR_CONF
    if re.search(r"^\s*\[Service\]", text, re.MULTILINE) and re.search(r"^\s*ExecStart=", text, re.MULTILINE):
        return SYSTEMD_UNIT
    if re.search(r"^\s*FROM\s+\S", text, re.MULTILINE | re.IGNORECASE) and re.search(
        r"^\s*(CMD|ENTRYPOINT)\b", text, re.MULTILINE | re.IGNORECASE
    ):
        return DOCKERFILE
    if re.search(r"^\s*\[(project|tool\.poetry)", text, re.MULTILINE):
        return PYPROJECT
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(re.match(r"^[A-Za-z0-9_-]+:\s*\S", line) for line in lines):
        return PROCFILE
    if lines and starts_a_server(text):
        return COMMAND
    if lines and re.match(r"^\s*(import\s|from\s|[A-Za-z_]\w*\s*=(?!=))", lines[0]):  # not name==version
        return settings_file_kind(text)
    if lines and all(REQUIREMENT_LINE.match(line) for line in lines):
        return REQUIREMENTS
    return None


def settings_file_kind(text: str) -> str:
    """hypercorn.toml or gunicorn.conf.py, for `name = value` lines that may be either: TOML that is not Python
    is Hypercorn's, and so is Python that sets only names Hypercorn has and Gunicorn has not."""
    try:
        names = {
            target.id
            for node in ast.parse(text).body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return HYPERCORN_TOML
    hypercorn_only = {name for name in names if name in HYPERCORN_OPTIONS and name not in GUNICORN_OPTIONS}
    gunicorn_only = {name for name in names if name in GUNICORN_OPTIONS and name not in HYPERCORN_OPTIONS}
    return HYPERCORN_TOML if hypercorn_only and not gunicorn_only else GUNICORN_CONF


def starts_a_server(text: str) -> bool:
    """Whether the text's first command line starts a server, after any wrappers."""
    logical = commands.logical_lines(tuple(text.splitlines()), skip_comments_inside=True)
    first = next((line for _, line in logical if line.strip() and not line.lstrip().startswith("#")), "")
    try:
        return commands.program_of(shlex.split(first)) is not None
    except ValueError:
        return False
