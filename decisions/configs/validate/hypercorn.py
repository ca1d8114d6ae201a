"""Hypercorn: hypercorn.toml typed against Config and loaded by Config.from_toml, a command through its own CLI."""

import inspect
import ssl
import tomllib
import types
import typing
from pathlib import Path

from decisions.configs.validate.checks import Check, did_you_mean, last_line, require_module
from decisions.contract import HYPERCORN

HYPERCORN_WORKER_CLASSES = ("asyncio", "uvloop", "trio")  # hypercorn/run.py accepts no other


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    require_module(HYPERCORN, "Hypercorn")
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
            check.problem(f"unknown setting {key!r}, which Hypercorn ignores silently{did_you_mean(key, settings)}")
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


def check_command(check: Check, args: list[str]) -> None:
    require_module(HYPERCORN, "Hypercorn")
    result = check.run_program("hypercorn_parse_only.py", *args)
    if result.returncode:
        check.problem(last_line(result))
