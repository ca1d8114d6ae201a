"""Every server really starts from the bundle Serverwise hands out, and answers GET / with 200.

For each case the answers make the server under test the recommendation; the bundle is the zip from
/recommend/bundle.zip and the command is /recommend.json's start_command, as a user would take them. A stand-in
app sits at the answers' import path. `serve_once(files, command, port)` starts the command in a folder holding
the files, asks GET / until the server has answered for SETTLE_SECONDS, and stops it. Each server must answer
200, log no ERROR (with a HOME it cannot write, like the bundle's service users) and stop on SIGTERM.
"""

import io
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from decisions.validation import stand_in_app, validate_command

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
    answers: list[tuple[int, bytes]]  # (status, body) of each GET /
    stopped_on_sigterm: bool
    log: str


def serve_once(files: Mapping[str, str], command: str, port: int) -> Served:
    """Starts `command` in a folder holding `files`, GETs http://127.0.0.1:port/ until it has answered for
    SETTLE_SECONDS, then stops it."""
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
                answers = [_first_answer(server, port, log_path)]
                settled = time.monotonic() + SETTLE_SECONDS
                while time.monotonic() < settled:
                    answers.append(_get(port))
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


def _first_answer(server: subprocess.Popen, port: int, log_path: Path) -> tuple[int, bytes]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with status {server.returncode}:\n{log_path.read_text()}")
        try:
            return _get(port)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"nothing answered on 127.0.0.1:{port} within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


def _get(port: int) -> tuple[int, bytes]:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


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
    choices: dict[str, str]  # answers that make `server` the recommendation: a working server stays
    app: str
    interface: str  # of the stand-in app


CASES = {
    "gunicorn-sync": Case("gunicorn", {"framework": "other-wsgi", "current": "gunicorn"}, "app:application", "wsgi"),
    "gunicorn-gthread": Case(
        "gunicorn", {"framework": "flask", "realtime": "long-polling", "current": "gunicorn"}, "app:app", "wsgi"
    ),
    "gunicorn-uvicorn-worker": Case("gunicorn", {"framework": "other-asgi", "current": "gunicorn"}, "main:app", "asgi"),
    "gunicorn-asgi": Case(
        "gunicorn",
        {"framework": "django", "async": "yes", "current": "gunicorn"},
        "mysite.asgi:application",
        "asgi",
    ),
    "uwsgi": Case("uwsgi", {"framework": "other-wsgi", "current": "uwsgi"}, "app:application", "wsgi"),
    "uvicorn": Case("uvicorn", {"framework": "other-asgi", "current": "uvicorn"}, "main:app", "asgi"),
    "hypercorn": Case("hypercorn", {"framework": "other-asgi", "current": "hypercorn"}, "main:app", "asgi"),
    "granian-asgi": Case("granian", {"framework": "other-asgi", "current": "granian"}, "main:app", "asgi"),
    "granian-wsgi": Case("granian", {"framework": "other-wsgi", "current": "granian"}, "app:application", "wsgi"),
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
def test_it_boots_each_server_from_its_bundle_and_answers_200(client, case):
    port = free_port()
    bundle, command = downloaded_bundle(client, case, port)
    files = bundle | stand_in_app(case.app, case.interface)
    verdict = validate_command(command, files)
    assert verdict.ok, verdict.messages

    served = serve_once(files, command, port)

    assert set(served.answers) == {(200, b"ok")}, served.log
    assert not [line for line in served.log.splitlines() if "ERROR" in line], served.log
    assert served.stopped_on_sigterm, f"still running {STOP_SECONDS} s after SIGTERM:\n{served.log}"


def test_it_reports_a_server_that_exits_instead_of_serving(client):
    port = free_port()
    case = CASES["granian-asgi"]
    bundle, command = downloaded_bundle(client, case, port)

    with pytest.raises(pytest.fail.Exception, match="exited with status"):
        serve_once(bundle | stand_in_app("elsewhere:app", case.interface), command, port)
