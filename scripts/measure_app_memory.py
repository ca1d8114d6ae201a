"""Measures what each framework's app adds to one worker's memory: the figures behind APP_MIB_PER_WORKER.

Also what one Gunicorn worker of each ASGI worker class takes with the plain ASGI callable.

For each framework, a real app (lab/realapps.py) and the plain callable of the same interface are served in
turn by one worker (Gunicorn's sync worker for WSGI, Uvicorn for ASGI), each asked `REQUESTS` times; the
worker's PSS comes from /proc/PID/smaps_rollup. What the app adds is the difference. Loopback only.

    .venv/bin/python scripts/measure_app_memory.py
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.realapps import build  # noqa: E402
from lab.serving import (
    free_port,  # noqa: E402
    serving,  # noqa: E402
)

REQUESTS = 200
COMMANDS = {
    "wsgi": "gunicorn --workers 1 --bind 127.0.0.1:{port} {app}",
    "asgi": "uvicorn {app} --host 127.0.0.1 --port {port} --workers 1",
}
FRAMEWORKS = {
    "django": ("django-wsgi", "wsgi", "other-wsgi"),
    "flask": ("flask", "wsgi", "other-wsgi"),
    "fastapi": ("fastapi", "asgi", "other-asgi"),
    "starlette": ("starlette", "asgi", "other-asgi"),
}


GUNICORN_ASGI_WORKERS = ("asgi", "uvicorn_worker.UvicornWorker")


def worker_pss_mib(kind: str, command: str, forks: bool) -> float:
    """PSS of the process that serves `kind`'s app under `command`: the master's child where the server forks."""
    with tempfile.TemporaryDirectory(prefix="serverwise-memory-") as name:
        folder = Path(name)
        app = build(kind, folder)
        port = free_port()
        with serving(command.format(port=port, app=app), folder, port) as server:
            for _ in range(REQUESTS):
                server.get("/")
            pid = server.process.pid
            if forks:
                pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
            return _pss_kib(pid) / 1024


def _pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError(f"no Pss line for process {pid}")


def main() -> None:
    print(f"{'framework':<10} {'app worker PSS':>15} {'plain worker PSS':>17} {'app adds':>9}")
    for framework, (kind, interface, plain) in FRAMEWORKS.items():
        command, forks = COMMANDS[interface], interface == "wsgi"
        app, baseline = worker_pss_mib(kind, command, forks), worker_pss_mib(plain, command, forks)
        print(f"{framework:<10} {app:>12.1f} MiB {baseline:>13.1f} MiB {app - baseline:>5.1f} MiB")
    print(f"\n{'Gunicorn worker class':<30} {'PSS':>9}")
    for worker_class in GUNICORN_ASGI_WORKERS:
        command = f"gunicorn -k {worker_class} --workers 1 --bind 127.0.0.1:{{port}} {{app}}"
        print(f"{worker_class:<30} {worker_pss_mib('other-asgi', command, forks=True):>5.1f} MiB")


if __name__ == "__main__":
    main()
