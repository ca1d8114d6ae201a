"""From what the files say to the questionnaire's answers and the canonical settings, each with where it was read.

The server that runs today is the first one a command line starts (else the first config file's). Only its
options are read into answers and settings; an answer nothing tells is left out. Precedence, where sources
disagree: the server's own configuration before the dependencies, and the first source before later ones."""

import re
from dataclasses import replace

from decisions.answers import CORES_RANGE, PORT_RANGE, is_valid_app_path, is_valid_host
from decisions.appmodel import SERVER_NAMES
from decisions.contract import (
    ASYNC,
    ASYNC_NO,
    ASYNC_YES,
    ASYNCIO,
    ASYNCLIB,
    CURRENT,
    CURRENT_GRANIAN,
    CURRENT_GUNICORN,
    CURRENT_HYPERCORN,
    CURRENT_UVICORN,
    CURRENT_UWSGI,
    DEPLOY,
    DJANGO,
    FASTAPI,
    FLASK,
    FRAMEWORK,
    GRANIAN,
    GUNICORN,
    HTTP,
    HTTP2,
    HTTP3,
    HYPERCORN,
    OTHER_ASGI,
    OTHER_WSGI,
    REALTIME,
    STARLETTE,
    TLS,
    TLS_IN_APP,
    TRIO,
    UVICORN,
    UWSGI,
    WEBSOCKETS,
)
from decisions.setups import servers
from decisions.setups.commands import FASTAPI_RUN
from decisions.setups.facts import Facts, Found, Launch, is_runtime_value
from decisions.setups.result import (
    PAIR_SETTINGS,
    Computed,
    NotCarried,
    NotUnderstood,
    Reading,
    Setting,
    Source,
)

WSGI, ASGI = "WSGI", "ASGI"
CURRENT_SERVERS = (CURRENT_GUNICORN, CURRENT_UWSGI, CURRENT_UVICORN, CURRENT_HYPERCORN, CURRENT_GRANIAN)
TABLES = {
    GUNICORN: servers.GUNICORN_OPTIONS,
    UWSGI: servers.UWSGI_OPTIONS,
    UVICORN: servers.UVICORN_OPTIONS,
    HYPERCORN: servers.HYPERCORN_OPTIONS,
    GRANIAN: servers.GRANIAN_OPTIONS,
    servers.DAPHNE: servers.DAPHNE_OPTIONS,
    FASTAPI_RUN: servers.FASTAPI_RUN_OPTIONS,
}
# Packages, by normalised name, that tell the framework, WebSockets or Trio.
FRAMEWORK_PACKAGES = {
    **{slug: slug for slug in (DJANGO, FLASK, FASTAPI, STARLETTE)},  # these frameworks' packages are named as them
    **dict.fromkeys("quart litestar sanic blacksheep quart-trio".split(), OTHER_ASGI),
    **dict.fromkeys("pyramid bottle web-py cherrypy".split(), OTHER_WSGI),
}
WEBSOCKET_PACKAGES = frozenset(
    "channels channels-redis flask-sock flask-socketio python-socketio websockets simple-websocket gevent-websocket"
    " django-eventstream".split()
)
TRIO_PACKAGES = frozenset("trio quart-trio trio-websocket".split())
ASYNCIO_LOOPS = (ASYNCIO, "uvloop", "rloop")
DJANGO_APP = re.compile(r"^(?:[A-Za-z_]\w*\.)*[wa]sgi:application$")  # Django's startproject: mysite.wsgi:application
DEFAULT_ATTRIBUTES = {
    GUNICORN: servers.GUNICORN_DEFAULT_ATTRIBUTE,
    UWSGI: servers.UWSGI_DEFAULT_CALLABLE,
    HYPERCORN: servers.HYPERCORN_DEFAULT_ATTRIBUTE,
    GRANIAN: servers.GRANIAN_DEFAULT_ATTRIBUTE,
}
GENERIC_WHY = "a {server} option with no counterpart carried into the bundle"


def reported(server: str) -> str:
    return UVICORN if server == FASTAPI_RUN else server


class Evidence:
    """Candidate answers in order of precedence: the first one given for a key is kept."""

    def __init__(self):
        self.answers: dict[str, str] = {}
        self.sources: dict[str, Source] = {}

    def tell(self, key: str, value: str, source: Source, note: str = "") -> None:
        if key not in self.answers:
            self.answers[key] = value
            self.sources[key] = replace(source, note=note) if note else source


def infer(all_facts: list[Facts]) -> Reading:
    launches = [launch for facts in all_facts for launch in facts.launches]
    found = [item for facts in all_facts for item in facts.found]
    computed = [item for facts in all_facts for item in facts.computed]
    not_carried = [item for facts in all_facts for item in facts.not_carried]
    not_understood = [item for facts in all_facts for item in facts.not_understood]
    evidence = Evidence()

    primary = choose_server(launches, not_carried)
    server = primary.server if primary else ""
    django_path = None
    settings: dict[str, Setting] = {}
    pairs: list[Setting] = []
    interface: tuple[str, Source, str] | None = None
    app_parts: dict[str, Found] = {}
    static_route: Found | None = None
    for item in found:
        if reported(item.server) != server:
            not_carried.append(
                NotCarried(
                    item.option,
                    str(item.value),
                    f"an option of {item.server}, which is not the server read",
                    item.source,
                )
            )
            continue
        option = TABLES[item.server].get(item.option)
        if option is None:
            why = GENERIC_WHY.format(server=SERVER_NAMES.get(item.server, item.server.title()))
            not_carried.append(NotCarried(item.option, str(item.value), why, item.source))
        elif option.setting:
            setting_of(item, option.setting, settings, pairs, computed, not_carried, not_understood)
        elif option.why:
            not_carried.append(NotCarried(item.option, str(item.value), option.why, item.source))
        elif option.role == servers.STATIC_ROUTE:
            static_route = item
        elif option.role == servers.STATIC_MOUNT and static_route:
            pair = (str(static_route.value), str(item.value))
            pairs.append(Setting("static", pair, "static-path-route, static-path-mount", item.source))
        else:
            told = role_evidence(item, option.role, evidence, computed, not_carried, app_parts)
            interface = interface or told
    if primary:
        tell_server(primary, evidence)
        interface = interface or default_interface(primary, found, all_facts, app_parts)
        django_path = tell_app(primary, app_parts, evidence)
    if interface:
        kind, source, note = interface
        evidence.tell(ASYNC, ASYNC_YES if kind == ASGI else ASYNC_NO, source, note)
    tell_framework(all_facts, django_path, evidence)
    tell_dependencies(all_facts, evidence)
    for facts in all_facts:
        for slug, source in facts.deploys:
            evidence.tell(DEPLOY, slug, source)
    tell_cores(server, settings, evidence)
    return Reading(
        answers=evidence.answers,
        sources=evidence.sources,
        settings=(*settings.values(), *pairs),
        computed=tuple(computed),
        not_carried=tuple(not_carried),
        not_understood=tuple(not_understood),
        problems=tuple(problem for facts in all_facts for problem in facts.problems),
        server=server,
    )


def choose_server(launches: list[Launch], not_carried: list[NotCarried]) -> Launch | None:
    """The first server a command line starts, else the first whose config file was given."""
    primary = next((launch for launch in launches if launch.command), next(iter(launches), None))
    if primary:
        for launch in launches:
            if launch.server != primary.server:
                why = f"the answers follow {primary.server} ({primary.source.file} line {primary.source.line})"
                not_carried.append(NotCarried("server", launch.server, why, launch.source))
    return primary


def number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d*", text):
        return float(text)
    return None


def setting_of(item: Found, key: str, settings, pairs, computed, not_carried, not_understood) -> None:
    values = item.value if isinstance(item.value, (list, tuple)) and key in PAIR_SETTINGS else [item.value]
    for value in values:
        if isinstance(value, str) and is_runtime_value(value):
            computed.append(Computed(item.option, value, item.source))
            continue
        if key in PAIR_SETTINGS:
            left, equals, right = str(value).partition("=")
            if not equals or not left.strip():
                not_understood.append(NotUnderstood(f"{item.option} = {value}", item.source, "not NAME=value"))
                continue
            pairs.append(Setting(key, (left.strip(), right.strip()), item.option, item.source))
            continue
        amount = number(value)
        if amount is None or amount < 0:
            not_understood.append(NotUnderstood(f"{item.option} = {value}", item.source, "not a number"))
            continue
        if key in settings:
            earlier = settings[key]
            why = f"set again at line {item.source.line} of {item.source.file}, which wins"
            not_carried.append(NotCarried(earlier.source_name, str(earlier.value), why, earlier.source))
        settings[key] = Setting(key, int(amount) if float(amount).is_integer() else amount, item.option, item.source)


def role_evidence(item: Found, role: str, evidence: Evidence, computed, not_carried, app_parts):
    """Answers this option tells; returns (interface, source, note) when it tells the app's interface."""
    value, source = item.value, item.source
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if value is None or value is False:
        return None
    text = str(value)
    if is_runtime_value(text) and role not in (servers.CERTIFICATE, servers.CONFIG_FILE):
        computed.append(Computed(item.option, text, source))
        return None
    if role in (servers.BIND, servers.TLS_BIND):
        address = text.split(",")[0] if role == servers.TLS_BIND else text
        if role == servers.TLS_BIND:
            evidence.tell(TLS, TLS_IN_APP, source)
        tell_address(item, address, evidence, not_carried)
    elif role == servers.HOST and is_valid_host(text.strip("[]")):
        evidence.tell("host", text.strip("[]"), source)
    elif role == servers.PORT and number(text) and PORT_RANGE[0] <= int(number(text)) <= PORT_RANGE[1]:
        evidence.tell("port", str(int(number(text))), source)
    elif role == servers.ENDPOINT and text.startswith("ssl:"):
        evidence.tell(TLS, TLS_IN_APP, source)
    elif role == servers.CERTIFICATE:
        evidence.tell(TLS, TLS_IN_APP, source)
    elif role in (servers.APP, servers.MODULE, servers.CALLABLE, servers.WSGI_FILE):
        app_parts.setdefault(role, item)
    elif role == servers.QUIC:
        evidence.tell(HTTP, HTTP3, source)
    elif role == servers.HTTP_PROTOCOLS and "h2" in text.split(","):
        evidence.tell(HTTP, HTTP2, source)
    elif role == servers.HTTP_VERSION and text == "2":
        evidence.tell(HTTP, HTTP2, source)
    elif role == servers.SOCKET_WEBSOCKETS:
        evidence.tell(REALTIME, WEBSOCKETS, source)
    elif role == servers.LOOP and text in ASYNCIO_LOOPS:
        evidence.tell(ASYNCLIB, ASYNCIO, source)
    elif role == servers.CONFIG_FILE:
        not_carried.append(NotCarried(item.option, text, "another file: read only when it is given too", source))
    elif role == servers.WORKER_CLASS:
        return worker_class(item.server, text, source, evidence)
    elif role == servers.INTERFACE:
        return (WSGI if text == "wsgi" else ASGI), source, ""
    return None


def worker_class(server: str, text: str, source: Source, evidence: Evidence):
    name = text.rsplit(".", 1)[-1]
    if server == HYPERCORN:
        evidence.tell(ASYNCLIB, TRIO if text == TRIO else ASYNCIO, source)
        return None
    if "websocket" in text.lower():
        evidence.tell(REALTIME, WEBSOCKETS, source)
    if text in servers.GUNICORN_ASGI_WORKERS or re.fullmatch(r"Uvicorn(H11)?Worker", name):
        return ASGI, source, ""
    return WSGI, source, ""


def tell_address(item: Found, address: str, evidence: Evidence, not_carried) -> None:
    if address.startswith(("unix:", "fd://", "/")) or (item.server == UWSGI and "/" in address and ":" not in address):
        why = "a Unix socket or an inherited descriptor: the bundle binds a TCP port"
        not_carried.append(NotCarried(item.option, address, why, item.source))
        return
    host, colon, port = address.rpartition(":")
    if not colon:
        host, port = address, ""
    host = host.strip("[]")
    if host and is_valid_host(host):
        evidence.tell("host", host, item.source)
    if port.isdigit() and PORT_RANGE[0] <= int(port) <= PORT_RANGE[1]:
        evidence.tell("port", port, item.source)


def tell_server(primary: Launch, evidence: Evidence) -> None:
    if primary.server in CURRENT_SERVERS:
        evidence.tell(CURRENT, primary.server, primary.source)


def default_interface(primary: Launch, found: list[Found], all_facts: list[Facts], app_parts: dict[str, Found]):
    """The interface a server serves when nothing says otherwise."""
    server, source = primary.server, primary.source
    if server == GUNICORN:
        # The worker class is often given on the command line only: the default holds for a command seen whole.
        launches = [launch for facts in all_facts for launch in facts.launches if launch.server == GUNICORN]
        config_given = any(not launch.command for launch in launches)
        if primary.command and (config_given or not primary.reads_config):
            return WSGI, source, "no worker class given: Gunicorn's default, sync, serves WSGI"
        return None
    if server == UWSGI:
        return WSGI, source, "uWSGI's Python plugin serves WSGI"
    if server == GRANIAN:
        return ASGI, source, f"no --interface given: Granian's default, {servers.GRANIAN_DEFAULT_INTERFACE}, is async"
    if server in (UVICORN, servers.DAPHNE):
        return ASGI, source, f"{server} serves ASGI"
    app = app_parts.get(servers.APP)
    if server == HYPERCORN and app:
        module = str(app.value).partition(":")[0]
        if module.endswith("asgi"):
            return ASGI, app.source, "an ASGI module"
        if module.endswith("wsgi"):
            return WSGI, app.source, "a WSGI module"
    return None


def tell_app(primary: Launch, parts: dict[str, Found], evidence: Evidence) -> Source | None:
    """The app's import path; returns where it was read when it follows Django's project layout."""
    app, module = parts.get(servers.APP), parts.get(servers.MODULE)
    wsgi_file, callable_ = parts.get(servers.WSGI_FILE), parts.get(servers.CALLABLE)
    default = DEFAULT_ATTRIBUTES.get(primary.server, "")
    if app:
        path, source = str(app.value), app.source
    elif module:
        path, source = str(module.value), module.source
    elif wsgi_file and re.fullmatch(r"[\w/]+\.py", str(wsgi_file.value)) and not str(wsgi_file.value).startswith("/"):
        path, source = str(wsgi_file.value).removesuffix(".py").replace("/", "."), wsgi_file.source
    else:
        return None
    note = ""
    if ":" not in path and callable_:
        path, note = f"{path}:{callable_.value}", f"with callable = {callable_.value}"
    elif ":" not in path and default:
        path, note = f"{path}:{default}", f"{primary.server} imports `{default}` when no attribute is named"
    if is_valid_app_path(path):
        evidence.tell("app", path, source, note)
        if DJANGO_APP.match(path):
            return replace(source, note="Django's project layout")
    return None


def tell_framework(all_facts: list[Facts], django_path: Source | None, evidence: Evidence) -> None:
    """The framework: FastAPI's own CLI; else the one framework the dependencies name; else, among several or
    none, Django when the app's path follows its project layout."""
    for facts in all_facts:
        for slug, source in facts.framework_hints:
            evidence.tell(FRAMEWORK, slug, source)
    named: dict[str, Source] = {}
    for facts in all_facts:
        for dependency in facts.dependencies:
            slug = FRAMEWORK_PACKAGES.get(dependency.name)
            if slug:
                named.setdefault(slug, dependency.source)
    if FASTAPI in named:
        named.pop(STARLETTE, None)  # FastAPI is built on Starlette, and often lists it too
    if len(named) == 1:
        slug, source = next(iter(named.items()))
        evidence.tell(FRAMEWORK, slug, source)
    elif django_path and (not named or DJANGO in named):
        evidence.tell(FRAMEWORK, DJANGO, django_path)


def tell_dependencies(all_facts: list[Facts], evidence: Evidence) -> None:
    for facts in all_facts:
        for dependency in facts.dependencies:
            if dependency.name in WEBSOCKET_PACKAGES:
                evidence.tell(REALTIME, WEBSOCKETS, dependency.source)
            if dependency.name in TRIO_PACKAGES:
                evidence.tell(ASYNCLIB, TRIO, dependency.source)


def tell_cores(server: str, settings: dict[str, Setting], evidence: Evidence) -> None:
    """Cores, from a literal worker count, by the rule the plan (decisions/configs/plan.py) uses for this server:
    2 × cores + 1 workers for Gunicorn and uWSGI serving WSGI, one worker per core otherwise."""
    workers = settings.get("workers")
    if not workers or not isinstance(workers.value, int):
        return
    count = workers.value
    if server in (GUNICORN, UWSGI) and evidence.answers.get(ASYNC) != ASYNC_YES:
        if count < 3 or count % 2 == 0:
            return
        cores, note = (count - 1) // 2, f"{count} workers = 2 × cores + 1, the rule the plan uses"
    elif server in (UVICORN, HYPERCORN, GRANIAN) or (server == GUNICORN and evidence.answers.get(ASYNC) == ASYNC_YES):
        cores, note = count, "one worker per core, the rule the plan uses"
    else:
        return
    if CORES_RANGE[0] <= cores <= CORES_RANGE[1]:
        evidence.tell("cores", str(cores), workers.source, note)
