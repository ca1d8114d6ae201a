"""Command lines that start a server: found in a Procfile, a Dockerfile's CMD and ENTRYPOINT, a systemd unit's
ExecStart=, a supervisor program's command= or pasted alone, and read into the server's options. Nothing is run:
the text is split as a shell would split it (shlex), wrappers such as `exec`, `poetry run` or `python -m` are
stepped over, and `sh -c '...'` is read inside."""

import json
import re
import shlex
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from decisions.contract import DOCKER, FASTAPI, GRANIAN, GUNICORN, HYPERCORN, SUPERVISOR, SYSTEMD, UVICORN, UWSGI
from decisions.setups import servers
from decisions.setups.facts import Facts, Found, Launch
from decisions.setups.result import NotCarried, NotUnderstood, Problem, Source

FASTAPI_RUN = "fastapi run"  # FastAPI's CLI, which serves the app with Uvicorn
# `python -m <module>`: each server's module is named as its program (decisions/contract.py's slugs)
PYTHON_MODULES = {program: program for program in servers.SERVER_PROGRAMS} | {
    f"{GUNICORN}.app.wsgiapp": GUNICORN,
    "pyuwsgi": UWSGI,
}
PROGRAMS = {program: program for program in servers.SERVER_PROGRAMS} | {"pyuwsgi": UWSGI}
# Programs that run the command after them; the number of arguments of their own that follow their options.
WRAPPERS = {
    "exec": 0,
    "nohup": 0,
    "env": 0,
    "ddtrace-run": 0,
    "opentelemetry-instrument": 0,
    "dumb-init": 0,
    "tini": 0,
    "gosu": 1,
    "su-exec": 1,
    "setuidgid": 1,
    "chpst": 0,
    "nice": 0,
}
RUNNERS = {"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "pipx", "newrelic-admin"}  # "<runner> run <command>"
SHELLS = {"sh", "bash", "dash", "ash", "zsh"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
APP_LIKE = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$")
UWSGI_CONFIG_SUFFIXES = (".ini", ".xml", ".yaml", ".yml", ".json", ".js")  # uWSGI reads a lone argument so named
COMMAND_SHOWN = 100  # characters of a command line shown as the source of what runs today
OPERATORS = {";", "&&", "||", "|", "&", "(", ")"}
REDIRECTS = {">", ">>", "<", "2>", "&>"}


@dataclass(frozen=True)
class Text:
    """A command's text, the file it is in and the line it starts on, to tell each flag's line."""

    text: str
    file: str
    line: int
    lines: tuple[str, ...]  # the file's lines, to find each word's line
    note: str = ""


def line_of(word: str, text: Text, after: int) -> int:
    """The line, at or after `after`, where this word is written (quotes removed, so look for its start)."""
    probe = word[:24]
    for number in range(max(after, text.line), len(text.lines) + 1):
        if probe in text.lines[number - 1]:
            return number
    return max(after, text.line)


def split_shell(text: Text, facts: Facts) -> list[list[str]] | None:
    """The simple commands of a shell command line, each a list of words; None when it cannot be split."""
    joined = text.text.replace("\\\r\n", " ").replace("\\\n", " ")
    lexer = shlex.shlex(joined, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as error:
        facts.problems.append(Problem(text.file, f"could not split the command line: {error}", text.line))
        return None
    commands, current, skip = [], [], False
    for word in words:
        if skip:
            skip = False
        elif word in OPERATORS or set(word) <= set(";&|()"):
            commands.append(current)
            current = []
        elif word in REDIRECTS or set(word) <= set("<>"):
            skip = True
        else:
            current.append(word)
    commands.append(current)
    return [command for command in commands if command]


def split_words(text: Text, facts: Facts) -> list[list[str]] | None:
    """Words as systemd and supervisor split them: quotes, no shell operators."""
    try:
        return [shlex.split(text.text.replace("\\\n", " "))]
    except ValueError as error:
        facts.problems.append(Problem(text.file, f"could not split the command line: {error}", text.line))
        return None


def program_of(words: list[str]) -> tuple[str, list[str], list[str]] | None:
    """(server, its arguments, the words before them) when these words start a server, after any wrappers."""
    index = 0
    while index < len(words):
        word = words[index]
        name = PurePosixPath(word).name
        if ASSIGNMENT.match(word) or word == "--":
            index += 1
        elif name in WRAPPERS:
            index += 1
            while index < len(words) and words[index].startswith("-"):
                index += 1
            index += WRAPPERS[name]
        elif name in RUNNERS and index + 1 < len(words) and words[index + 1] in ("run", "run-program"):
            index += 2
            while index < len(words) and words[index].startswith("-"):
                index += 1
        elif re.fullmatch(r"python[0-9.]*", name):
            index += 1
            while index < len(words) and words[index].startswith("-") and words[index] != "-m":
                index += 1
            if index + 1 < len(words) and words[index] == "-m" and words[index + 1] in PYTHON_MODULES:
                return PYTHON_MODULES[words[index + 1]], words[index + 2 :], words[: index + 2]
            return None
        elif name == FASTAPI and index + 1 < len(words) and words[index + 1] == "run":  # its CLI, named as it
            return FASTAPI_RUN, words[index + 2 :], words[: index + 2]
        elif name in PROGRAMS:
            return PROGRAMS[name], words[index + 1 :], words[: index + 1]
        else:
            return None
    return None


def shell_script(words: list[str]) -> str | None:
    """The script of `sh -c 'script'`, or None."""
    if words and PurePosixPath(words[0]).name in SHELLS:
        options = words[1:]
        for index, word in enumerate(options):
            if word.startswith("-") and "c" in word[1:] and index + 1 < len(options):
                return options[index + 1]
    return None


def read_commands(text: Text, facts: Facts, *, shell: bool) -> list[Launch]:
    """The servers these command lines start, their options into facts. A `sh -c` script is read as a shell."""
    commands = split_shell(text, facts) if shell else split_words(text, facts)
    launches = []
    for words in commands or ():
        script = shell_script(words)
        if script is not None:
            inner = Text(script, text.file, text.line, text.lines, text.note)
            launches += read_commands(inner, facts, shell=True)
            continue
        program = program_of(words)
        if program:
            launches.append(read_arguments(*program, text, facts))
    return launches


def flag_spec(server: str, flag: str) -> tuple[str, bool] | None:
    """(option name, whether it takes a value) for a flag without its "=value"; None when the server has no such
    flag."""
    if server == GUNICORN:
        name = servers.GUNICORN_FLAGS.get(flag)
        return (name, flag not in servers.GUNICORN_SWITCHES) if name else None
    if server == HYPERCORN:
        name = servers.HYPERCORN_FLAGS.get(flag)
        return (name, flag not in servers.HYPERCORN_SWITCHES) if name else None
    if server == UWSGI:
        name = servers.UWSGI_SHORT_FLAGS.get(flag) or flag.removeprefix("--")
        kind = servers.UWSGI_ARGUMENTS.get(name) if flag.startswith("--") or flag in servers.UWSGI_SHORT_FLAGS else None
        return (name, kind == "r") if kind else None
    if server == servers.DAPHNE:
        flag = servers.DAPHNE_FLAGS.get(flag, flag)
    table, switches = {
        UVICORN: (servers.UVICORN_OPTIONS, servers.UVICORN_SWITCHES),
        GRANIAN: (servers.GRANIAN_OPTIONS, servers.GRANIAN_SWITCHES),
        servers.DAPHNE: (servers.DAPHNE_OPTIONS, servers.DAPHNE_SWITCHES),
        FASTAPI_RUN: (servers.FASTAPI_RUN_OPTIONS, servers.FASTAPI_RUN_SWITCHES),
    }[server]
    name = flag.removeprefix("--")
    return (name, name not in switches) if flag.startswith("--") and name in table else None


def read_arguments(server: str, arguments: list[str], before: list[str], text: Text, facts: Facts) -> Launch:
    """Reads a server's arguments into facts: each flag as the option it sets, the positionals as the app."""
    reported = UVICORN if server == FASTAPI_RUN else server
    start = line_of(before[-1], text, text.line)
    written = shlex.join([*before, *arguments])
    written = written if len(written) <= COMMAND_SHOWN else written[: COMMAND_SHOWN - 1] + "…"
    launch = Launch(reported, Source(text.file, start, written, text.note), True)
    if server == FASTAPI_RUN:
        facts.framework_hints.append((FASTAPI, launch.source))
    line, index, positionals = start, 0, []
    while index < len(arguments):
        word = arguments[index]
        line = line_of(word, text, line)
        index += 1
        if not word.startswith("-") or word == "-":
            positionals.append((word, line))
            continue
        flag, given, value = word.partition("=")
        spec = flag_spec(server, flag)
        if spec is None and not given and len(word) > 2 and not word.startswith("--"):
            spec = flag_spec(server, word[:2])  # a short flag with its value attached: -w4
            flag, given, value = (word[:2], "=", word[2:]) if spec and spec[1] else (flag, given, value)
        if spec is None:
            facts.not_understood.append(NotUnderstood(word, Source(text.file, line, word), f"not a flag of {reported}"))
            continue
        name, takes_value = spec
        written = word
        if takes_value and not given:
            if index >= len(arguments):
                facts.problems.append(Problem(text.file, f"{flag} has no value", line))
                break
            value = arguments[index]
            index += 1
            written = f"{word} {value}"
        elif not takes_value:
            value = not name.startswith("no-")
        facts.found.append(Found(server, name, value, Source(text.file, line, written)))
        if name in ("config", "ini"):
            launch = replace(launch, reads_config=True)
    app_at = next((at for at, (word, _) in enumerate(positionals) if APP_LIKE.match(word)), None)
    for position, (word, line) in enumerate(positionals):
        source = Source(text.file, line, word)
        if server == UWSGI and word.endswith(UWSGI_CONFIG_SUFFIXES):
            facts.found.append(Found(server, "ini", word, source))
            launch = replace(launch, reads_config=True)
        elif position == 0 and server == FASTAPI_RUN:
            facts.not_carried.append(NotCarried("path", word, "the file FastAPI's CLI imports the app from", source))
        elif position == app_at and server != UWSGI:
            facts.found.append(Found(server, "app", word, source))
        else:
            facts.not_understood.append(NotUnderstood(word, source, f"an argument {reported} does not take here"))
    return launch


def numbered_lines(content: str) -> tuple[str, ...]:
    return tuple(content.splitlines())


def logical_lines(lines: tuple[str, ...], *, skip_comments_inside: bool) -> list[tuple[int, str]]:
    """(first line number, text) with backslash-continued lines joined; comment lines inside a continuation are
    dropped, as Docker and systemd drop them."""
    joined, start, parts = [], 0, []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if parts and skip_comments_inside and stripped[:1] in ("#", ";"):
            continue
        if not parts:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        joined.append((start, " ".join(parts)))
        parts = []
    if parts:
        joined.append((start, " ".join(parts)))
    return joined


def read_procfile(name: str, content: str, facts: Facts) -> None:
    lines = numbered_lines(content)
    processes = []
    for start, line in logical_lines(lines, skip_comments_inside=False):
        match = re.match(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.*)$", line)
        if match and not line.lstrip().startswith("#"):
            scratch = Facts()
            text = Text(match[2], name, start, lines, f"process {match[1]}")
            processes.append((match[1], read_commands(text, scratch, shell=True), scratch))
    serving = [process for process in processes if process[1]]
    chosen = next((process for process in serving if process[0] == "web"), serving[0] if serving else None)
    for entry in processes:
        process, launches, scratch = entry
        facts.problems += scratch.problems
        if entry is chosen:
            facts.launches += launches
            for field in ("found", "framework_hints", "computed", "not_carried", "not_understood"):
                getattr(facts, field).extend(getattr(scratch, field))
        else:
            for launch in launches:
                facts.not_carried.append(
                    NotCarried(
                        f"process {process}",
                        launch.server,
                        f"the Procfile's {chosen[0]} process is the one read: it receives the HTTP requests",
                        launch.source,
                    )
                )


def read_dockerfile(name: str, content: str, facts: Facts) -> None:
    lines = numbered_lines(content)
    facts.deploys.append((DOCKER, Source(name, 1, "Dockerfile")))
    instructions: dict[str, tuple[int, str]] = {}
    for start, line in logical_lines(lines, skip_comments_inside=True):
        keyword, _, rest = line.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            instructions = {}  # a later stage starts afresh: only the last stage's CMD and ENTRYPOINT run
        elif keyword in ("CMD", "ENTRYPOINT"):
            instructions[keyword] = (start, rest.strip())
    entrypoint, command = instructions.get("ENTRYPOINT"), instructions.get("CMD")
    forms = [docker_form(*entrypoint)] if entrypoint else []
    if command and not (entrypoint and forms[0][1] is None):  # a shell-form ENTRYPOINT ignores CMD
        forms.append(docker_form(*command))
    words: list[str] = []
    for start, exec_words, shell in forms:
        if exec_words is not None and not (len(exec_words) == 1 and " " in exec_words[0]):
            words += exec_words
            continue
        script = exec_words[0] if exec_words is not None else shell
        note = "an exec-form CMD of one string, read as a shell command" if exec_words is not None else ""
        facts.launches += read_commands(Text(script, name, start, lines, note), facts, shell=True)
        return
    if words:
        start = forms[0][0]
        facts.launches += read_commands(Text(shlex.join(words), name, start, lines), facts, shell=False)


def docker_form(start: int, rest: str) -> tuple[int, list[str] | None, str]:
    """(line, the exec form's words or None for the shell form, the text)."""
    if rest.startswith("["):
        try:
            words = json.loads(rest)
        except ValueError:
            words = None  # Docker runs an instruction that is not valid JSON as a shell command
        if isinstance(words, list) and all(isinstance(word, str) for word in words):
            return start, words, rest
    return start, None, rest


def read_systemd(name: str, content: str, facts: Facts) -> None:
    lines = numbered_lines(content)
    section = ""
    for start, line in logical_lines(lines, skip_comments_inside=True):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == "[Service]" and stripped.startswith("ExecStart="):
            command = stripped.removeprefix("ExecStart=").lstrip("@-:+!")
            if command:
                facts.deploys.append((SYSTEMD, Source(name, start, stripped[:60])))
                facts.launches += read_commands(Text(command, name, start, lines), facts, shell=False)
                return


def read_supervisor(name: str, content: str, facts: Facts) -> None:
    lines = numbered_lines(content)
    section, command, start = "", [], 0
    programs = []
    for number, line in enumerate(lines, start=1):
        if command and line[:1] in (" ", "\t") and line.strip() and not line.strip().startswith(";"):
            command.append(line.strip())  # an indented line continues the value (configparser)
            continue
        if command:
            programs.append((section, start, " ".join(command)))
            command = []
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif re.match(r"^\[(fcgi-)?program:", section) and re.match(r"^command\s*=", stripped):
            start = number
            command = [re.split(r"\s;", stripped.split("=", 1)[1])[0].strip()]
    if command:
        programs.append((section, start, " ".join(command)))
    for section, start, text in programs:
        launches = read_commands(Text(text, name, start, lines), facts, shell=False)
        if launches:
            facts.deploys.append((SUPERVISOR, Source(name, start, section)))
            facts.launches += launches
