"""Measures which server setups really serve which app kinds: .venv/bin/python scripts/compat_matrix.py [OUT]

Each cell builds a real app (lab/realapps.py), starts one server setup on it with one worker (cores=1-ish),
and drives real clients (lab/serving.py): GET / must come from the framework, the WebSocket echo must echo
(kinds that have one), 12 requests held 3 s must not block a GET /, and SIGTERM must stop the server within
15 s. TLS setups offer h2 and http/1.1 by ALPN and record what the server picked; HTTP/3 setups repeat GETs
over QUIC. Writes OUT/matrix.md (the tables), OUT/matrix.json and OUT/logs/<cell>.log (the servers' logs).
"""

import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import connect as websocket_connect  # noqa: E402

from lab import realapps  # noqa: E402
from lab.serving import (  # noqa: E402
    NotServing,
    Server,
    free_port,  # noqa: E402
    insecure_context,
    serving,
    throwaway_tls_pair,
)

HOLD_SECONDS = 3.0
WEBSOCKET_CHECK_SECONDS = 20
PYTHON_ERROR = re.compile(r"[\w.]*(Error|Exception|Exit)\b(:|$)")
H3_REPEATS = 40
GUNICORN = "gunicorn -b 127.0.0.1:{port} -w 1"
HYPERCORN = "hypercorn -b 127.0.0.1:{port} -w 1"
GRANIAN = "granian --host 127.0.0.1 --port {port} --workers 1"
TLS_GUNICORN = "--certfile {cert} --keyfile {key} --http-protocols h2,h1"
UWSGI = (
    "uwsgi --strict --master --http-socket 127.0.0.1:{port} --module {app} --need-app --processes 1 --threads 4"
    " --enable-threads --single-interpreter --die-on-term"
)

# Setups for every kind: a WSGI kind on an ASGI-only setup (and the reverse) shows how the mismatch fails.
SETUPS = {
    "gunicorn sync": f"{GUNICORN} -k sync {{app}}",
    "gunicorn gthread 4": f"{GUNICORN} -k gthread --threads 4 {{app}}",
    "gunicorn gthread 16": f"{GUNICORN} -k gthread --threads 16 {{app}}",
    "gunicorn asgi": f"{GUNICORN} -k asgi {{app}}",
    "gunicorn UvicornWorker": f"{GUNICORN} -k uvicorn_worker.UvicornWorker {{app}}",
    "uwsgi 1x4": UWSGI,
    "uvicorn": "uvicorn --host 127.0.0.1 --port {port} {app}",
    "uvicorn --interface wsgi": "uvicorn --host 127.0.0.1 --port {port} --interface wsgi {app}",
    "hypercorn asyncio": f"{HYPERCORN} -k asyncio {{app}}",
    "hypercorn trio": f"{HYPERCORN} -k trio {{app}}",
    "granian wsgi": f"{GRANIAN} --interface wsgi {{app}}",
    "granian wsgi bt=4": f"{GRANIAN} --interface wsgi --blocking-threads 4 {{app}}",
    "granian asgi": f"{GRANIAN} --interface asgi {{app}}",
}

# TLS in the server, h2 and http/1.1 offered by ALPN: (setup, command, kinds).
TLS_SETUPS = [
    (
        "gunicorn gthread 4 TLS h2",
        f"{GUNICORN} -k gthread --threads 4 {TLS_GUNICORN} {{app}}",
        ["flask", "django-wsgi"],
    ),
    ("gunicorn asgi TLS h2", f"{GUNICORN} -k asgi {TLS_GUNICORN} {{app}}", ["fastapi", "django-channels"]),
    ("gunicorn sync TLS h2", f"{GUNICORN} -k sync {TLS_GUNICORN} {{app}}", ["flask"]),
    (
        "hypercorn asyncio TLS",
        f"{HYPERCORN} -k asyncio --certfile {{cert}} --keyfile {{key}} {{app}}",
        ["fastapi", "django-channels"],
    ),
    ("hypercorn trio TLS", f"{HYPERCORN} -k trio --certfile {{cert}} --keyfile {{key}} {{app}}", ["starlette"]),
    (
        "uvicorn TLS",
        "uvicorn --host 127.0.0.1 --port {port} --ssl-certfile {cert} --ssl-keyfile {key} {app}",
        ["fastapi"],
    ),
    (
        "granian asgi TLS",
        f"{GRANIAN} --interface asgi --ssl-certificate {{cert}} --ssl-keyfile {{key}} {{app}}",
        ["fastapi"],
    ),
    (
        "granian wsgi TLS",
        f"{GRANIAN} --interface wsgi --ssl-certificate {{cert}} --ssl-keyfile {{key}} {{app}}",
        ["flask"],
    ),
]

H2C_SETUP = (
    "gunicorn gthread 4 h2c prior-knowledge",
    f"{GUNICORN} -k gthread --threads 4 --http-protocols h2,h1 --http2-cleartext prior-knowledge {{app}}",
)

H3_SETUPS = [
    (
        f"hypercorn {worker} -w {workers} quic",
        f"hypercorn -b 127.0.0.1:{{port}} --quic-bind 127.0.0.1:{{port}} "
        f"-w {workers} -k {worker} --certfile {{cert}} --keyfile {{key}} {{app}}",
    )
    for workers, worker in ((1, "asyncio"), (2, "asyncio"), (1, "trio"), (2, "trio"))
]


@dataclass
class Cell:
    kind: str
    setup: str
    checks: dict[str, str]  # check name -> "works ..." or "fails: ..."


def run_cell(
    kind: str,
    setup: str,
    command: str,
    logs: Path,
    tls: bool = False,
    extra: Callable[[Server], dict[str, str]] | None = None,
) -> Cell:
    checks: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="serverwise-matrix-") as name:
        folder = Path(name)
        app = realapps.build(kind, folder, websockets=True, async_views=True)
        cert, key = throwaway_tls_pair(folder)
        port = free_port()
        try:
            with serving(command.format(app=app, port=port, cert=cert, key=key), folder, port, tls) as server:
                checks |= _checks(kind, server) if extra is None else extra(server)
                checks["SIGTERM stop"] = "works" if server.stop() else "fails: still running 15 s after SIGTERM"
        except NotServing as error:
            checks["start"] = _short(error, folder)
        (logs / f"{kind} @ {setup}.log".replace("/", "_")).write_text(
            "\n".join(f"{check}: {verdict}" for check, verdict in checks.items()) + "\n\n" + _log(folder)
        )
    cell = Cell(kind, setup, checks)
    print(f"{kind:16} {setup:36} {checks}", flush=True)
    return cell


def _checks(kind: str, server: Server) -> dict[str, str]:
    checks = {"GET /": _attempt(server, lambda: _describe(server.expect("/", realapps.hello(kind))))}
    if checks["GET /"].startswith("fails"):
        return checks  # the server cannot serve this app at all: the other checks would fail the same way
    if kind in realapps.WEBSOCKET_KINDS:
        checks["WebSocket echo"] = _attempt(server, lambda: server.websocket_echo() and "works")
    if kind == "flask":
        # flask-sock runs each WebSocket in a request of the WSGI server: it may take the only worker or thread.
        checks["GET / while a WebSocket is open"] = _attempt(server, lambda: _get_while_websocket_open(server, kind))
        checks["async view"] = _attempt(server, lambda: _describe(server.expect("/async/", b"hello from flask async")))
    checks["12 held requests"] = _attempt(server, lambda: _holding(server))
    return checks


def _get_while_websocket_open(server: Server, kind: str) -> str:
    """GET / while a WebSocket stays open. asyncio's client, under one deadline, as lab/serving.py's echo: the sync
    client, when a TLS handshake fails, can wait forever for its reading thread."""
    scheme = "wss" if server.tls else "ws"
    context = insecure_context(["http/1.1"]) if server.tls else None

    async def check():
        uri = f"{scheme}://127.0.0.1:{server.port}/ws/echo/"
        async with websocket_connect(uri, ssl=context, open_timeout=5, close_timeout=1) as websocket:
            await websocket.send("open")
            await websocket.recv()
            return await asyncio.to_thread(server.expect, "/", realapps.hello(kind))

    return _describe(asyncio.run(asyncio.wait_for(check(), WEBSOCKET_CHECK_SECONDS)))


def _describe(answer) -> str:
    return f"works ({answer.protocol})"


def _holding(server: Server) -> str:
    holding = server.held_requests_do_not_block(count=12, seconds=HOLD_SECONDS)
    return f"works (GET / in {holding.fast_seconds:.3f} s; {holding.threads} threads)"


def _attempt(server: Server, check: Callable[[], str]) -> str:
    try:
        return check()
    except NotServing as error:
        return _short(error, None)
    except Exception as error:  # a client error the harness did not expect is still this server's verdict
        return f"fails: {type(error).__name__}: {error}"[:160]


def _short(error: NotServing, folder: Path | None) -> str:
    """The failure's first line and the last error line of the server's log, if any."""
    message, _, log = str(error).partition("\n--- server log ---\n")
    words = message.splitlines()[0][:140]
    errors = [line.strip() for line in log.splitlines() if PYTHON_ERROR.match(line.strip())]
    return f"fails: {words}" + (f" [log: {errors[-1][:140]}]" if errors else "")


def _log(folder: Path) -> str:
    path = folder / "server.log"
    return path.read_text(errors="replace") if path.exists() else ""


def _h2c(server: Server, kind: str) -> dict[str, str]:
    return {"GET / h2c": _attempt(server, lambda: _expect_h2c(server, kind))}


def _expect_h2c(server: Server, kind: str) -> str:
    answer = server.get_h2c("/")
    if answer.status != 200 or answer.body != realapps.hello(kind):
        raise server.fail(f"h2c GET / answered {answer}")
    return "works (h2c)"


def _h3(server: Server, kind: str) -> dict[str, str]:
    answers, took = [], []
    for _ in range(H3_REPEATS):
        started = time.monotonic()
        try:
            answers.append(server.get_h3("/"))
        except NotServing as error:
            answers.append(str(error).splitlines()[0][:100])
        took.append(time.monotonic() - started)
    good = sum(1 for a in answers if not isinstance(a, str) and a.status == 200 and a.body == realapps.hello(kind))
    failures = sorted({a for a in answers if isinstance(a, str)})
    verdict = "works" if good == H3_REPEATS else "fails"
    timing = f"median {sorted(took)[len(took) // 2]:.2f} s, slowest {max(took):.2f} s"
    summary = f"{verdict}: {good}/{H3_REPEATS} answered, {timing}" + (f" ({failures[0]})" if failures else "")
    return {f"{H3_REPEATS} HTTP/3 GETs": summary}


def main(out: Path) -> None:
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    only = os.environ.get("MATRIX_ONLY")  # a part of the setup names, to rerun a few cells
    kinds = os.environ.get("MATRIX_KINDS", " ".join(realapps.KINDS)).split()
    cells = []
    for setup, command in SETUPS.items():
        for kind in kinds:
            if not only or only in setup:
                cells.append(run_cell(kind, setup, command, logs))
    for setup, command, tls_kinds in TLS_SETUPS:
        for kind in tls_kinds:
            if kind in kinds and (not only or only in setup):
                cells.append(run_cell(kind, setup, command, logs, tls=True))
    setup, command = H2C_SETUP
    if not only or only in setup:
        cells.append(run_cell("flask", setup, command, logs, extra=lambda server: _h2c(server, "flask")))
    for setup, command in H3_SETUPS:
        if not only or only in setup:
            cells.append(run_cell("fastapi", setup, command, logs, tls=True, extra=lambda s: _h3(s, "fastapi")))
    (out / "matrix.json").write_text(json.dumps([cell.__dict__ for cell in cells], indent=1))
    (out / "matrix.md").write_text(markdown(cells))


def markdown(cells: list[Cell]) -> str:
    """Two tables (plain setups; TLS, h2c and HTTP/3 setups): a row per app kind and check, a column per setup.
    ✓ works, ✗ fails, – not run (GET / failed already, or the check does not apply), blank: not tried."""
    setups = list(dict.fromkeys(cell.setup for cell in cells))
    special = [setup for setup in setups if any(mark in setup for mark in ("TLS", "quic", "h2c"))]
    found = {(cell.kind, cell.setup): cell.checks for cell in cells}
    tables = []
    for group in ([setup for setup in setups if setup not in special], special):
        if not group:
            continue
        rows = list(dict.fromkeys((c.kind, check) for c in cells if c.setup in group for check in c.checks))
        lines = ["| app kind: check | " + " | ".join(group) + " |", "|---|" + "---|" * len(group)]
        for kind, check in rows:
            verdicts = [_cell_text(found.get((kind, setup)), check) for setup in group]
            lines.append(f"| {kind}: {check} | " + " | ".join(verdicts) + " |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables) + "\n"


def _cell_text(checks: dict[str, str] | None, check: str) -> str:
    if checks is None:
        return ""
    verdict = checks.get(check)
    if verdict is None:
        return "–"
    for pattern, text in SHORT_VERDICTS:
        found = re.search(pattern, verdict)
        if found:
            return text.format(*found.groups())
    return ("✓ " if verdict.startswith("works") else "✗ ") + verdict.partition(": ")[2][:60].replace("|", "/")


# The first pattern that matches a verdict gives its text in the tables (matrix.json keeps the whole verdict).
SHORT_VERDICTS = [
    (r"^works \(GET / in [0-9.]+ s; (\d+) threads\)", "✓ {0} threads"),
    (r"^works \((h2c?)\)", "✓ {0}"),
    (r"^works: (\d+/\d+) answered, median ([0-9.]+) s, slowest ([0-9.]+) s", "✓ {0}, slowest {2} s"),
    (r"^works", "✓"),
    (r"^fails: (\d+/\d+) answered, median ([0-9.]+) s, slowest ([0-9.]+) s", "✗ {0}, slowest {2} s"),
    (r"GET / took ([0-9.]+) s", "✗ GET / took {0} s"),
    (r"TimeoutError", "✗ timed out"),
    (r"no running event loop", "✗ 500: no running event loop"),
    (r"Connection refused", "✗ server exited"),
    (r"Cannot obtain socket", "✗ 500: no socket in environ"),
    (r"HTTP (\d+)\b", "✗ rejected {0}"),
    (r"RemoteDisconnected.*TypeError", "✗ closed: TypeError"),
    (r"answered 500.*TypeError", "✗ 500: TypeError"),
    (r"before its HTTP/2 answer ended", "✗ h2 picked, then PRI rejected"),
]


if __name__ == "__main__":
    started = time.monotonic()
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/compat-matrix"))
    print(f"done in {time.monotonic() - started:.0f} s")
