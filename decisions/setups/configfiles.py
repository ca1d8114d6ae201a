"""The servers' own config files and the dependency lists: uwsgi.ini (and [uwsgi] sections of other ini files),
gunicorn.conf.py (parsed with ast, never run), hypercorn.toml, requirements.txt and pyproject.toml."""

import ast
import operator
import re
import tomllib

from decisions.contract import GUNICORN, HYPERCORN, UWSGI
from decisions.setups import servers
from decisions.setups.facts import Dependency, Facts, Found, Launch
from decisions.setups.result import Computed, NotCarried, NotUnderstood, Problem, Source

UWSGI_SECTION = f"[{UWSGI}]"
UWSGI_BLOCK_ENDS = ("endif", "endfor", "end", "end-if", "end-for")
PLACEHOLDER = re.compile(r"%\(([A-Za-z0-9_-]+)\)")


def read_uwsgi_ini(name: str, content: str, facts: Facts) -> None:
    """uWSGI's ini: only the [uwsgi] section; a line is a comment when it starts with ; or #; `key = value` or a
    bare key (a switch); keys repeat; every key is also a placeholder, %(key), for the lines after it."""
    referenced = set(PLACEHOLDER.findall(content))
    placeholders: dict[str, str] = {}
    blocks: list[tuple[str, int]] = []  # open if-*/for blocks: their text and line
    section, first_line = "", 0
    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            section = line
            continue
        if section != UWSGI_SECTION:
            continue
        first_line = first_line or number
        key, _, value = (part.strip() for part in line.partition("="))
        source = Source(name, number, line)
        if key in UWSGI_BLOCK_ENDS:
            if blocks:
                blocks.pop()
            continue
        if key.startswith(servers.UWSGI_LOGIC[0]) or key.startswith(servers.UWSGI_LOGIC[1]):
            blocks.append((line, number))
            continue
        value = PLACEHOLDER.sub(lambda match: placeholders.get(match[1], match[0]), value).replace("%%", "%")
        placeholders[key] = value
        if blocks:
            condition, at = blocks[-1]
            why = f"inside `{condition}` (line {at}): set only when that holds as uWSGI starts"
            facts.not_carried.append(NotCarried(key, value, why, source))
        elif key in servers.UWSGI_ARGUMENTS:
            facts.found.append(Found(UWSGI, key, value, source))
        elif key in referenced:
            facts.not_carried.append(
                NotCarried(key, value, f"a placeholder of this file's own, used as %({key})", source)
            )
        else:
            hyphens = "; uWSGI's options are spelled with hyphens" if "_" in key else ""
            facts.not_understood.append(NotUnderstood(key, source, f"not a uWSGI option{hyphens}"))
    if not first_line:
        facts.problems.append(Problem(name, f"no {UWSGI_SECTION} section"))
        return
    facts.launches.append(Launch(UWSGI, Source(name, first_line, UWSGI_SECTION)))


FOLDABLE = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
LARGEST = 10**12  # a folded number past this is no setting: refuse it rather than build huge values


class NotLiteral(Exception):
    pass


def literal(node: ast.expr) -> object:
    """The value of a literal, or of arithmetic or concatenation on literals (`8190 * 4`); NotLiteral otherwise.
    f-strings, names and calls are not literals: their value exists only when the file runs."""
    if isinstance(node, ast.BinOp) and type(node.op) in FOLDABLE:
        left, right = literal(node.left), literal(node.right)
        numbers = all(isinstance(side, (int, float)) and not isinstance(side, bool) for side in (left, right))
        strings = isinstance(left, str) and isinstance(right, str) and isinstance(node.op, ast.Add)
        if not (numbers or strings):
            raise NotLiteral
        try:
            value = FOLDABLE[type(node.op)](left, right)
        except ArithmeticError:
            raise NotLiteral from None
        if numbers and abs(value) > LARGEST:
            raise NotLiteral
        return value
    if isinstance(node, ast.JoinedStr):
        raise NotLiteral
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NotLiteral from None


def read_gunicorn_conf(name: str, content: str, facts: Facts) -> None:
    """Gunicorn runs its config file as Python and keeps the module's names that are settings. This reads the
    file's syntax only: a setting assigned a literal is read, any other value is listed as computed."""
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", 0) or 0
        facts.problems.append(Problem(name, f"not valid Python: {getattr(error, 'msg', error)}", line))
        return
    lines = content.splitlines()
    read_names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    latest: dict[str, Found | Computed | NotCarried] = {}  # setting -> its last assignment: the one Gunicorn keeps

    def source(node: ast.stmt) -> Source:
        return Source(name, node.lineno, lines[node.lineno - 1].strip())

    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                setting = target.id
                if setting not in servers.GUNICORN_OPTIONS:
                    if setting not in read_names and not setting.startswith("_"):
                        facts.not_understood.append(NotUnderstood(setting, source(statement), "not a Gunicorn setting"))
                    continue
                if statement.value is None:
                    why = "an annotation, which assigns nothing: Gunicorn sees no value"
                    facts.not_understood.append(NotUnderstood(setting, source(statement), why))
                    continue
                expression = ast.get_source_segment(content, statement.value) or ""
                if isinstance(statement, ast.AugAssign):
                    latest[setting] = Computed(setting, f"{setting} {expression}", source(statement))
                    continue
                try:
                    latest[setting] = Found(GUNICORN, setting, literal(statement.value), source(statement))
                except NotLiteral:
                    latest[setting] = Computed(setting, expression, source(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            option = servers.GUNICORN_OPTIONS.get(statement.name)
            if option and option.why:
                latest[statement.name] = NotCarried(statement.name, "def", option.why, source(statement))
        else:
            for node in ast.walk(statement):  # settings assigned inside if, for, try, with: known only when run
                if (
                    isinstance(node, ast.Name)
                    and isinstance(node.ctx, ast.Store)
                    and node.id in servers.GUNICORN_OPTIONS
                ):
                    kind = type(statement).__name__.lower()
                    latest[node.id] = Computed(node.id, f"assigned inside `{kind}`", source(statement))
    for item in latest.values():
        {Found: facts.found, Computed: facts.computed, NotCarried: facts.not_carried}[type(item)].append(item)
    first = min((item.source for item in latest.values()), key=lambda where: where.line, default=None)
    facts.launches.append(Launch(GUNICORN, first or Source(name, 1, lines[0].strip() if lines else "")))


def line_of_key(lines: list[str], key: str) -> int:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    return next((number for number, line in enumerate(lines, start=1) if pattern.match(line)), 1)


def line_containing(lines: list[str], text: str) -> int:
    return next((number for number, line in enumerate(lines, start=1) if text in line), 1)


def parse_toml(name: str, content: str, facts: Facts) -> dict | None:
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", 0) or int((re.search(r"line (\d+)", str(error)) or [0, 0])[1])
        facts.problems.append(Problem(name, f"not valid TOML: {getattr(error, 'msg', error)}", line))
        return None


def read_hypercorn_toml(name: str, content: str, facts: Facts) -> None:
    data = parse_toml(name, content, facts)
    if data is None:
        return
    lines = content.splitlines()
    first = None
    for key, value in data.items():
        number = line_of_key(lines, key)
        source = Source(name, number, lines[number - 1].strip() if lines else key)
        first = first or source
        if key in servers.HYPERCORN_OPTIONS:
            facts.found.append(Found(HYPERCORN, key, value, source))
        else:
            facts.not_understood.append(NotUnderstood(key, source, "not a Hypercorn setting"))
    facts.launches.append(Launch(HYPERCORN, first or Source(name, 1, "")))


REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def normalised(package: str) -> str:
    return re.sub(r"[-_.]+", "-", package).lower()


def read_requirements(name: str, content: str, facts: Facts) -> None:
    for number, line in enumerate(content.splitlines(), start=1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith(("#", "-", "git+", "http:", "https:", "file:", ".", "/")):
            continue
        match = REQUIREMENT.match(text)
        if match:
            facts.dependencies.append(Dependency(normalised(match[1]), Source(name, number, text)))
        else:
            facts.not_understood.append(NotUnderstood(text, Source(name, number, text), "not a requirement"))


def read_pyproject(name: str, content: str, facts: Facts) -> None:
    """PEP 621's [project] dependencies and Poetry's [tool.poetry.dependencies]: what the app needs to run."""
    data = parse_toml(name, content, facts)
    if data is None:
        return
    lines = content.splitlines()
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    requirements = project.get("dependencies", []) if isinstance(project, dict) else []
    for requirement in requirements if isinstance(requirements, list) else []:
        match = REQUIREMENT.match(requirement) if isinstance(requirement, str) else None
        if match:
            number = line_containing(lines, requirement)
            facts.dependencies.append(Dependency(normalised(match[1]), Source(name, number, requirement)))
    for package in poetry if isinstance(poetry, dict) else {}:
        if package != "python":
            number = line_of_key(lines, package)
            facts.dependencies.append(Dependency(normalised(package), Source(name, number, lines[number - 1].strip())))
