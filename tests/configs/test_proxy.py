"""The bundle's nginx site in front of its server, both real: a client cannot forge the forwarded headers.

Hypercorn reads X-Forwarded-* only through the ProxyFixMiddleware the bundle's README tells users to wrap their
app in ("legacy" mode trusts the last hop of each header whatever the sender). So the nginx site must set every
one of them itself: a client's own X-Forwarded-Host (or -For) must never reach the app through nginx.
"""

import http.client
import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lab.serving import free_port, serving
from tests.support.bundles import bundle, plan

pytestmark = pytest.mark.slow

# Report what the app sees, once the README's wrapper has read the forwarded headers: an ASGI app and a WSGI one.
REPORTING_ASGI_APP = """import json


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    headers = {name.decode(): value.decode() for name, value in scope["headers"]}
    seen = {"host": headers.get("host"), "client": scope["client"][0], "scheme": scope["scheme"]}
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})
"""
REPORTING_WSGI_APP = """import json


def app(environ, start_response):
    seen = {"host": environ["HTTP_HOST"], "client": environ["REMOTE_ADDR"], "scheme": environ["wsgi.url_scheme"]}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]
"""
REPORTING_APPS = {"other-asgi": REPORTING_ASGI_APP, "other-wsgi": REPORTING_WSGI_APP}


def reporting_module(framework: str, app_path: str) -> str:
    """app.py, with the reporting app under the name the bundle's import path gives it."""
    module, _, name = app_path.partition(":")
    assert module == "app"
    return REPORTING_APPS[framework] + ("" if name == "app" else f"\n{name} = app\n") + "\n"


def readme_wrapper(readme: str) -> str:
    """The lines the README tells the user to add where the app is defined."""
    block = re.search(r"\n\n((?:    .*\n)+)", readme[readme.index("Hypercorn has no option to read forwarded") :])
    return "\n".join(line.removeprefix("    ") for line in block[1].splitlines()) + "\n"


@contextmanager
def nginx_site(site: str, folder: Path, port: int) -> Iterator[None]:
    """The site, listening on 127.0.0.1:port instead of port 80, inside a minimal nginx.conf of its own."""
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("    listen [::]:80;\n", "")
    (folder / "site.conf").write_text(site)
    temp = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}    include {folder}/site.conf;\n}}\n"
    )
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", f"{folder}/", "-c", f"{folder}/nginx.conf", "-g", "daemon off;"])
    try:
        deadline = time.monotonic() + 10
        while not listening(port):
            assert nginx.poll() is None and time.monotonic() < deadline, (folder / "nginx-error.log").read_text()
            time.sleep(0.05)
        yield
    finally:
        nginx.terminate()
        nginx.wait(10)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def seen_by_app(port: int, headers: dict[str, str]) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())
    finally:
        connection.close()


FORGED = {
    "Host": "serverwise.test",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
}


@pytest.mark.parametrize("framework", REPORTING_APPS)
def test_a_client_cannot_forge_forwarded_headers_through_the_bundles_nginx(framework, tmp_path):
    app_port, nginx_port = free_port(), free_port()
    files = bundle("hypercorn", framework=framework, deploy="systemd", port=app_port)
    assert "127.0.0.1" in files["hypercorn.toml"]  # only nginx on this machine reaches it
    (tmp_path / "hypercorn.toml").write_text(files["hypercorn.toml"])
    app_path = plan("hypercorn", framework=framework).app_path
    (tmp_path / "app.py").write_text(reporting_module(framework, app_path) + readme_wrapper(files["README.md"]))

    with serving(f"hypercorn -c hypercorn.toml {app_path}", tmp_path, app_port) as server:
        with nginx_site(files["nginx.conf"], tmp_path, nginx_port):
            through_nginx = seen_by_app(nginx_port, FORGED)
        direct = seen_by_app(app_port, FORGED)
        assert server.stop(), server.log

    assert through_nginx == {"host": "serverwise.test", "client": "127.0.0.1", "scheme": "http"}
    # The wrapper believes whoever talks to Hypercorn: why the bundle binds it where only nginx can reach it.
    assert direct == {"host": "evil.example", "client": "203.0.113.9", "scheme": "https"}


@pytest.mark.parametrize(
    ("framework", "client", "said"),
    [
        ("other-asgi", FORGED["X-Forwarded-For"], "takes the client's address from X-Forwarded-For"),
        ("other-wsgi", "127.0.0.1", "does not take the client's address from X-Forwarded-For"),
    ],
)
def test_gunicorn_s_files_say_truly_where_the_client_address_comes_from(framework, client, said, tmp_path):
    """Behind the proxy it trusts, Gunicorn's own workers keep the proxy's address, while the Uvicorn worker, which
    an ASGI app other than Django's gets, takes the client's from X-Forwarded-For, as Uvicorn does."""
    port = free_port()
    files = bundle("gunicorn", framework=framework, deploy="systemd", port=port)
    (tmp_path / "gunicorn.conf.py").write_text(files["gunicorn.conf.py"])
    app_path = plan("gunicorn", framework=framework).app_path
    (tmp_path / "app.py").write_text(reporting_module(framework, app_path))

    with serving("gunicorn -c gunicorn.conf.py", tmp_path, port) as server:
        seen = seen_by_app(port, FORGED)  # from 127.0.0.1, a proxy the files trust
        assert server.stop(), server.log

    assert seen["client"] == client
    assert said in files["README.md"]
    assert said in " ".join(line.removeprefix("# ") for line in files["gunicorn.conf.py"].splitlines())
