"""Uvicorn and Granian: no config file, so a command through the server's own click command line."""

import typing

from decisions.configs.validate.checks import Check, quiet, require_module
from decisions.contract import GRANIAN, UVICORN


def check_uvicorn_command(check: Check, args: list[str]) -> None:
    require_module(UVICORN, "Uvicorn")
    from uvicorn.main import main

    _click_context(check, main, UVICORN, args)


def check_granian_command(check: Check, args: list[str]) -> None:
    require_module(GRANIAN, "Granian")
    from click.core import ParameterSource
    from granian.cli import cli

    context = _click_context(check, cli, GRANIAN, args, auto_envvar_prefix="GRANIAN")
    if context is not None and context.get_parameter_source("interface") is not ParameterSource.COMMANDLINE:
        check.problem("no --interface: Granian would serve RSGI, which no WSGI or ASGI app speaks")


def _click_context(check: Check, command: typing.Any, name: str, args: list[str], **options: typing.Any):
    import click

    try:
        with quiet():
            return command.make_context(name, list(args), **options)
    except click.exceptions.Exit:
        check.problem("the command shows help or a version and exits: it starts no server")
    except click.ClickException as error:
        check.problem(error.format_message())
    return None
