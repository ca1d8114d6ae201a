"""Proves a starter config file or a server start command valid with the real tool that reads it.

Each check runs the tool named in docs/sources.md ("How each file is validated") on a
copy in a temporary folder, with a timeout, and adds the checks that tool misses. A tool that is not
installed gives a failed Verdict saying so, never an exception: the admin shows verdicts as they come.

What the user has and this machine has not is replaced, and each Verdict says so in its messages:
/etc/ssl/serverwise/{cert,key}.pem by a self-signed pair made for the check (openssl), the app by a stand-in
module at its import path (Gunicorn), /srv/app/.venv/bin/<server> by this machine's <server> (systemd), and
a log folder that does not exist here by a temporary one (supervisor).

This module holds the public API and which checker reads which file or command. `checks` is what every check
shares; each tool family has its module (`gunicorn`, `uwsgi`, `hypercorn`, `cli_servers` for Uvicorn and
Granian, `containers`, `systemd`, `supervisor`, `nginx`, and `kit` for compare.py); `stand_in` writes the
stand-in app; and the Python programs the checkers run, or copy as the stand-in app, are plain files in
`programs/`.
"""

import fnmatch
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path

from decisions.configs.validate import (
    cli_servers,
    containers,
    gunicorn,
    hypercorn,
    kit,
    nginx,
    supervisor,
    systemd,
    uwsgi,
)
from decisions.configs.validate.checks import Check, Verdict, checked
from decisions.configs.validate.stand_in import stand_in_app
from decisions.contract import GRANIAN, GUNICORN, HYPERCORN, UVICORN, UWSGI

__all__ = ["Verdict", "command_tool_for", "stand_in_app", "tool_for", "validate", "validate_command"]


def validate(filename: str, content: str, *, app: str | None = None) -> Verdict:
    """Runs the real tool for this kind of file. `app` is Gunicorn's APP when the file sets no wsgi_app."""
    name = Path(filename).name
    matching = ((tool, validator) for pattern, tool, validator in _VALIDATORS if fnmatch.fnmatchcase(name, pattern))
    found = next(matching, None)
    if found is None:
        return Verdict(filename, False, "none", (f"Serverwise has no validator for {filename!r}",))
    tool, validator = found
    return checked(filename, tool, lambda check: validator(check, name, content, app))


def tool_for(filename: str) -> str:
    """The tool `validate` runs on this kind of file; "none" when nothing checks it."""
    name = Path(filename).name
    return next((tool for pattern, tool, _ in _VALIDATORS if fnmatch.fnmatchcase(name, pattern)), "none")


def command_tool_for(server_slug: str) -> str:
    """The parser `validate_command` checks this server's start command with; "none" for an unknown server."""
    return _COMMAND_CHECKS[server_slug][0] if server_slug in _COMMAND_CHECKS else "none"


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

    def check_in_bundle(check: Check) -> None:
        for name, content in (files or {}).items():
            check.write(name, check.with_throwaway_tls(content))
        checker(check, shlex.split(check.with_throwaway_tls(command))[1:])

    return checked(command, tool, check_in_bundle)


def _not_validated(check: Check, filename: str, content: str, app: str | None) -> None:
    check.note(f"{filename} is not validated: no tool checks this kind of file")


_VALIDATORS: tuple[tuple[str, str, Callable[[Check, str, str, str | None], None]], ...] = (
    ("gunicorn*.py", "gunicorn --check-config", gunicorn.check_file),
    ("compare.py", "python -I -S: py_compile, --help", kit.check_file),
    ("uwsgi*.ini", "uwsgi --strict", uwsgi.check_file),
    ("hypercorn*.toml", "hypercorn Config.from_toml", hypercorn.check_file),
    ("Dockerfile", "hadolint", containers.check_dockerfile),
    ("Dockerfile.*", "hadolint", containers.check_dockerfile),
    ("*.Dockerfile", "hadolint", containers.check_dockerfile),
    ("*.yaml", "kubernetes-validate --strict", containers.check_kubernetes),
    ("*.yml", "kubernetes-validate --strict", containers.check_kubernetes),
    ("*.service", "systemd-analyze verify", systemd.check_file),
    ("supervisor*.conf", "supervisord (ServerOptions.realize)", supervisor.check_file),
    ("nginx*.conf", "nginx -t", nginx.check_file),
    (".dockerignore", "none", _not_validated),
    ("*.md", "none", _not_validated),
)

# By the program a command runs, which is named as its server's slug (decisions/contract.py).
_COMMAND_CHECKS: dict[str, tuple[str, Callable[[Check, list[str]], None]]] = {
    GUNICORN: ("gunicorn argument parser", gunicorn.check_command),
    UWSGI: ("uwsgi --strict", uwsgi.check_command),
    HYPERCORN: ("hypercorn argument parser", hypercorn.check_command),
    UVICORN: ("uvicorn (click)", cli_servers.check_uvicorn_command),
    GRANIAN: ("granian (click)", cli_servers.check_granian_command),
}
