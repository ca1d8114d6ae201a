"""Every server really starts from the bundle Serverwise hands out, and answers GET / with 200.

For each case the answers make the server under test the recommendation; the bundle is the zip from
/recommend/bundle.zip and the command is /recommend.json's start_command, as a user would take them. A stand-in
app sits at the answers' import path. `serve_once(files, command, port, tls)` starts the command in a folder holding
the files, asks GET / until the server has answered for SETTLE_SECONDS, and stops it. Each server must answer
200, log no ERROR (with a HOME it cannot write, like the bundle's service users) and stop on SIGTERM. Where TLS
ends in the server, a throwaway pair stands in for the user's certificate, and each GET offers h2 and http/1.1
by ALPN as browsers do: the server must pick the protocol the answers asked for, and answer in it.
"""

import http.client
import io
import os
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import h2.connection
import h2.events
import pytest

from decisions.configs.paths import CERT_PATH, KEY_PATH
from decisions.configs.validate import stand_in_app, validate_command

pytestmark = pytest.mark.django_db

STARTUP_SECONDS = 30
# uWSGI can miss a SIGTERM that lands while its workers are still starting (seen here: a 15 s hang), so the
# server keeps answering for this long after its first answer before it is stopped.
SETTLE_SECONDS = 1.0
STOP_SECONDS = 15
# Settings of ours that the servers would read as their own (GUNICORN_CMD_ARGS, WEB_CONCURRENCY, ...).
SERVER_ENVIRONMENT_PREFIXES = ("GUNICORN_", "UWSGI_", "HYPERCORN_", "UVICORN_", "GRANIAN_", "WEB_CONCURRENCY")


@dataclass(frozen=True)
class Served:
    answers: list[tuple[str, int, bytes]]  # (protocol, status, body) of each GET /
    stopped_on_sigterm: bool
    log: str


def serve_once(files: Mapping[str, str], command: str, port: int, tls: bool = False) -> Served:
    """Starts `command` in a folder holding `files`, GETs / on 127.0.0.1:port (over TLS if `tls`) until it has
    answered for SETTLE_SECONDS, then stops it."""
    get = _get_over_tls if tls else _get
    with tempfile.TemporaryDirectory(prefix="serverwise-boot-") as folder:
        for name, content in files.items():
            path = Path(folder, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        log_path = Path(folder, "server.log")
        with log_path.open("w") as log:
            server = subprocess.Popen(
                shlex.split(command),
                cwd=folder,
                env=_server_environment(Path(folder)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers are stopped with their master
            )
            try:
                answers = [_first_answer(server, get, port, log_path)]
                settled = time.monotonic() + SETTLE_SECONDS
                while time.monotonic() < settled:
                    answers.append(get(port))
                    time.sleep(0.1)
            finally:
                stopped_on_sigterm = _stop(server)
        return Served(answers, stopped_on_sigterm, log_path.read_text())


def _server_environment(folder: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SERVER_ENVIRONMENT_PREFIXES) and name != "XDG_RUNTIME_DIR"
    }
    environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), environment.get("PATH", "")])
    # The users the bundle's unit, program and image run as (www-data, uid 10001) have no home they may write
    # to. Nor has the server here, even when the tests run as root: its HOME lies under a plain file.
    not_a_folder = folder / "not-a-folder"
    not_a_folder.touch()
    environment["HOME"] = str(not_a_folder / "home")
    return environment


def _first_answer(server: subprocess.Popen, get, port: int, log_path: Path) -> tuple[str, int, bytes]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with status {server.returncode}:\n{log_path.read_text()}")
        try:
            return get(port)
        except (ConnectionError, TimeoutError):  # not listening yet
            time.sleep(0.1)
    pytest.fail(f"nothing answered on 127.0.0.1:{port} within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


def _get(port: int) -> tuple[str, int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return "http/1.1", response.status, response.read()
    finally:
        connection.close()


def _get_over_tls(port: int) -> tuple[str, int, bytes]:
    """GET / as a browser does: offer h2 and http/1.1 by ALPN, then speak the one the server picks."""
    client = ssl.create_default_context()
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE  # the server holds a throwaway self-signed pair
    client.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, client.wrap_socket(raw) as tls:
        protocol = tls.selected_alpn_protocol() or "http/1.1"
        if protocol == "h2":
            return protocol, *_get_h2(tls, port)
        tls.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(tls)
        response.begin()
        return protocol, response.status, response.read()


def _get_h2(tls: ssl.SSLSocket, port: int) -> tuple[int, bytes]:
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    request = [(":method", "GET"), (":path", "/"), (":scheme", "https"), (":authority", f"127.0.0.1:{port}")]
    connection.send_headers(1, request, end_stream=True)
    status, body = 0, b""
    while True:
        tls.sendall(connection.data_to_send())
        data = tls.recv(65536)
        if not data:  # an answer of its own, not a retry: the server is up, and fails HTTP/2 clients
            return 0, b"the server closed the connection before its HTTP/2 answer ended"
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = int(dict(event.headers)[b":status"])
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
                connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                return status, body


def with_throwaway_tls(files: Mapping[str, str], command: str, folder: Path) -> tuple[dict[str, str], str]:
    """The user's certificate and key are not here: a self-signed pair made now stands in at their paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip

    def stand_in(text: str) -> str:
        return text.replace(CERT_PATH, str(cert)).replace(KEY_PATH, str(key))

    return {name: stand_in(content) for name, content in files.items()}, stand_in(command)


def _stop(server: subprocess.Popen) -> bool:
    """SIGTERM to the server's main process, as `docker stop` and systemd's KillMode=mixed do; then SIGKILL
    to whatever is left of its process group, so that no worker outlives the test."""
    server.terminate()
    try:
        server.wait(timeout=STOP_SECONDS)
        stopped = True
    except subprocess.TimeoutExpired:
        stopped = False
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()
    return stopped


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Case:
    server: str
    choices: dict[str, str]  # answers that make `server` the recommendation
    app: str
    interface: str  # of the stand-in app
    protocol: str  # what the server must speak to a browser

    @property
    def tls(self) -> bool:
        return self.choices.get("tls") == "app"

    @classmethod
    def of(cls, server: str, app: str, interface: str, protocol: str = "http/1.1", **choices: str) -> "Case":
        """A server that works for the answers stays: current=<server> makes it the recommendation."""
        return cls(server, choices | {"current": server}, app, interface, protocol)


CASES = {
    "gunicorn-sync": Case.of("gunicorn", "app:application", "wsgi", framework="other-wsgi"),
    "gunicorn-gthread": Case.of("gunicorn", "app:app", "wsgi", framework="flask", realtime="long-polling"),
    "gunicorn-uvicorn-worker": Case.of("gunicorn", "main:app", "asgi", framework="other-asgi"),
    "gunicorn-asgi": Case.of("gunicorn", "mysite.asgi:application", "asgi", framework="django", **{"async": "yes"}),
    "uwsgi": Case.of("uwsgi", "app:application", "wsgi", framework="other-wsgi"),
    "uvicorn": Case.of("uvicorn", "main:app", "asgi", framework="other-asgi"),
    "hypercorn": Case.of("hypercorn", "main:app", "asgi", framework="other-asgi"),
    "granian-asgi": Case.of("granian", "main:app", "asgi", framework="other-asgi"),
    "granian-wsgi": Case.of("granian", "app:application", "wsgi", framework="other-wsgi"),
    # TLS in the server; HTTP/2 where the server speaks it (Uvicorn's needs zttp, which the tests do not install).
    "gunicorn-tls-h2-wsgi": Case.of("gunicorn", "app:app", "wsgi", "h2", framework="flask", http="http2", tls="app"),
    "gunicorn-tls-h2-asgi": Case.of("gunicorn", "main:app", "asgi", "h2", framework="fastapi", http="http2", tls="app"),
    "uwsgi-tls": Case.of("uwsgi", "app:application", "wsgi", framework="other-wsgi", tls="app"),
    "uvicorn-tls": Case.of("uvicorn", "main:app", "asgi", framework="other-asgi", tls="app"),
    "hypercorn-tls-h2": Case.of("hypercorn", "main:app", "asgi", "h2", framework="other-asgi", http="http2", tls="app"),
    "granian-tls-h2": Case.of("granian", "main:app", "asgi", "h2", framework="other-asgi", http="http2", tls="app"),
}


def downloaded_bundle(client, case: Case, port: int) -> tuple[dict[str, str], str]:
    """The files of /recommend/bundle.zip (unpacked from its one folder) and /recommend.json's start command."""
    query = urlencode(case.choices | {"cores": 1, "host": "127.0.0.1", "port": port, "app": case.app})
    result = client.get(f"/recommend.json?{query}").json()
    assert result["recommended"] == case.server, result["ranking"]
    response = client.get(result["bundle_url"])
    assert response.status_code == 200, response.content
    folder = f"serverwise-{case.server}/"
    files = {}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            assert name.startswith(folder), name
            files[name.removeprefix(folder)] = archive.read(name).decode()
    return files, result["start_command"]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_boots_each_server_from_its_bundle_and_answers_200(client, case, tmp_path):
    port = free_port()
    bundle, command = downloaded_bundle(client, case, port)
    verdict = validate_command(command, bundle)
    assert verdict.ok, verdict.messages
    if case.tls:
        bundle, command = with_throwaway_tls(bundle, command, tmp_path)

    served = serve_once(bundle | stand_in_app(case.app, case.interface), command, port, case.tls)

    assert set(served.answers) == {(case.protocol, 200, b"ok")}, served.log
    assert not [line for line in served.log.splitlines() if "ERROR" in line], served.log
    assert served.stopped_on_sigterm, f"still running {STOP_SECONDS} s after SIGTERM:\n{served.log}"


def test_it_reports_a_server_that_exits_instead_of_serving(client):
    port = free_port()
    case = CASES["granian-asgi"]
    bundle, command = downloaded_bundle(client, case, port)

    with pytest.raises(pytest.fail.Exception, match="exited with status"):
        serve_once(bundle | stand_in_app("elsewhere:app", case.interface), command, port)
