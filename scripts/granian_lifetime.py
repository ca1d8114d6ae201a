"""What Granian's --workers-lifetime does to a held WebSocket: .venv/bin/python scripts/granian_lifetime.py [KILL]

Serves the FastAPI app with --workers-lifetime 60 (its minimum), and --workers-kill-timeout KILL when given,
holds a WebSocket open and echoes on it every 5 s for 100 s, then reports which echoes worked, whether GET /
answered meanwhile, the worker processes seen and whether SIGTERM stopped Granian.
"""

import sys
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab import realapps  # noqa: E402
from lab.serving import (
    free_port,  # noqa: E402
    serving,  # noqa: E402
)

SECONDS = 100


def main(kill_timeout: str | None) -> None:
    command = "granian --interface asgi --host 127.0.0.1 --port {port} --workers-lifetime 60 {kill} {app}"
    kill = f"--workers-kill-timeout {kill_timeout}" if kill_timeout else ""
    with tempfile.TemporaryDirectory(prefix="serverwise-lifetime-") as name:
        folder = Path(name)
        app = realapps.build("fastapi", folder)
        port = free_port()
        with serving(command.format(port=port, kill=kill, app=app), folder, port) as server:
            started = time.monotonic()
            with connect(f"ws://127.0.0.1:{port}/ws/echo/", open_timeout=5) as websocket:
                while time.monotonic() - started < SECONDS:
                    elapsed = time.monotonic() - started
                    try:
                        websocket.send("held")
                        echo = websocket.recv(timeout=5)
                    except Exception as error:  # the verdict is the point
                        echo = f"{type(error).__name__}: {error}"
                    try:
                        get = server.get("/").status
                    except OSError as error:
                        get = f"{type(error).__name__}"
                    workers = sorted(
                        Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
                    )
                    print(f"{elapsed:5.1f} s  echo {echo!r:40}  GET / {get}  workers {workers}", flush=True)
                    time.sleep(5)
            print("stopped on SIGTERM within 15 s:", server.stop())
            print(server.log)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
