"""Proves a starter config file or a server start command valid with the real tool that reads it.

Each check runs the tool named in server-facts.md ("How to validate a file without serving traffic") on a
copy in a temporary folder, with a timeout, and adds the checks that tool misses. A tool that is not
installed gives a failed Verdict saying so, never an exception: the admin shows verdicts as they come.

What the user has and this machine has not is replaced, and each Verdict says so in its messages:
/etc/ssl/serverwise/{cert,key}.pem by a self-signed pair made for the check (openssl), the app by a stand-in
module at its import path (Gunicorn), /srv/app/.venv/bin/<server> by this machine's <server> (systemd), and
a log folder that does not exist here by a temporary one (supervisor).
"""

import ast
import contextlib
import difflib
import fnmatch
import importlib.util
import inspect
import io
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from decisions.configs.paths import CERT_PATH, KEY_PATH, VM_VENV

TIMEOUT_SECONDS = 30
APP_VENV_BIN = f"{VM_VENV}/bin/"
# Our own environment must not change how a tool reads the file under test (GUNICORN_CMD_ARGS, UWSGI_*, ...).
TOOL_ENVIRONMENT_PREFIXES = (
    "GUNICORN_", "UWSGI_", "HYPERCORN_", "UVICORN_", "GRANIAN_", "HADOLINT_", "WEB_CONCURRENCY",
)
APP_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\(\))?)?")

# uWSGI 2.0.31 reads these with atoi() (core/uwsgi.c, uwsgi_opt_set_int/64bit/megabytes): "abc" silently becomes 0.
UWSGI_WHOLE_NUMBER_OPTIONS = frozenset(
    "processes workers threads harakiri listen buffer-size max-requests max-requests-delta min-worker-lifetime "
    "max-worker-lifetime max-worker-lifetime-delta reload-mercy worker-reload-mercy socket-timeout reload-on-rss "
    "evil-reload-on-rss reload-on-as evil-reload-on-as limit-as post-buffering cheaper cheaper-initial cheaper-step "
    "offload-threads async thread-stacksize http-timeout http-keepalive http-processes http-workers max-fd "
    "limit-post spooler-processes mule-harakiri".split()
)
HYPERCORN_WORKER_CLASSES = ("asyncio", "uvloop", "trio")  # hypercorn/run.py accepts no other
KUBERNETES_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}
# What Debian's /etc/nginx/nginx.conf gives a site in sites-enabled/: relative includes resolve against /etc/nginx.
DEBIAN_NGINX_FILES = ("mime.types", "proxy_params", "uwsgi_params", "fastcgi_params", "fastcgi.conf", "scgi_params")
NGINX_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # Debian's are under /var/lib/nginx
HADOLINT_FAILING_LEVELS = {"error", "warning"}  # info and style findings are reported, not failed


@dataclass(frozen=True)
class Verdict:
    filename: str
    ok: bool
    tool: str
    messages: tuple[str, ...]


class _ToolMissing(Exception):
    pass


@dataclass
class _Check:
    """One validation: its temporary folder, and what it found so far."""

    folder: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def write(self, name: str, content: str) -> Path:
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise ValueError(f"{name!r} would land outside the folder of the check")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return path

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(TOOL_ENVIRONMENT_PREFIXES)}
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=self.folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )

    def with_throwaway_tls(self, text: str) -> str:
        """The user's certificates are not here: a self-signed pair made now stands in for them."""
        if CERT_PATH not in text and KEY_PATH not in text:
            return text
        cert, key = self.folder / "tls" / "cert.pem", self.folder / "tls" / "key.pem"
        if not cert.exists():
            cert.parent.mkdir()
            made = self.run(
                [_executable("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert]
            )
            if made.returncode:
                raise _ToolMissing(f"openssl could not make a throwaway certificate: {_output(made)}")
            self.note(f"{CERT_PATH} and {KEY_PATH} are not here: a throwaway self-signed pair stood in for them")
        return text.replace(CERT_PATH, str(cert)).replace(KEY_PATH, str(key))

    def verdict(self, filename: str, tool: str) -> Verdict:
        noise = (f"{self.folder}/", f"{os.path.dirname(sys.executable)}/")
        messages = tuple(_without(message, noise) for message in self.problems + self.notes)
        return Verdict(filename, not self.problems, tool, messages)


def validate(filename: str, content: str, *, app: str | None = None) -> Verdict:
    """Runs the real tool for this kind of file. `app` is Gunicorn's APP when the file sets no wsgi_app."""
    name = Path(filename).name
    for pattern, tool, validator in _VALIDATORS:
        if fnmatch.fnmatchcase(name, pattern):
            return _checked(filename, tool, lambda check: validator(check, name, content, app))
    return Verdict(filename, False, "none", (f"Serverwise has no validator for {filename!r}",))


def validate_command(command: str, files: Mapping[str, str] | None = None) -> Verdict:
    """Checks a start command with the server's own parser, run in a folder holding `files` (the bundle)."""
    try:
        argv = shlex.split(command)
    except ValueError as error:
        return Verdict(command, False, "shlex", (f"the command does not parse: {error}",))
    server = Path(argv[0]).name if argv else ""
    if server not in _COMMAND_CHECKS:
        return Verdict(command, False, "none", ("not a Gunicorn, uWSGI, Uvicorn, Hypercorn or Granian command",))
    tool, checker = _COMMAND_CHECKS[server]

    def check_in_bundle(check: _Check) -> None:
        for name, content in (files or {}).items():
            check.write(name, check.with_throwaway_tls(content))
        checker(check, shlex.split(check.with_throwaway_tls(command))[1:])

    return _checked(command, tool, check_in_bundle)


def stand_in_app(app_path: str, interface: str = "wsgi") -> dict[str, str]:
    """Files that make `package.module:name` importable as a WSGI or ASGI app answering 200 "ok"."""
    if not APP_PATH.fullmatch(app_path):
        raise ValueError(f"{app_path!r} is not an import path like package.module:app")
    module, _, attribute = app_path.partition(":")
    name = (attribute or "application").removesuffix("()")
    body = _ASGI_APP if interface == "asgi" else _WSGI_APP
    if attribute.endswith("()"):
        body += f"\n\ndef {name}():\n    return _app\n"
    else:
        body += f"\n\n{name} = _app\n"
    parts = module.split(".")
    files = {"/".join(parts[:depth]) + "/__init__.py": "" for depth in range(1, len(parts))}
    files["/".join(parts) + ".py"] = body
    return files


_WSGI_APP = '''def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]'''

_ASGI_APP = '''async def _app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})'''


def _without(text: str, parts: tuple[str, ...]) -> str:
    for part in parts:
        text = text.replace(part, "")
    return text


def _checked(filename: str, tool: str, body: Callable[[_Check], None]) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="serverwise-check-") as folder:
        check = _Check(Path(folder))
        try:
            body(check)
        except _ToolMissing as missing:
            check.problem(str(missing))
        except subprocess.TimeoutExpired as slow:
            check.problem(f"{Path(str(slow.cmd[0])).name} did not finish within {slow.timeout:g} s")
        return check.verdict(filename, tool)


def _executable(name: str) -> str:
    """A tool from this venv's bin (where pip puts hadolint, uwsgi...), PATH, or Debian's sbin (nginx)."""
    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(name, path=search)
    if found is None:
        raise _ToolMissing(f"{name} is not installed here")
    return found


def _require_module(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise _ToolMissing(f"{package} is not installed here")


def _output(result: subprocess.CompletedProcess) -> str:
    return "\n".join(line for line in (result.stderr + result.stdout).splitlines() if line.strip())


def _did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = _output(result).splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


# ---- Gunicorn ---------------------------------------------------------------------------------------------

_LOAD_WORKER_CLASS = """
import sys
from gunicorn.util import load_class
try:
    load_class(sys.argv[1])
except Exception as error:
    lines = [line.strip() for line in str(error).splitlines() if line.strip() not in ("", "]")]
    reason = " ".join(dict.fromkeys([lines[0], lines[-1]]))
    sys.exit(f"worker_class {sys.argv[1]!r} cannot be loaded here: {reason}")
"""


def _gunicorn_conf(check: _Check, filename: str, content: str, app: str | None) -> None:
    _require_module("gunicorn", "Gunicorn")
    from gunicorn.config import KNOWN_SETTINGS

    try:
        tree = ast.parse(content, filename)
    except SyntaxError as error:
        check.problem(f"line {error.lineno}: {error.msg}")
        return
    known = {setting.name for setting in KNOWN_SETTINGS}
    for name, line in _top_level_names(tree):
        if name not in known and not name.startswith("_"):
            hint = _did_you_mean(name, known)
            check.problem(f"line {line}: unknown setting {name!r}, which Gunicorn ignores silently{hint}")

    gunicorn = _executable("gunicorn")
    check.write(filename, check.with_throwaway_tls(content))
    # --print-config prints the resolved settings, then fails to import the app, which is not written yet.
    app_argument = [app] if app else []  # an APP on the command line wins over wsgi_app
    printed = check.run([gunicorn, "-c", filename, "--print-config", *app_argument])
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.MULTILINE))
    if not settings:
        check.problem(_output(printed))
        return

    app_path = app or settings["wsgi_app"]
    if not APP_PATH.fullmatch(app_path):
        check.problem(f"wsgi_app {app_path!r} is not an import path like package.module:app")
    else:
        for name, module in stand_in_app(app_path).items():
            check.write(name, module)
        check.note(f"a stand-in app was written at {app_path} (the real one is not here)")
        checked = check.run([gunicorn, "-c", filename, "--check-config", *app_argument])
        if checked.returncode:
            check.problem(_last_line(checked))

    loaded = check.run([sys.executable, "-c", _LOAD_WORKER_CLASS, settings.get("worker_class", "sync")])
    if loaded.returncode:
        check.problem(_last_line(loaded))
    for setting in ("certfile", "keyfile"):
        path = settings.get(setting, "None")
        if path != "None" and not Path(check.folder, path).is_file():
            check.problem(f"{setting} {path!r} does not exist")


def _top_level_names(tree: ast.Module) -> typing.Iterator[tuple[str, int]]:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id, node.lineno


def _gunicorn_command(check: _Check, args: list[str]) -> None:
    _require_module("gunicorn", "Gunicorn")
    from gunicorn.config import Config

    config = Config()
    parser = config.parser()
    parser.error = _raise_usage_error
    try:
        with _quiet():
            namespace = parser.parse_args(args)
    except _UsageError as error:
        check.problem(str(error))
        return
    except SystemExit:
        check.problem("the command shows help or a version and exits: it starts no server")
        return
    for name, value in vars(namespace).items():
        if value is not None and name != "args":
            try:
                config.set(name.lower(), value)
            except (ValueError, TypeError) as error:
                check.problem(f"{name}: {error}")
    config_file = namespace.config or "gunicorn.conf.py"  # Gunicorn loads ./gunicorn.conf.py by itself
    has_config = (check.folder / config_file).is_file()
    if namespace.config and not has_config:
        check.problem(f"the command names {config_file}, which is not among the files")
    elif not namespace.args and not has_config:
        check.problem("no APP and no gunicorn.conf.py: Gunicorn would not know what to serve")


@contextlib.contextmanager
def _quiet() -> typing.Iterator[None]:
    """--help and --version print before they exit: keep that out of the web server's log."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


class _UsageError(Exception):
    pass


def _raise_usage_error(message: str) -> typing.NoReturn:
    raise _UsageError(message)


# ---- uWSGI ------------------------------------------------------------------------------------------------


def _uwsgi_ini(check: _Check, filename: str, content: str, app: str | None) -> None:
    uwsgi = _executable("uwsgi")
    options = _ini_section(content, "uwsgi")
    if options is None:
        check.problem("no [uwsgi] section: uWSGI would read nothing from this file")
    for line, key, value in options or []:
        placeholder = any(mark in value for mark in ("%(", "$(", "@("))
        if key.replace("_", "-") in UWSGI_WHOLE_NUMBER_OPTIONS and not placeholder and not value.isdigit():
            check.problem(f"line {line}: {key} = {value!r} is not a whole number (uWSGI would read it as 0)")
    check.write(filename, check.with_throwaway_tls(content))
    _run_uwsgi_strict(check, [uwsgi, "--strict", "--ini", filename, "--hook-asap", "exit:"])


def _uwsgi_command(check: _Check, args: list[str]) -> None:
    _run_uwsgi_strict(check, [_executable("uwsgi"), "--strict", *args, "--hook-asap", "exit:"])


def _run_uwsgi_strict(check: _Check, args: list[str]) -> None:
    """The exit: hook runs once the options are parsed, before uWSGI binds a socket or loads the app."""
    result = check.run(args)
    chatter = ("getting INI configuration from", 'running "exit:"')
    said = [line for line in _output(result).splitlines() if not any(part in line for part in chatter)]
    if result.returncode or any("WARNING" in line for line in said):
        check.problem("\n".join(said) or f"uwsgi stopped with exit status {result.returncode}")


def _ini_section(content: str, wanted: str) -> list[tuple[int, str, str]] | None:
    """(line, key, value) of one section, keeping repeated keys as uWSGI does; None if it is absent."""
    options, section, found = [], None, False
    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            found = found or section == wanted
        elif section == wanted and "=" in line:
            key, _, value = line.partition("=")
            options.append((number, key.strip(), value.strip()))
    return options if found else None


# ---- Hypercorn --------------------------------------------------------------------------------------------


def _hypercorn_toml(check: _Check, filename: str, content: str, app: str | None) -> None:
    _require_module("hypercorn", "Hypercorn")
    from hypercorn.config import Config

    content = check.with_throwaway_tls(content)
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        check.problem(f"not valid TOML: {error}")
        return
    settings = _hypercorn_settings(Config)
    for key, value in data.items():
        if key not in settings:
            check.problem(f"unknown setting {key!r}, which Hypercorn ignores silently{_did_you_mean(key, settings)}")
        elif not _toml_value_fits(value, settings[key]):
            check.problem(f"{key} = {value!r}: Hypercorn expects {_describe(settings[key])}")
    if check.problems:
        return
    try:
        config = Config.from_toml(check.write(filename, content))
    except (ValueError, TypeError, AttributeError) as error:
        check.problem(f"Config.from_toml: {error}")
        return
    if config.worker_class not in HYPERCORN_WORKER_CLASSES:
        check.problem(f"worker_class {config.worker_class!r} is not one of {', '.join(HYPERCORN_WORKER_CLASSES)}")
    if (config.certfile is None) != (config.keyfile is None):
        check.problem("certfile and keyfile go together: with only one of them Hypercorn serves plain HTTP")
    for setting in ("certfile", "keyfile", "ca_certs"):
        path = getattr(config, setting)
        if path is not None and not Path(path).is_file():
            check.problem(f"{setting} {path!r} does not exist")
    if config.ssl_enabled and not check.problems:
        try:
            config.create_ssl_context()
        except (OSError, ssl.SSLError, ValueError) as error:
            check.problem(f"create_ssl_context: {error}")


def _hypercorn_settings(config_class: type) -> dict[str, typing.Any]:
    """Every setting a TOML key can set, with the type Hypercorn expects (its annotation or default's type)."""
    hints = typing.get_type_hints(config_class)
    settings = {}
    for name in dir(config_class()):
        attribute = inspect.getattr_static(config_class, name)
        if name.startswith("_") or inspect.isfunction(attribute) or isinstance(attribute, classmethod):
            continue
        if isinstance(attribute, property):
            if attribute.fset is not None:
                settings[name] = typing.get_type_hints(attribute.fset)["value"]
        elif name in hints:
            settings[name] = hints[name]
        elif isinstance(attribute, list):
            settings[name] = list[str] if all(isinstance(item, str) for item in attribute) else list
        else:
            settings[name] = type(attribute) if not isinstance(attribute, type) else type[attribute]
    return settings


def _toml_value_fits(value: typing.Any, expected: typing.Any) -> bool:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return any(_toml_value_fits(value, option) for option in typing.get_args(expected))
    if origin is list or expected is list:
        item_types = typing.get_args(expected)
        return isinstance(value, list) and all(_toml_value_fits(item, item_types[0]) for item in value if item_types)
    if origin is dict or expected is dict:
        return isinstance(value, dict)
    if expected is bool:
        return isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(expected, type) and issubclass(expected, int):  # int, and IntEnum/IntFlag such as VerifyMode
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is str:
        return isinstance(value, str)
    return False  # a logger or class: TOML cannot give one


def _describe(expected: typing.Any) -> str:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(option) for option in typing.get_args(expected) if option is not types.NoneType)
    if origin is type:
        return "a Python class (not settable from TOML)"
    return str(expected) if origin else expected.__name__


def _hypercorn_command(check: _Check, args: list[str]) -> None:
    _require_module("hypercorn", "Hypercorn")
    result = check.run([sys.executable, "-c", _HYPERCORN_PARSE_ONLY, *args])
    if result.returncode:
        check.problem(_last_line(result))


_HYPERCORN_PARSE_ONLY = """
import sys
import hypercorn.__main__ as cli
sys.argv[0] = "hypercorn"
cli.run = lambda config: 0  # Hypercorn parses the arguments and loads the config file; nothing is served
sys.exit(cli.main(sys.argv[1:]))
"""


# ---- Uvicorn and Granian ----------------------------------------------------------------------------------


def _uvicorn_command(check: _Check, args: list[str]) -> None:
    _require_module("uvicorn", "Uvicorn")
    from uvicorn.main import main

    _click_context(check, main, "uvicorn", args)


def _granian_command(check: _Check, args: list[str]) -> None:
    _require_module("granian", "Granian")
    from click.core import ParameterSource
    from granian.cli import cli

    context = _click_context(check, cli, "granian", args, auto_envvar_prefix="GRANIAN")
    if context is not None and context.get_parameter_source("interface") is not ParameterSource.COMMANDLINE:
        check.problem("no --interface: Granian would serve RSGI, which no WSGI or ASGI app speaks")


def _click_context(check: _Check, command: typing.Any, name: str, args: list[str], **options: typing.Any):
    import click

    try:
        with _quiet():
            return command.make_context(name, list(args), **options)
    except click.exceptions.Exit:
        check.problem("the command shows help or a version and exits: it starts no server")
    except click.ClickException as error:
        check.problem(error.format_message())
    return None


# ---- Dockerfile and Kubernetes ----------------------------------------------------------------------------


def _dockerfile(check: _Check, filename: str, content: str, app: str | None) -> None:
    hadolint = _executable("hadolint")
    check.write(filename, content)
    # An empty rule set of our own, so that a hadolint config in this user's home cannot change the verdict.
    settings = check.write("serverwise-hadolint.yaml", "ignored: []\n")
    result = check.run([hadolint, "--config", settings, "--no-fail", "--no-color", "--format", "json", filename])
    if result.returncode:
        check.problem(_output(result))
        return
    for finding in json.loads(result.stdout or "[]"):
        text = f"line {finding['line']}: {finding['code']} ({finding['level']}) {finding['message']}"
        (check.problem if finding["level"] in HADOLINT_FAILING_LEVELS else check.note)(text)


def _kubernetes(check: _Check, filename: str, content: str, app: str | None) -> None:
    tool = _executable("kubernetes-validate")
    _require_module("yaml", "PyYAML")
    import yaml

    check.write(filename, content)
    result = check.run([tool, "--strict", filename])
    entries: list[str] = []
    for line in _output(result).splitlines():
        if line.startswith(("INFO ", "WARN ", "ERROR ")) or not entries:
            entries.append(line)
        else:
            entries[-1] += f" {line.strip()}"
    for entry in entries:
        (check.note if entry.startswith("INFO ") else check.problem)(entry)
    if result.returncode and not check.problems:
        check.problem(f"kubernetes-validate failed with exit status {result.returncode}")
    try:
        documents = [document for document in yaml.safe_load_all(content) if isinstance(document, dict)]
    except yaml.YAMLError:
        return  # kubernetes-validate has said why
    _check_selectors(check, documents)


def _check_selectors(check: _Check, documents: list[dict]) -> None:
    """The API server rejects a selector that misses the pod labels; a Service that selects no pod sends nothing."""
    pod_labels = []
    for document in documents:
        if document.get("kind") not in KUBERNETES_WORKLOADS:
            continue
        name = f"{document['kind']} {(document.get('metadata') or {}).get('name')}"
        spec = document.get("spec") or {}
        wanted = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        pod_labels.append(labels)
        if any(labels.get(key) != value for key, value in wanted.items()):
            check.problem(
                f"{name}: spec.selector.matchLabels {wanted} does not match spec.template.metadata.labels {labels}"
            )
    for document in documents:
        if document.get("kind") != "Service" or not pod_labels:
            continue
        name = f"Service {(document.get('metadata') or {}).get('name')}"
        selector = (document.get("spec") or {}).get("selector") or {}
        if not selector:
            check.problem(f"{name} has no selector: it sends traffic to none of the pods in this file")
        elif not any(all(labels.get(key) == value for key, value in selector.items()) for labels in pod_labels):
            check.problem(f"{name} selects {selector}, which no pod in this file carries")


# ---- systemd, supervisor, nginx ---------------------------------------------------------------------------


def _systemd_unit(check: _Check, filename: str, content: str, app: str | None) -> None:
    tool = _executable("systemd-analyze")

    def local_executable(match: re.Match) -> str:
        name = match.group(3)
        try:
            found = _executable(name)
        except _ToolMissing:
            check.problem(f"{name} is not installed here, so {APP_VENV_BIN}{name} cannot stand in")
            return match.group(0)
        check.note(f"{APP_VENV_BIN}{name} is not here: {found} stood in for it")
        return match.group(1) + found

    exec_lines = re.compile(rf"^(\s*Exec\w*\s*=\s*[-@:+!]*)({re.escape(APP_VENV_BIN)})([\w.-]+)", re.MULTILINE)
    unit = check.write(filename, exec_lines.sub(local_executable, check.with_throwaway_tls(content)))
    result = check.run([tool, "verify", unit])
    lines = _output(result).splitlines()
    about_unit = [line for line in lines if filename in line]
    if result.returncode or about_unit:  # unknown keys only warn, with exit status 0
        check.problem("\n".join(lines) or f"systemd-analyze verify failed with exit status {result.returncode}")
    else:
        for line in lines:
            check.note(line)


_SUPERVISOR_REALIZE = """
import json, sys
from supervisor import options

read = set()
saneget = options.UnhosedConfigParser.saneget

def recording_saneget(self, section, option, *args, **kwargs):
    read.add((section, option))
    return saneget(self, section, option, *args, **kwargs)

# supervisord lists no option names: the ones its own parser asks for while reading the file are the known ones
options.UnhosedConfigParser.saneget = recording_saneget
server = options.ServerOptions()
server.realize(args=["-c", sys.argv[1]])
parser = options.UnhosedConfigParser()
parser.read(sys.argv[2])
unknown = [
    [section, option, sorted(known for place, known in read if place == section)]
    for section in parser.sections() if section.startswith("program:")
    for option in parser.options(section) if (section, option) not in read
]
print(json.dumps({"unknown": unknown, "warnings": server.parse_warnings}))
"""


def _supervisor(check: _Check, filename: str, content: str, app: str | None) -> None:
    _require_module("supervisor", "supervisor")
    if not any(section.startswith("program:") for section in _ini_sections(content)):
        check.problem("no [program:name] section: supervisord would run nothing")

    def local_log_folder(match: re.Match) -> str:
        option, log = match.group(2), Path(match.group(3))
        if log.parent.is_dir():
            return match.group(0)
        check.note(f"{log.parent} is not here: {option} was written to a temporary folder")
        return match.group(1) + str(check.folder / "logs" / log.name)

    (check.folder / "logs").mkdir()
    log_options = re.compile(r"^(\s*(std(?:out|err)_logfile)\s*=\s*)(/\S+)", re.MULTILINE)
    program = check.write(filename, log_options.sub(local_log_folder, check.with_throwaway_tls(content)))
    main = check.write(
        "serverwise-supervisord.conf",
        f"[supervisord]\nlogfile = {check.folder}/supervisord.log\npidfile = {check.folder}/supervisord.pid\n\n"
        f"[include]\nfiles = {program}\n",
    )
    result = check.run([sys.executable, "-c", _SUPERVISOR_REALIZE, main, program])
    if result.returncode:
        said = [line for line in _output(result).splitlines() if line != "For help, use -c -h"]
        check.problem("\n".join(said) or f"supervisord stopped with exit status {result.returncode}")
        return
    found = json.loads(result.stdout)
    for section, option, known in found["unknown"]:
        hint = _did_you_mean(option, known)
        check.problem(f"[{section}] unknown option {option!r}, which supervisord ignores silently{hint}")
    for warning in found["warnings"]:
        check.problem(warning)


def _ini_sections(content: str) -> list[str]:
    return re.findall(r"^\s*\[([^\]]+)\]", content, re.MULTILINE)


def _nginx_site(check: _Check, filename: str, content: str, app: str | None) -> None:
    nginx = _executable("nginx")
    site = check.write(filename, check.with_throwaway_tls(content))
    for name in DEBIAN_NGINX_FILES:
        if Path("/etc/nginx", name).exists():
            (check.folder / name).symlink_to(Path("/etc/nginx", name))
    temp = check.folder / "nginx-temp"
    temp.mkdir()
    mime_types = "include mime.types;" if (check.folder / "mime.types").exists() else ""
    temp_paths = "".join(f"    {kind}_temp_path {temp}/{kind};\n" for kind in NGINX_TEMP_PATHS)
    wrapper = check.write(
        "serverwise-nginx.conf",
        f"pid {check.folder}/nginx.pid;\nevents {{}}\nhttp {{\n    {mime_types}\n{temp_paths}    include {site};\n}}\n",
    )
    check.note("checked inside a minimal nginx.conf (events {} and http { include <this site>; })")
    result = check.run([nginx, "-t", "-e", check.folder / "error.log", "-p", f"{check.folder}/", "-c", wrapper])
    success = ("syntax is ok", "test is successful")
    said = [line for line in _output(result).splitlines() if not line.endswith(success)]
    if result.returncode or said:  # a [warn] fails too: a starter config should not need one
        check.problem("\n".join(said) or f"nginx -t failed with exit status {result.returncode}")


def _not_validated(check: _Check, filename: str, content: str, app: str | None) -> None:
    check.note(f"{filename} is not validated: no tool checks this kind of file")


_VALIDATORS: tuple[tuple[str, str, Callable[[_Check, str, str, str | None], None]], ...] = (
    ("gunicorn*.py", "gunicorn --check-config", _gunicorn_conf),
    ("uwsgi*.ini", "uwsgi --strict", _uwsgi_ini),
    ("hypercorn*.toml", "hypercorn Config.from_toml", _hypercorn_toml),
    ("Dockerfile", "hadolint", _dockerfile),
    ("Dockerfile.*", "hadolint", _dockerfile),
    ("*.Dockerfile", "hadolint", _dockerfile),
    ("*.yaml", "kubernetes-validate --strict", _kubernetes),
    ("*.yml", "kubernetes-validate --strict", _kubernetes),
    ("*.service", "systemd-analyze verify", _systemd_unit),
    ("supervisor*.conf", "supervisord (ServerOptions.realize)", _supervisor),
    ("nginx*.conf", "nginx -t", _nginx_site),
    (".dockerignore", "none", _not_validated),
    ("*.md", "none", _not_validated),
)

_COMMAND_CHECKS: dict[str, tuple[str, Callable[[_Check, list[str]], None]]] = {
    "gunicorn": ("gunicorn argument parser", _gunicorn_command),
    "uwsgi": ("uwsgi --strict", _uwsgi_command),
    "hypercorn": ("hypercorn argument parser", _hypercorn_command),
    "uvicorn": ("uvicorn (click)", _uvicorn_command),
    "granian": ("granian (click)", _granian_command),
}
