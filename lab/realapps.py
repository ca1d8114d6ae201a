"""Real framework apps, written into a folder at an import path (`module.sub:attribute`), for servers to serve.

Every app answers `/` with 200 and a body naming its framework (`hello from django`, ...), `/health` with 200,
and `/hold/?seconds=N` after N seconds (a blocking sleep in sync apps, `anyio.sleep` in async ones, so it runs
on asyncio and Trio alike). `/io/?seconds=N` waits as an I/O-bound view of the framework would: as `/hold/`, except
in Django, where it is an `async def` view awaiting `asyncio.sleep` (Django's `/hold/` is a sync view). Kinds with
WebSockets echo each message at `/ws/echo/`. The Django and plain WSGI apps also answer `/pid/` with the serving
process's id and `/env/?name=NAME` with that environment variable's value.
"""

import subprocess
import sys
from pathlib import Path

KINDS = ("django-wsgi", "django-asgi", "django-channels", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi")
# Kinds whose app speaks WebSocket at /ws/echo/ (flask only when built with websockets=True).
WEBSOCKET_KINDS = frozenset({"django-channels", "flask", "fastapi", "starlette", "other-asgi"})
WSGI_KINDS = frozenset({"django-wsgi", "flask", "other-wsgi"})
DEFAULT_APP_PATHS = {
    "django-wsgi": "mysite.wsgi:application",
    "django-asgi": "mysite.asgi:application",
    "django-channels": "mysite.asgi:application",
    "flask": "app:app",
    "fastapi": "main:app",
    "starlette": "main:app",
    "other-wsgi": "app:application",
    "other-asgi": "main:app",
}
FRAMEWORK_NAMES = {
    "django-wsgi": "django",
    "django-asgi": "django",
    "django-channels": "django",
    "flask": "flask",
    "fastapi": "fastapi",
    "starlette": "starlette",
    "other-wsgi": "plain wsgi",
    "other-asgi": "plain asgi",
}


def hello(kind: str) -> bytes:
    """The body of GET / that proves the answer came from `kind`'s framework."""
    return f"hello from {FRAMEWORK_NAMES[kind]}".encode()


def build(
    kind: str, folder: Path, app_path: str | None = None, *, websockets: bool = False, async_views: bool = False
) -> str:
    """Writes a `kind` app into `folder` at `app_path` (the kind's usual one if None) and returns the path."""
    app_path = app_path or DEFAULT_APP_PATHS[kind]
    module, _, attribute = app_path.partition(":")
    if kind.startswith("django"):
        _django_project(kind, folder, module, attribute)
    elif kind == "flask":
        _module(folder, module, attribute, "app", _flask_source(websockets, async_views))
    elif kind in ("fastapi", "starlette"):
        _module(folder, module, attribute, "app", FASTAPI_APP if kind == "fastapi" else STARLETTE_APP)
    elif kind == "other-wsgi":
        _module(folder, module, attribute, "application", PLAIN_WSGI_APP)
    elif kind == "other-asgi":
        _module(folder, module, attribute, "app", PLAIN_ASGI_APP)
    else:
        raise ValueError(f"{kind!r} is none of {KINDS}")
    return app_path


def _module(folder: Path, module: str, attribute: str, name: str, source: str) -> None:
    parts = module.split(".")
    for depth in range(1, len(parts)):
        package = folder.joinpath(*parts[:depth])
        package.mkdir(parents=True, exist_ok=True)
        package.joinpath("__init__.py").touch()
    if attribute and attribute != name:
        source += f"\n{attribute} = {name}\n"
    folder.mkdir(parents=True, exist_ok=True)
    folder.joinpath(*parts[:-1], parts[-1] + ".py").write_text(source)


def _django_project(kind: str, folder: Path, module: str, attribute: str) -> None:
    package, _, entry = module.partition(".")
    expected = "wsgi" if kind == "django-wsgi" else "asgi"
    if entry != expected or attribute != "application":
        raise ValueError(f"a {kind} project is served as <package>.{expected}:application, not {module}:{attribute}")
    folder.mkdir(parents=True, exist_ok=True)
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run([django_admin, "startproject", package, str(folder)], check=True, capture_output=True)
    project = folder / package
    settings = project / "settings.py"
    text = settings.read_text().replace("DEBUG = True", "DEBUG = False")
    text = text.replace("ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]')
    settings.write_text(text)
    (project / "views.py").write_text(DJANGO_VIEWS)
    urls = project / "urls.py"
    urls.write_text(
        urls.read_text()
        .replace("from django.urls import path", f"from django.urls import path\n\nfrom {package} import views")
        .replace("urlpatterns = [", DJANGO_URLS)
    )
    if kind == "django-channels":
        (project / "consumers.py").write_text(CHANNELS_CONSUMER)
        (project / "asgi.py").write_text(CHANNELS_ASGI.replace("{package}", package))


DJANGO_VIEWS = """import asyncio
import os
import time

from django.http import HttpResponse


def index(request):
    return HttpResponse("hello from django", content_type="text/plain")


def hold(request):
    time.sleep(float(request.GET.get("seconds", "1")))
    return HttpResponse("held", content_type="text/plain")


async def io(request):
    await asyncio.sleep(float(request.GET.get("seconds", "0.01")))
    return HttpResponse("waited", content_type="text/plain")


def health(request):
    return HttpResponse("ok", content_type="text/plain")


def pid(request):
    return HttpResponse(str(os.getpid()), content_type="text/plain")


def env(request):
    return HttpResponse(os.environ.get(request.GET["name"], ""), content_type="text/plain")
"""

DJANGO_URLS = """urlpatterns = [
    path("", views.index),
    path("hold/", views.hold),
    path("io/", views.io),
    path("health", views.health),
    path("pid/", views.pid),
    path("env/", views.env),"""

CHANNELS_CONSUMER = """from channels.generic.websocket import WebsocketConsumer


class EchoConsumer(WebsocketConsumer):
    def receive(self, text_data=None, bytes_data=None):
        self.send(text_data=text_data, bytes_data=bytes_data)
"""

# As Channels' docs lay it out: Django's ASGI app is made before anything imports models or consumers.
CHANNELS_ASGI = """import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{package}.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from {package}.consumers import EchoConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws/echo/", EchoConsumer.as_asgi())]),
    }
)
"""


def _flask_source(websockets: bool, async_views: bool) -> str:
    source = FLASK_APP
    if websockets:
        source += FLASK_SOCK
    if async_views:
        source += FLASK_ASYNC
    return source


FLASK_APP = """import time

from flask import Flask, request

app = Flask(__name__)


@app.get("/")
def index():
    return "hello from flask", 200, {"Content-Type": "text/plain"}


@app.get("/hold/")
@app.get("/io/")
def hold():
    time.sleep(float(request.args.get("seconds", "1")))
    return "held", 200, {"Content-Type": "text/plain"}


@app.get("/health")
def health():
    return "ok", 200, {"Content-Type": "text/plain"}
"""

FLASK_SOCK = """
from flask_sock import Sock  # noqa: E402

sock = Sock(app)


@sock.route("/ws/echo/")
def echo(ws):
    while True:
        ws.send(ws.receive())
"""

FLASK_ASYNC = """
import asyncio  # noqa: E402


@app.get("/async/")
async def async_view():
    await asyncio.sleep(0)
    return "hello from flask async", 200, {"Content-Type": "text/plain"}
"""

FASTAPI_APP = """import anyio
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
async def index():
    return "hello from fastapi"


@app.get("/hold/", response_class=PlainTextResponse)
@app.get("/io/", response_class=PlainTextResponse)
async def hold(seconds: float = 1.0):
    await anyio.sleep(seconds)
    return "held"


@app.get("/health", response_class=PlainTextResponse)
async def health():
    return "ok"


@app.websocket("/ws/echo/")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass
"""

STARLETTE_APP = """import anyio
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect


async def index(request):
    return PlainTextResponse("hello from starlette")


async def hold(request):
    await anyio.sleep(float(request.query_params.get("seconds", "1")))
    return PlainTextResponse("held")


async def health(request):
    return PlainTextResponse("ok")


async def echo(websocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


app = Starlette(
    routes=[
        Route("/", index),
        Route("/hold/", hold),
        Route("/io/", hold),
        Route("/health", health),
        WebSocketRoute("/ws/echo/", echo),
    ]
)
"""

PLAIN_WSGI_APP = """import os
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        body = b"hello from plain wsgi"
    elif path in ("/hold/", "/io/"):
        time.sleep(float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["1"])[0]))
        body = b"held"
    elif path == "/health":
        body = b"ok"
    elif path == "/pid/":
        body = str(os.getpid()).encode()
    elif path == "/env/":
        name = parse_qs(environ.get("QUERY_STRING", ""))["name"][0]
        body = os.environ.get(name, "").encode()
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""

PLAIN_ASGI_APP = """from urllib.parse import parse_qs

import anyio


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http":
        await _http(scope, send)
    elif scope["type"] == "websocket":
        await _echo(scope, receive, send)


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _http(scope, send):
    status, body = 200, b"ok"
    if scope["path"] == "/":
        body = b"hello from plain asgi"
    elif scope["path"] in ("/hold/", "/io/"):
        query = parse_qs(scope["query_string"].decode())
        await anyio.sleep(float(query.get("seconds", ["1"])[0]))
        body = b"held"
    elif scope["path"] != "/health":
        status, body = 404, b"not found"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _echo(scope, receive, send):
    if scope["path"] != "/ws/echo/":
        await send({"type": "websocket.close", "code": 1008})
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            echoed = {key: message[key] for key in ("text", "bytes") if message.get(key) is not None}
            await send({"type": "websocket.send", **echoed})
        elif message["type"] == "websocket.disconnect":
            return
"""
