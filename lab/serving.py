"""Starts a server from its command in a folder and drives real clients against it.

`serving(command, folder, port, tls)` starts the command (shlex-split) with a clean environment, waits for its
first HTTP answer and yields a `Server` whose clients speak HTTP/1.1, HTTP/2 over TLS (ALPN picks), WebSocket
and HTTP/3; it stops the server however the block ends. What a server cannot do raises `NotServing` with the
server's log, so a test that meets a server unable to serve its app fails loudly.
"""

import asyncio
import http.client
import os
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import h2.connection
import h2.events
from aioquic.asyncio import QuicConnectionProtocol, connect
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent
from websockets.asyncio.client import connect as websocket_connect

from decisions.configs.validate.checks import self_signed_pair_command

STARTUP_SECONDS = 30
STOP_SECONDS = 15
# How long after its start a server must run before SIGTERM can stop it. uWSGI 2.0 loses a SIGTERM that comes
# while its workers still install their signal handlers, and then waits for them for ever (docs/sources.md, "uWSGI
# and an early SIGTERM"); a supervisor's SIGKILL after the stop timeout ends that, which is not what the tests check.
SETTLE_SECONDS = {"uwsgi": 1.0}
CLIENT_SECONDS = 5
# Settings of ours that the servers would read as their own (GUNICORN_CMD_ARGS, WEB_CONCURRENCY, ...).
SERVER_ENVIRONMENT_PREFIXES = ("GUNICORN_", "UWSGI_", "HYPERCORN_", "UVICORN_", "GRANIAN_", "WEB_CONCURRENCY")


class NotServing(AssertionError):
    """The server did not do what was asked of it; the message ends with its log."""


@dataclass(frozen=True)
class Answer:
    protocol: str  # "http/1.1", "h2" or "h3"
    status: int
    body: bytes


@dataclass(frozen=True)
class Holding:
    held: int
    seconds: float
    fast_answer: Answer
    fast_seconds: float  # how long GET / took while the held requests were in the app
    threads: int  # of the server's processes, counted while the requests were held
    held_answers: list[Answer] = field(default_factory=list)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    tls: bool
    log_path: Path
    started: float  # time.monotonic() when the command was started
    stopped_on_sigterm: bool | None = None

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def fail(self, message: str) -> NotServing:
        return NotServing(f"{message}\n--- server log ---\n{self.log}")

    def get(self, path: str = "/") -> Answer:
        """GET over HTTP/1.1, or over TLS offering h2 and http/1.1 by ALPN and speaking what the server picks."""
        return _get_over_tls(self.port, path) if self.tls else _get(self.port, path)

    def expect(self, path: str, body: bytes, status: int = 200) -> Answer:
        try:
            answer = self.get(path)
        except (OSError, http.client.HTTPException) as error:
            raise self.fail(f"GET {path} failed: {_named(error)}") from error
        if answer.status != status or not answer.body.startswith(body):
            raise self.fail(f"GET {path} answered {answer.status} {answer.body[:80]!r}, not {status} {body!r}")
        return answer

    def get_h2c(self, path: str = "/") -> Answer:
        """GET over cleartext HTTP/2 with prior knowledge (the connection opens with the HTTP/2 preface)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=CLIENT_SECONDS) as plain:
            return Answer("h2c", *_get_h2(plain, self.port, path, scheme="http"))

    def websocket_echo(self, path: str = "/ws/echo/", message: str = "ping from the harness") -> str:
        """Opens a WebSocket (ws:// or wss://), sends `message` and returns what came back, which must be it."""
        scheme, context = ("wss", insecure_context(["http/1.1"])) if self.tls else ("ws", None)
        uri = f"{scheme}://127.0.0.1:{self.port}{path}"
        try:
            # asyncio's client, under one deadline: the sync client, when a TLS handshake fails, can wait forever for
            # its reading thread (it hung a whole test run)
            echoed = asyncio.run(asyncio.wait_for(_websocket_echo(uri, context, message), 3 * CLIENT_SECONDS))
        except Exception as error:  # websockets raises its own, OSError and TimeoutError alike
            raise self.fail(f"WebSocket {path} failed: {_named(error)}") from error
        if echoed != message:
            raise self.fail(f"WebSocket {path} echoed {echoed!r}, not {message!r}")
        return echoed

    def held_requests_do_not_block(self, count: int = 12, seconds: float = 4.0, settle: float = 1.0) -> Holding:
        """Holds `count` requests in /hold/?seconds=N, then times GET /: it must answer while they are held."""
        held: list[Answer | BaseException] = []

        def hold() -> None:
            try:
                held.append(_get(self.port, f"/hold/?seconds={seconds:g}", timeout=seconds + 30, tls=self.tls))
            except BaseException as error:  # reported below, with the log
                held.append(error)

        threads = [threading.Thread(target=hold, daemon=True) for _ in range(count)]
        for thread in threads:
            thread.start()
        time.sleep(settle)  # the held requests reach the app
        thread_count = self.threads()
        started = time.monotonic()
        try:
            fast = _get(self.port, "/", timeout=seconds + 30, tls=self.tls)
        except OSError as error:
            raise self.fail(f"GET / failed while {count} requests were held: {_named(error)}") from error
        fast_seconds = time.monotonic() - started
        for thread in threads:
            thread.join(seconds + 35)
        holding = Holding(count, seconds, fast, fast_seconds, thread_count, [a for a in held if isinstance(a, Answer)])
        if fast_seconds > (seconds - settle) / 2:
            raise self.fail(f"GET / took {fast_seconds:.2f} s while {count} requests were held {seconds:g} s")
        if fast.status != 200:
            raise self.fail(f"GET / answered {fast.status} {fast.body[:80]!r} while {count} requests were held")
        failed = [a for a in held if not (isinstance(a, Answer) and a.status == 200)]
        if failed:
            raise self.fail(f"{len(failed)} of {count} held requests failed: {failed[:3]}")
        return holding

    def threads(self) -> int:
        """Threads of every process in the server's process group (its master and workers)."""
        return sum(int(fields[17]) for fields in self._group_stats().values())  # num_threads (stat field 20)

    def processes(self) -> set[int]:
        """The ids of every process in the server's process group: its master and workers."""
        return set(self._group_stats())

    def _group_stats(self) -> dict[int, list[str]]:
        """/proc/PID/stat's fields after the command name, by process id, for the server's process group."""
        group = {}
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rpartition(")")[2].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # the process group (stat field 5)
                group[int(status.parent.name)] = fields
        return group

    def get_h3(self, path: str = "/") -> Answer:
        """GET over HTTP/3 (QUIC on the same port number, UDP)."""
        try:
            return asyncio.run(asyncio.wait_for(_get_h3(self.port, path), CLIENT_SECONDS))
        except Exception as error:  # aioquic's connect() raises ConnectionError, a timeout TimeoutError
            raise self.fail(f"HTTP/3 GET {path} failed: {_named(error)}") from error

    def stop(self, within: float = STOP_SECONDS) -> bool:
        """SIGTERM to the main process, as `docker stop` and systemd's KillMode=mixed do; then, after `within`
        seconds, SIGKILL to whatever is left of its process group, so that no worker outlives the test. True when
        SIGTERM stopped it."""
        if self.stopped_on_sigterm is None:
            settled = self.started + SETTLE_SECONDS.get(Path(str(self.process.args[0])).name, 0)
            time.sleep(max(0.0, settled - time.monotonic()))
            self.stopped_on_sigterm = _stop(self.process, within)
        return self.stopped_on_sigterm


@contextmanager
def serving(
    command: str,
    folder: Path,
    port: int,
    tls: bool = False,
    environment: dict[str, str] | None = None,
    cpus: frozenset[int] = frozenset(),
) -> Iterator[Server]:
    """Runs `command` in `folder` until the block ends; yields once something answers HTTP on 127.0.0.1:port.
    `environment` adds variables, as a deploy file's would. With `cpus`, the server and every process it starts
    run on those cores only (as `taskset -c` would)."""
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            shlex.split(command),
            cwd=folder,
            env=server_environment(folder) | (environment or {}),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers are stopped with their master
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
    server = Server(process, port, tls, log_path, started)
    try:
        _wait_for_first_answer(server)
        yield server
    finally:
        server.stop()


def server_environment(folder: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SERVER_ENVIRONMENT_PREFIXES)
        and name not in ("XDG_RUNTIME_DIR", "DJANGO_SETTINGS_MODULE")
    }
    environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), environment.get("PATH", "")])
    # The users the bundle's unit, program and image run as (www-data, uid 10001) have no home they may write
    # to. Nor has the server here, even when the tests run as root: its HOME lies under a plain file.
    not_a_folder = folder / "not-a-folder"
    not_a_folder.touch()
    environment["HOME"] = str(not_a_folder / "home")
    return environment


def _wait_for_first_answer(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise server.fail(f"the server exited with status {server.process.returncode}")
        try:
            server.get("/health")
            return
        except (ConnectionRefusedError, TimeoutError):  # not listening yet
            time.sleep(0.1)
        except (OSError, http.client.HTTPException):  # up, and answering badly: the checks say how
            return
    raise server.fail(f"nothing answered on 127.0.0.1:{server.port} within {STARTUP_SECONDS} s")


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def _websocket_echo(uri: str, context: ssl.SSLContext | None, message: str) -> str:
    async with websocket_connect(uri, ssl=context, open_timeout=CLIENT_SECONDS, close_timeout=1) as websocket:
        await websocket.send(message)
        return await websocket.recv()


def _get(port: int, path: str, timeout: float = CLIENT_SECONDS, tls: bool = False) -> Answer:
    if tls:
        return _get_over_tls(port, path, timeout)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return Answer("http/1.1", response.status, response.read())
    finally:
        connection.close()


def insecure_context(protocols: list[str]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the server holds a throwaway self-signed pair
    context.set_alpn_protocols(protocols)
    return context


def _get_over_tls(port: int, path: str, timeout: float = CLIENT_SECONDS) -> Answer:
    """GET as a browser does: offer h2 and http/1.1 by ALPN, then speak the one the server picks."""
    client = insecure_context(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw, client.wrap_socket(raw) as tls:
        protocol = tls.selected_alpn_protocol() or "http/1.1"
        if protocol == "h2":
            return Answer(protocol, *_get_h2(tls, port, path))
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(tls)
        response.begin()
        return Answer(protocol, response.status, response.read())


def _get_h2(connected: socket.socket, port: int, path: str, scheme: str = "https") -> tuple[int, bytes]:
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    request = [(":method", "GET"), (":path", path), (":scheme", scheme), (":authority", f"127.0.0.1:{port}")]
    connection.send_headers(1, request, end_stream=True)
    status, body = 0, b""
    while True:
        connected.sendall(connection.data_to_send())
        data = connected.recv(65536)
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


class _H3Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._http = H3Connection(self._quic)
        self._answers: dict[int, tuple[asyncio.Future[Answer], list[int], bytearray]] = {}

    async def get(self, authority: str, path: str) -> Answer:
        stream_id = self._quic.get_next_available_stream_id()
        headers = [
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", authority.encode()),
            (b":path", path.encode()),
        ]
        self._http.send_headers(stream_id, headers, end_stream=True)
        answer = asyncio.get_running_loop().create_future()
        self._answers[stream_id] = (answer, [0], bytearray())
        self.transmit()
        return await answer

    def quic_event_received(self, event: QuicEvent) -> None:
        for h3_event in self._http.handle_event(event):
            self._h3_event_received(h3_event)

    def _h3_event_received(self, event: H3Event) -> None:
        if not isinstance(event, (HeadersReceived, DataReceived)) or event.stream_id not in self._answers:
            return
        answer, status, body = self._answers[event.stream_id]
        if isinstance(event, HeadersReceived):
            status[0] = int(dict(event.headers)[b":status"])
        else:
            body.extend(event.data)
        if event.stream_ended and not answer.done():
            answer.set_result(Answer("h3", status[0], bytes(body)))


async def _get_h3(port: int, path: str) -> Answer:
    configuration = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, verify_mode=ssl.CERT_NONE)
    async with connect("127.0.0.1", port, configuration=configuration, create_protocol=_H3Client) as client:
        return await client.get(f"127.0.0.1:{port}", path)


def _stop(process: subprocess.Popen, within: float) -> bool:
    process.terminate()
    try:
        process.wait(timeout=within)
        stopped = True
    except subprocess.TimeoutExpired:
        stopped = False
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    return stopped


def throwaway_tls_pair(folder: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate and key for `common_name`, made now, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(self_signed_pair_command("openssl", cert, key, common_name), check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    """A port free on 127.0.0.1 for TCP and UDP alike (HTTP/3 listens on the same number over UDP)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
