"""Gunicorn: gunicorn.conf.py through --print-config and --check-config, a command through Gunicorn's own parser."""

import ast
import re
import typing
from pathlib import Path

from decisions.configs.validate.checks import (
    Check,
    UsageError,
    did_you_mean,
    executable,
    last_line,
    output,
    quiet,
    raise_usage_error,
    require_module,
)
from decisions.configs.validate.stand_in import APP_PATH, stand_in_app
from decisions.contract import GUNICORN


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    require_module(GUNICORN, "Gunicorn")
    from gunicorn.config import KNOWN_SETTINGS

    try:
        tree = ast.parse(content, filename)
    except SyntaxError as error:
        check.problem(f"line {error.lineno}: {error.msg}")
        return
    known = {setting.name for setting in KNOWN_SETTINGS}
    for name, line in _top_level_names(tree):
        if name not in known and not name.startswith("_"):
            hint = did_you_mean(name, known)
            check.problem(f"line {line}: unknown setting {name!r}, which Gunicorn ignores silently{hint}")

    gunicorn = executable(GUNICORN)
    check.write(filename, check.with_throwaway_tls(content))
    # --print-config prints the resolved settings, then fails to import the app, which is not written yet.
    app_argument = [app] if app else []  # an APP on the command line wins over wsgi_app
    printed = check.run([gunicorn, "-c", filename, "--print-config", *app_argument])
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.MULTILINE))
    if not settings:
        check.problem(output(printed))
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
            check.problem(last_line(checked))

    loaded = check.run_program("gunicorn_worker_class.py", settings.get("worker_class", "sync"))
    if loaded.returncode:
        check.problem(last_line(loaded))
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


def check_command(check: Check, args: list[str]) -> None:
    require_module(GUNICORN, "Gunicorn")
    from gunicorn.config import Config

    config = Config()
    parser = config.parser()
    parser.error = raise_usage_error
    try:
        with quiet():
            namespace = parser.parse_args(args)
    except UsageError as error:
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
