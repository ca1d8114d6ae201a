"""Throughput of the result page beside /health's on the same gunicorn, and SQL queries per page.

Run with `make benchmark` (it migrates and collects static files first). Prints figures; asserts nothing.
Requests go to 127.0.0.1 only, a fixed number of them, from a thread pool in this process.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle, islice, product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
FULL_ANSWERS = (
    "framework=fastapi&async=yes&realtime=websockets&http=http2&asynclib=asyncio&current=none"
    "&bottleneck=no&workload=high-concurrency&memory=tight&priority=proven&deploy=docker&tls=proxy"
)


def distinct_answers() -> list[str]:
    """Many different answer sets, so each request misses the rendered-result cache the first time."""
    combos = product(
        ["django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi"],
        ["no", "yes"],
        ["none", "websockets", "long-polling"],
        ["http1", "http2", "http3"],
        ["request-response", "high-concurrency", "minimal-logic"],
        ["1", "2", "4", "8"],
    )
    return [f"framework={f}&async={a}&realtime={r}&http={h}&workload={w}&cores={c}" for f, a, r, h, w, c in combos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            sys.exit("gunicorn exited before it served")
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not answer within 10 s")


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status


def throughput(urls: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(fetch, urls))
    elapsed = time.perf_counter() - started
    return len(urls) / elapsed, sum(status != 200 for status in statuses)


def queries_per_page() -> list[tuple[str, int, int]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from decisions import criteria

    client = Client(HTTP_HOST="localhost")
    rows = []
    for page in ("/", "/recommend/", "/recommend.json", "/servers/", "/health"):
        url = f"{page}?{FULL_ANSWERS}"
        criteria._memo.clear()
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as warm:
            client.get(url + "&cores=3")
        rows.append((page, len(cold), len(warm)))
    return rows


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": WORKERS}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(base, server)
        variants = distinct_answers()
        fetch(f"{base}/recommend/?{FULL_ANSWERS}")  # warm the criteria memo of each worker a little
        runs = [
            ("/health", [f"{base}/health"] * REQUESTS),
            ("/recommend/ same answers (cached render)", [f"{base}/recommend/?{FULL_ANSWERS}"] * REQUESTS),
            (
                "/recommend/ distinct answers (first render)",
                [f"{base}/recommend/?{q}" for q in islice(cycle(variants), REQUESTS)],
            ),
            (
                "/recommend.json distinct answers",
                [f"{base}/recommend.json?{q}" for q in islice(cycle(variants), REQUESTS)],
            ),
        ]
        print(
            f"gunicorn, {WORKERS} sync workers, {REQUESTS} requests per row, {CONCURRENCY} client threads, {os.cpu_count()} cores"
        )
        print(f"{'page':48} {'req/s':>8} {'errors':>7}")
        for name, urls in runs:
            rate, errors = throughput(urls)
            print(f"{name:48} {rate:8.0f} {errors:7d}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(f"{'page (all 12 questions answered)':48} {'queries cold':>12} {'warm':>6}")
    for page, cold, warm in queries_per_page():
        print(f"{page:48} {cold:12d} {warm:6d}")


if __name__ == "__main__":
    main()
