"""Measures the memory of one worker serving a real Django project: .venv/bin/python scripts/worker_memory.py

Each setup runs two workers on the project of `django-admin startproject` (lab/realapps.py), answers
REQUESTS GETs of / and then reads Pss and Rss from /proc/<worker>/smaps_rollup of each worker process (the
master's children). Pss charges a page shared by n processes 1/n to each: a Gunicorn worker forked from its
master shares the interpreter and Gunicorn with it, and with --preload Django and the project too; Uvicorn's and
Hypercorn's workers are spawned (a fresh interpreter that imports everything again) and share little.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab import realapps  # noqa: E402
from lab.proc import children, command_line, memory_kib  # noqa: E402
from lab.serving import free_port, serving  # noqa: E402

REQUESTS = 200
SETUPS = {
    "gunicorn sync (forked)": ("django-wsgi", "gunicorn -b 127.0.0.1:{port} -w 2 -k sync {app}"),
    "gunicorn sync --preload (forked)": ("django-wsgi", "gunicorn -b 127.0.0.1:{port} -w 2 -k sync --preload {app}"),
    "uvicorn --workers 2 (spawned)": ("django-asgi", "uvicorn --host 127.0.0.1 --port {port} --workers 2 {app}"),
    "hypercorn -w 2 asyncio (spawned)": ("django-asgi", "hypercorn -b 127.0.0.1:{port} -w 2 -k asyncio {app}"),
}


def measure(kind: str, command: str) -> list[tuple[int, str, dict[str, int]]]:
    with tempfile.TemporaryDirectory(prefix="serverwise-memory-") as name:
        folder = Path(name)
        app = realapps.build(kind, folder)
        port = free_port()
        with serving(command.format(app=app, port=port), folder, port) as server:
            for _ in range(REQUESTS):
                server.expect("/", realapps.hello(kind))
            workers = []
            for pid in children(server.process.pid):
                workers.append((pid, command_line(pid)[:90], memory_kib(pid)))
            workers.append((server.process.pid, "(master)", memory_kib(server.process.pid)))
            return workers


def main() -> None:
    for setup, (kind, command) in SETUPS.items():
        for pid, cmdline, memory in measure(kind, command):
            print(
                f"{setup:34} pid {pid:7} Pss {memory['Pss'] / 1024:6.1f} MiB  Rss {memory['Rss'] / 1024:6.1f} MiB"
                f"  {cmdline}"
            )


if __name__ == "__main__":
    main()
