"""Every server really starts from its config files and start command, and answers GET / with 200.

`serve_once(files, command, port)` is the whole harness: it takes what a bundle holds (file name -> content)
and the command that starts the server from the bundle's folder. The cases below are hand-written to match
what decisions/configs.py renders; feeding it the real bundle and `start_command()` is a change of cases only.
"""

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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from decisions.validation import stand_in_app, validate_command

SAMPLES = Path(__file__).parent / "samples"
SAMPLE_BIND = "127.0.0.1:8000"
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
                env=_server_environment(),
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


def _server_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(SERVER_ENVIRONMENT_PREFIXES)}
    environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), environment.get("PATH", "")])
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


def sample(name: str, port: int, **replacements: str) -> str:
    content = (SAMPLES / name).read_text().replace(SAMPLE_BIND, f"127.0.0.1:{port}")
    for old, new in replacements.items():
        content = content.replace(old, new)
    return content


def gunicorn_sync(port: int) -> tuple[dict[str, str], str]:
    return {"gunicorn.conf.py": sample("gunicorn.conf.py", port), **stand_in_app("app:application")}, (
        "gunicorn -c gunicorn.conf.py"
    )


def gunicorn_uvicorn_worker(port: int) -> tuple[dict[str, str], str]:
    config = sample("gunicorn.conf.py", port).replace('"sync"', '"uvicorn_worker.UvicornWorker"')
    config = config.replace('"app:application"', '"main:app"')
    return {"gunicorn.conf.py": config, **stand_in_app("main:app", "asgi")}, "gunicorn -c gunicorn.conf.py"


def uwsgi(port: int) -> tuple[dict[str, str], str]:
    return {"uwsgi.ini": sample("uwsgi.ini", port), **stand_in_app("app:application")}, "uwsgi --ini uwsgi.ini"


def hypercorn(port: int) -> tuple[dict[str, str], str]:
    return {"hypercorn.toml": sample("hypercorn.toml", port), **stand_in_app("main:app", "asgi")}, (
        "hypercorn -c hypercorn.toml main:app"
    )


def uvicorn(port: int) -> tuple[dict[str, str], str]:
    return stand_in_app("main:app", "asgi"), f"uvicorn main:app --host 127.0.0.1 --port {port} --workers 1"


def granian_asgi(port: int) -> tuple[dict[str, str], str]:
    return stand_in_app("main:app", "asgi"), (
        f"granian --interface asgi --host 127.0.0.1 --port {port} --workers 1 main:app"
    )


def granian_wsgi(port: int) -> tuple[dict[str, str], str]:
    return stand_in_app("app:application", "wsgi"), (
        f"granian --interface wsgi --host 127.0.0.1 --port {port} --workers 1 app:application"
    )


@pytest.mark.parametrize(
    "bundle", [gunicorn_sync, gunicorn_uvicorn_worker, uwsgi, hypercorn, uvicorn, granian_asgi, granian_wsgi]
)
def test_it_boots_each_server_from_its_files_and_answers_200(bundle):
    port = free_port()
    files, command = bundle(port)
    verdict = validate_command(command, files)
    assert verdict.ok, verdict.messages

    served = serve_once(files, command, port)

    assert set(served.answers) == {(200, b"ok")}, served.log
    assert served.stopped_on_sigterm, f"still running {STOP_SECONDS} s after SIGTERM:\n{served.log}"


def test_it_reports_a_server_that_exits_instead_of_serving():
    port = free_port()
    files, command = granian_asgi(port)

    with pytest.raises(pytest.fail.Exception, match="exited with status"):
        serve_once(files, command.replace("main:app", "missing:app"), port)
