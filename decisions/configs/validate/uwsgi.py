"""uWSGI: uwsgi.ini and a command through uwsgi --strict, stopped by an exit: hook before it serves."""

from decisions.configs.validate.checks import Check, executable, output
from decisions.contract import UWSGI

# uWSGI 2.0.31 reads these with atoi() (core/uwsgi.c, uwsgi_opt_set_int/64bit/megabytes): "abc" silently becomes 0.
UWSGI_WHOLE_NUMBER_OPTIONS = frozenset(
    "processes workers threads harakiri listen buffer-size max-requests max-requests-delta min-worker-lifetime "
    "max-worker-lifetime max-worker-lifetime-delta reload-mercy worker-reload-mercy socket-timeout reload-on-rss "
    "evil-reload-on-rss reload-on-as evil-reload-on-as limit-as post-buffering cheaper cheaper-initial cheaper-step "
    "offload-threads async thread-stacksize http-timeout http-keepalive http-processes http-workers max-fd "
    "limit-post spooler-processes mule-harakiri".split()
)


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    uwsgi = executable(UWSGI)
    options = _ini_section(content, UWSGI)  # uWSGI reads the section named as its program
    if options is None:
        check.problem("no [uwsgi] section: uWSGI would read nothing from this file")
    for line, key, value in options or []:
        placeholder = any(mark in value for mark in ("%(", "$(", "@("))
        if key.replace("_", "-") in UWSGI_WHOLE_NUMBER_OPTIONS and not placeholder and not value.isdigit():
            check.problem(f"line {line}: {key} = {value!r} is not a whole number (uWSGI would read it as 0)")
    check.write(filename, check.with_throwaway_tls(content))
    _run_uwsgi_strict(check, [uwsgi, "--strict", "--ini", filename, "--hook-asap", "exit:"])


def check_command(check: Check, args: list[str]) -> None:
    _run_uwsgi_strict(check, [executable(UWSGI), "--strict", *args, "--hook-asap", "exit:"])


def _run_uwsgi_strict(check: Check, args: list[str]) -> None:
    """The exit: hook runs once the options are parsed, before uWSGI binds a socket or loads the app."""
    result = check.run(args)
    chatter = ("getting INI configuration from", 'running "exit:"')
    said = [line for line in output(result).splitlines() if not any(part in line for part in chatter)]
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
