"""What the user's app is, read from the answers: the interfaces it offers, its import path, the extensions its
features need, and whether a server can serve it at all. Pure: plain answers in, frozen data out.

Scoring rules out a server that cannot serve the app (`unfit_reasons`); the server's plan picks one of the app's
interfaces and serves it at `AppModel.path(interface)`. Sources: docs/sources.md ("Serving real apps").
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from decisions.contract import (
    ASYNC,
    ASYNC_YES,
    ASYNCLIB,
    DJANGO,
    FASTAPI,
    FLASK,
    FRAMEWORK,
    GRANIAN,
    GUNICORN,
    HIGH_CONCURRENCY,
    HTTP,
    HTTP2,
    HTTP3,
    HYPERCORN,
    LONG_POLLING,
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
    WORKLOAD,
)

WSGI = "wsgi"
ASGI = "asgi"
HELD = (LONG_POLLING,)
SERVER_NAMES = {
    GUNICORN: "Gunicorn",
    UWSGI: "uWSGI",
    UVICORN: "Uvicorn",
    HYPERCORN: "Hypercorn",
    GRANIAN: "Granian",
}


@dataclass(frozen=True)
class Extension:
    """A package the app needs for an answered feature, and what it asks of the app's code."""

    name: str
    requirement: str  # pinned, for pip
    how: str  # for the bundle's README


CHANNELS = Extension(
    "Channels",
    "channels==4.3.2",
    "Django serves WebSockets through Channels: in `{package}/asgi.py`, a `ProtocolTypeRouter` sends `http` to"
    " Django's `get_asgi_application()` and `websocket` to your consumers' `URLRouter`, and `channels` goes into"
    " `INSTALLED_APPS`.",
)
FLASK_SOCK = Extension(
    "flask-sock",
    "flask-sock==0.7.0",
    "Flask serves WebSockets through flask-sock: `sock = Sock(app)` and a `@sock.route(...)` per socket. Each open"
    " socket holds one of the server's threads for as long as it is open.",
)
FLASK_ASYNC = Extension(
    "Flask's async extra",
    "flask[async]==3.1.3",
    "Flask runs each `async def` view to completion in an event loop of its own (asgiref), on the WSGI server's"
    " thread: async views work, but do not make Flask an ASGI app.",
)


@dataclass(frozen=True)
class Framework:
    label: str
    interfaces: tuple[str, ...]  # what the framework can be served through, the usual one first
    paths: Mapping[str, str]  # the conventional import path per interface
    async_on_asyncio_only: bool  # its async code runs on asyncio (asgiref), never on Trio


FRAMEWORKS = {
    # startproject lays out both mysite/wsgi.py and mysite/asgi.py.
    DJANGO: Framework("Django", (WSGI, ASGI), {WSGI: "mysite.wsgi:application", ASGI: "mysite.asgi:application"}, True),
    FLASK: Framework("Flask", (WSGI,), {WSGI: "app:app"}, True),
    # Starlette and FastAPI run on AnyIO, which runs on asyncio and on Trio.
    FASTAPI: Framework("FastAPI", (ASGI,), {ASGI: "main:app"}, False),
    STARLETTE: Framework("Starlette", (ASGI,), {ASGI: "app:app"}, False),
    OTHER_WSGI: Framework("your WSGI app", (WSGI,), {WSGI: "app:application"}, False),
    OTHER_ASGI: Framework("your ASGI app", (ASGI,), {ASGI: "app:app"}, False),
    "": Framework("your app", (WSGI, ASGI), {WSGI: "app:app", ASGI: "app:app"}, False),
}


@dataclass(frozen=True)
class AppModel:
    framework: str  # the framework answer; "" when unanswered
    label: str
    interfaces: tuple[str, ...]  # the interfaces it can be served through, the preferred one first
    assumed: bool  # framework unanswered: the interface is Serverwise's assumption
    async_code: bool
    websockets: bool
    held_requests: bool  # long-polling: requests held open for a long time
    trio: bool
    extensions: tuple[Extension, ...]
    conflict: str  # why the answers cannot all hold for one app; "" when they can
    conflict_answer: tuple[str, str]  # (question, option) the conflict is reported at
    given_path: str  # the import path the user gave, or ""

    @property
    def label_capitalised(self) -> str:
        return self.label[0].upper() + self.label[1:]

    def serves(self, interface: str) -> bool:
        return interface in self.interfaces

    def path(self, interface: str) -> str:
        """The import path of the app's `interface` callable: the user's, or the framework's convention.

        A Django project offers both: a given `pkg.wsgi:application` also names `pkg.asgi:application`.
        """
        if self.framework == DJANGO and is_django_project_path(self.given_path):
            return f"{self.given_path.partition(':')[0].rpartition('.')[0]}.{interface}:application"
        paths = FRAMEWORKS.get(self.framework, FRAMEWORKS[""]).paths
        return self.given_path or paths.get(interface) or paths[self.interfaces[0]]

    @property
    def package(self) -> str:
        """The Django project's package (mysite), where asgi.py and settings.py live."""
        return self.path(self.interfaces[0]).partition(":")[0].rpartition(".")[0] or "mysite"


def app_model(choices: Mapping[str, str], given_path: str = "") -> AppModel:
    app = _app_model(
        choices.get(FRAMEWORK) or "",
        choices.get(ASYNC) == ASYNC_YES,
        choices.get(REALTIME) or "",
        choices.get(ASYNCLIB) == TRIO,
    )
    return replace(app, given_path=given_path) if given_path else app


# Keyed by the four answers an app model reads: a few hundred combinations, and scoring asks for one per
# changed answer of "what would change it" (about 40 per result).
@functools.lru_cache(maxsize=512)
def _app_model(framework_slug: str, async_code: bool, realtime: str, trio: bool) -> AppModel:
    framework = FRAMEWORKS.get(framework_slug, FRAMEWORKS[""])
    websockets = realtime == WEBSOCKETS
    interfaces = framework.interfaces
    extensions: list[Extension] = []
    if framework_slug == DJANGO and (async_code or websockets):
        interfaces = (ASGI,)  # async views and Channels need Django's ASGI handler
    if not framework_slug and (async_code or websockets or trio):
        interfaces = (ASGI,)
    if framework_slug == DJANGO and websockets:
        extensions.append(CHANNELS)
    if framework_slug == FLASK and async_code:
        extensions.append(FLASK_ASYNC)
    if framework_slug == FLASK and websockets:
        extensions.append(FLASK_SOCK)
    conflict, conflict_answer = _conflict(framework_slug, framework, interfaces, async_code, websockets, trio)
    return AppModel(
        framework=framework_slug,
        label=framework.label,
        interfaces=interfaces,
        assumed=not framework_slug,
        async_code=async_code,
        websockets=websockets,
        held_requests=realtime in HELD,
        trio=trio,
        extensions=tuple(extensions),
        conflict=conflict,
        conflict_answer=conflict_answer,
        given_path="",
    )


def _conflict(slug: str, framework: Framework, interfaces, async_code, websockets, trio) -> tuple[str, tuple[str, str]]:
    if trio and framework.async_on_asyncio_only and (async_code or (websockets and slug == DJANGO)):
        what = "async views and Channels" if slug == DJANGO else "async views"
        return (
            f"{framework.label}'s {what} run on asyncio (asgiref), never on Trio: no server can run Trio code"
            f" in them. Answer asyncio, or keep Trio to synchronous views (trio.run inside a request).",
            (ASYNCLIB, TRIO),
        )
    if websockets and interfaces == (WSGI,) and slug != FLASK:
        return (
            "WSGI carries no WebSockets, and Serverwise knows no WebSocket extension for another WSGI framework:"
            " serve the sockets from an ASGI app (Starlette, for one) beside it, or answer an ASGI framework.",
            (REALTIME, WEBSOCKETS),
        )
    return "", ("", "")


# What each server can serve: (question, option, reason) where it cannot serve this app with every answered
# feature. Scoring adds these as exclusions where the admin's criteria have not already ruled the server out.
def unfit_reasons(server_slug: str, app: AppModel, choices: Mapping[str, str]) -> list[tuple[str, str, str]]:
    if app.conflict:
        return [(*app.conflict_answer, app.conflict)]
    reasons = []
    wsgi_only = app.interfaces == (WSGI,)
    asgi_only = app.interfaces == (ASGI,)
    if server_slug == UWSGI and asgi_only:
        reasons.append((FRAMEWORK, app.framework, f"uWSGI serves WSGI only, and {app.label} is served over ASGI."))
    if server_slug == UVICORN and wsgi_only:
        reasons.append(
            (
                FRAMEWORK,
                app.framework,
                f"{app.label_capitalised} is WSGI only, and Uvicorn's WSGI mode is deprecated"
                " (a fixed pool of 10 threads).",
            )
        )
    if server_slug == UVICORN and speaks_http2_itself(choices):
        reasons.append(
            (
                HTTP,
                HTTP2,
                "Uvicorn speaks HTTP/2 only through zttp, which is experimental upstream; Hypercorn,"
                " Granian and Gunicorn speak it maturely.",
            )
        )
    if server_slug in (HYPERCORN, GRANIAN) and wsgi_only and app.websockets:
        reasons.append(
            (
                REALTIME,
                WEBSOCKETS,
                f"{SERVER_NAMES[server_slug]} turns WebSockets off for WSGI apps, so flask-sock"
                " cannot work there: it needs a WSGI server that hands it the socket (Gunicorn).",
            )
        )
    if server_slug == HYPERCORN and app.framework == DJANGO and choices.get(HTTP) == HTTP3:
        reasons.append(
            (
                HTTP,
                HTTP3,
                "Hypercorn 0.18 sends Django's header names over HTTP/3 as Django writes them"
                " (Content-Type), and HTTP/3 clients refuse mixed-case names as malformed: Django's answers never"
                " arrive over QUIC.",
            )
        )
    waiting = [(REALTIME, LONG_POLLING)] if app.held_requests else []
    waiting += [(WORKLOAD, HIGH_CONCURRENCY)] if choices.get(WORKLOAD) == HIGH_CONCURRENCY else []
    if server_slug == HYPERCORN and wsgi_only and waiting:
        reasons.append(
            (
                *waiting[0],
                "Hypercorn runs a WSGI app on asyncio's default thread pool (cores + 4 threads): a few"
                " requests that wait would block every other request.",
            )
        )
    return reasons


def speaks_http2_itself(choices: Mapping[str, str]) -> bool:
    """HTTP/2 must come from the app server itself: TLS ends in it (browsers speak HTTP/2 only over TLS).
    Where a proxy ends TLS, nginx speaks HTTP/2 to browsers and HTTP/1.1 to the app server."""
    return choices.get(HTTP) == HTTP2 and choices.get(TLS) == TLS_IN_APP


def is_django_project_path(path: str) -> bool:
    """`pkg.wsgi:application` or `pkg.asgi:application`: a path whose sibling interface module is known."""
    module, _, attribute = path.partition(":")
    return attribute == "application" and module.rpartition(".")[2] in (WSGI, ASGI) and "." in module
