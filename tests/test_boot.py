"""Every server really starts from the bundle Serverwise hands out, and answers GET / with 200.

For each case the answers make the server under test the recommendation; the bundle is the zip from
/recommend/bundle.zip and the command is /recommend.json's start_command, as a user would take them. A stand-in
app sits at the answers' import path. `serve_once(files, command, port, tls)` starts the command in a folder holding
the files, asks GET / until the server has answered for SETTLE_SECONDS, and stops it. Each server must answer
200, log no ERROR (with a HOME it cannot write, like the bundle's service users) and stop on SIGTERM. Where TLS
ends in the server, a throwaway pair stands in for the user's certificate, and each GET offers h2 and http/1.1
by ALPN as browsers do: the server must pick the protocol the answers asked for, and answer in it.
"""

import io
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from decisions.configs import CERT_PATH, KEY_PATH
from decisions.validation import stand_in_app, validate_command
from tests.serving import STOP_SECONDS, NotServing, free_port, serving, throwaway_tls_pair

pytestmark = pytest.mark.django_db

# uWSGI can miss a SIGTERM that lands while its workers are still starting (seen here: a 15 s hang), so the
# server keeps answering for this long after its first answer before it is stopped.
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Served:
    answers: list[tuple[str, int, bytes]]  # (protocol, status, body) of each GET /
    stopped_on_sigterm: bool
    log: str


def serve_once(files: Mapping[str, str], command: str, port: int, tls: bool = False) -> Served:
    """Starts `command` in a folder holding `files`, GETs / on 127.0.0.1:port (over TLS if `tls`) until it has
    answered for SETTLE_SECONDS, then stops it."""
    with tempfile.TemporaryDirectory(prefix="serverwise-boot-") as folder:
        for name, content in files.items():
            path = Path(folder, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        answers = []
        with serving(command, Path(folder), port, tls) as server:
            settled = time.monotonic() + SETTLE_SECONDS
            while not answers or time.monotonic() < settled:
                answer = server.get("/")
                answers.append((answer.protocol, answer.status, answer.body))
                time.sleep(0.1)
            stopped_on_sigterm = server.stop()
            log = server.log
        return Served(answers, stopped_on_sigterm, log)


def with_throwaway_tls(files: Mapping[str, str], command: str, folder: Path) -> tuple[dict[str, str], str]:
    """The user's certificate and key are not here: a self-signed pair made now stands in at their paths."""
    cert, key = throwaway_tls_pair(folder)

    def stand_in(text: str) -> str:
        return text.replace(CERT_PATH, str(cert)).replace(KEY_PATH, str(key))

    return {name: stand_in(content) for name, content in files.items()}, stand_in(command)


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

    with pytest.raises(NotServing, match="exited with status"):
        serve_once(bundle | stand_in_app("elsewhere:app", case.interface), command, port)
