"""Serverwise beside a bare Django view, on the site's own deploy/gunicorn.conf.py, in one run; then checks the targets.

Run with `make benchmark` (it migrates and collects static files first). It serves the site and
scripts/bare_django.py with the same Gunicorn settings on free loopback ports, loads each row in turn with wrk
(or, when wrk is missing, a slower Python client, and says so), and repeats the rows in ROUNDS short
interleaved rounds: on a shared machine, load from elsewhere then falls on every row alike, and the ratios hold.
Then it counts SQL queries per page in-process and reads each worker's memory from /proc. It exits 1 when a
target fails. BENCH_ROUNDS, BENCH_SECONDS and BENCH_CONNECTIONS change the run.

Non-2xx counts what wrk counts as errors: statuses from 400 up, and failed connections, reads and writes;
before the clock runs, each row's URL must answer 200, so a redirect would stop the run instead.
"""

import http.client
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import batched, product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WRK_THREADS = 2
HEADERS = {"Accept-Encoding": "gzip, deflate, br"}  # what browsers send
HOT = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"
FULL_ANSWERS = (
    "framework=fastapi&async=yes&realtime=websockets&http=http2&asynclib=asyncio&current=none"
    "&bottleneck=no&workload=high-concurrency&memory=tight&priority=proven&deploy=docker&tls=proxy"
)
QUERY_PAGES = ("/", "/recommend/", "/recommend.json", "/recommend/configs/README.md", "/recommend/bundle.zip")

# wrk: each thread takes every WRK_THREADS-th path of its list, so no two requests of a row share answers.
WRK_SCRIPT = """
local paths, step, i = nil, 1, 0
function setup(thread) thread:set("id", (next_id or 0)); next_id = (next_id or 0) + 1 end
function init(args)
  if args[1] then
    paths, step, i = {}, tonumber(args[2]), id
    for line in io.lines(args[1]) do paths[#paths + 1] = line end
    function request()
      local path = paths[(i % #paths) + 1]
      i = i + step
      return wrk.format(nil, path)
    end
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass
class Row:
    name: str
    server: str  # "site" or "bare"
    path: str = ""  # a fixed path, or
    cold: str = ""  # the page whose cold answer sets a round takes
    requests: int = 0
    seconds: float = 0.0
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def cold_answer_sets() -> list[str]:
    """110,592 distinct valid answer sets: a benchmark row never meets one twice, so each is rendered anew."""
    combos = product(
        range(1, 257),
        ["django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi"],
        ["no", "yes"],
        ["none", "websockets", "long-polling"],
        ["http1", "http2", "http3"],
        ["systemd", "supervisor", "docker", "kubernetes"],
    )
    return [f"framework={f}&async={a}&realtime={r}&http={h}&deploy={d}&cores={c}" for c, f, a, r, h, d in combos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, *app: str) -> subprocess.Popen:
    """The site's own deploy/gunicorn.conf.py, as `make run` uses it; only the port differs."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", *app],
        cwd=ROOT,
        env=os.environ | {"HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the access log is written, and thrown away
    )


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_up(port: int, server: subprocess.Popen, path: str) -> None:
    for _ in range(150):
        if server.poll() is not None:
            sys.exit("gunicorn exited before it served")
        try:
            get(port, path)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not answer within 15 s")


def run_wrk(port: int, path: str, paths_file: str | None, script: str) -> tuple[int, float, float, float, int]:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", script]
    command += [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    command.append(f"http://127.0.0.1:{port}{path}")
    if paths_file:
        command += ["--", paths_file, str(WRK_THREADS)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, duration_us, p50_us, p99_us, errors = map(int, line.split()[1:])
    return requests, duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, errors


def run_python(port: int, paths: list[str]) -> tuple[int, float, float, float, int]:
    """The fallback client: CONNECTIONS threads for SECONDS, one new connection per request as wrk's with Gunicorn."""
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(10**9))
    deadline = time.perf_counter() + SECONDS

    def worker() -> None:
        while time.perf_counter() < deadline:
            path = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            try:
                ok = 200 <= get(port, path) < 300
            except OSError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cut = statistics.quantiles(latencies, n=100)
    return len(latencies), elapsed, cut[49] * 1e3, cut[98] * 1e3, errors[0]


def workers_memory(master: int) -> list[tuple[float, float]]:
    """(RSS, PSS) in MiB of each worker of a Gunicorn master, from /proc/PID/smaps_rollup."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    memory = []
    for pid in children:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        memory.append((int(fields["Rss"].split()[0]) / 1024, int(fields["Pss"].split()[0]) / 1024))
    return memory


def queries_per_page() -> list[tuple[str, int, int, int]]:
    """(page, queries after the criteria changed, for new answers, for answers seen before) in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    import django

    django.setup()  # before the imports below: they read the settings and the app registry
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from decisions import store

    client = Client(HTTP_HOST="localhost", headers=HEADERS)
    rows = []
    for page in (*QUERY_PAGES, "/servers/", "/health"):
        store.forget()
        cache.clear()
        counts = []
        for query in (FULL_ANSWERS, FULL_ANSWERS + "&cores=3", FULL_ANSWERS + "&cores=3"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(f"{page}?{query}").status_code == 200
            counts.append(len(captured))
        rows.append((page, *counts))
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 1024**2
    os_name = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {os_name}, Python {platform.python_version()}"


def main() -> None:
    import django
    import gunicorn

    from guide import settings

    site_port, bare_port = free_port(), free_port()
    site = start_gunicorn(site_port)
    bare = start_gunicorn(bare_port, "scripts.bare_django:application")
    wrk = shutil.which("wrk")
    rows = [
        Row("bare Django view, no middleware (ceiling)", "bare", path="/"),
        Row("/health", "site", path="/health"),
        Row("hot shared link /recommend/ (HTML)", "site", path=f"/recommend/?{HOT}"),
        Row("hot shared link /recommend.json", "site", path=f"/recommend.json?{HOT}"),
        Row("cold answer sets /recommend/ (HTML)", "site", cold="/recommend/"),
        Row("cold answer sets /recommend.json", "site", cold="/recommend.json"),
    ]
    ports = {"site": site_port, "bare": bare_port}
    cold_rows = [row for row in rows if row.cold]
    answer_sets = cold_answer_sets()
    sets = iter(batched(answer_sets, len(answer_sets) // (ROUNDS * len(cold_rows))))
    try:
        wait_until_up(site_port, site, "/health")
        wait_until_up(bare_port, bare, "/")
        for row in rows:
            for _ in range(10):  # every worker meets the hot links (and loads the criteria) before the clock runs
                status = get(ports[row.server], row.path or f"{row.cold}?{HOT}")
                if status != 200:
                    sys.exit(f"{row.name} answered {status}")
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp, "bench.lua")
            script.write_text(WRK_SCRIPT)
            for _ in range(ROUNDS):
                for row in rows:
                    # each cold row of each round takes answer sets of its own, which no other request has asked for
                    paths = [f"{row.cold}?{query}" for query in next(sets)] if row.cold else [row.path]
                    if wrk:
                        paths_file = None
                        if row.cold:
                            paths_file = str(Path(tmp, "paths.txt"))
                            Path(paths_file).write_text("\n".join(paths) + "\n")
                        result = run_wrk(ports[row.server], paths[0], paths_file, str(script))
                    else:
                        result = run_python(ports[row.server], paths)
                    requests, seconds, p50, p99, errors = result
                    if row.cold and requests > len(paths):
                        sys.exit(
                            f"{row.name}: {requests} requests for {len(paths)} answer sets; use fewer BENCH_SECONDS"
                        )
                    row.requests += requests
                    row.seconds += seconds
                    row.p50s.append(p50)
                    row.p99s.append(p99)
                    row.errors += errors
        memory = {name: workers_memory(server.pid) for name, server in (("site", site), ("bare", bare))}
    finally:
        for server in (site, bare):
            server.terminate()
            server.wait(timeout=30)

    queries = queries_per_page()
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    client = f"wrk, {WRK_THREADS} threads" if wrk else "wrk is not installed: Python client (slower; read ratios only)"
    print(f"Machine: {machine()}")
    print(
        f"Django {django.__version__}, Gunicorn {gunicorn.__version__} with deploy/gunicorn.conf.py "
        f"({len(memory['site'])} sync workers), {database}"
    )
    print(
        f"Load: {client}, {CONNECTIONS} connections, loopback, Accept-Encoding: gzip; "
        f"{ROUNDS} interleaved rounds of {SECONDS} s per row"
    )
    print("p50 and p99 are the median over the rounds.")
    print()
    bare_row, health_row, hot, hot_json, cold, cold_json = rows
    health = health_row.rate
    print(f"{'row':44} {'req/s':>7} {'x /health':>9} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
    for row in rows:
        print(
            f"{row.name:44} {row.rate:7.0f} {row.rate / health:9.2f} {statistics.median(row.p50s):7.1f} "
            f"{statistics.median(row.p99s):7.1f} {row.errors:8d}"
        )
    print()
    print(f"{'SQL queries per page (12 answers)':36} {'criteria changed':>16} {'new answers':>12} {'seen before':>12}")
    for page, changed, new, seen in queries:
        print(f"{page:36} {changed:16d} {new:12d} {seen:12d}")
    print()
    for name, label in (("site", "Serverwise"), ("bare", "bare Django")):
        per_worker = ", ".join(f"{rss:.1f} / {pss:.1f}" for rss, pss in memory[name])
        print(f"Memory per worker, RSS / PSS MiB, {label}: {per_worker}")
    print()

    def against_health(row, ratio: float, p99_ms: float | None = None) -> tuple[str, bool, str]:
        p99 = statistics.median(row.p99s)
        label = f"{row.name} >= {ratio}x /health" + (f", p99 <= {p99_ms:g} ms" if p99_ms else "")
        passed = row.rate >= ratio * health and (p99_ms is None or p99 <= p99_ms)
        return label, passed, f"{row.rate / health:.2f}x, {p99:.1f} ms"

    bare_ratio = health_row.rate / bare_row.rate
    most_queries = max(max(new, seen) for _, _, new, seen in queries)
    checks = [
        ("/health >= 0.7x the bare view", bare_ratio >= 0.7, f"{bare_ratio:.2f}x"),
        *(against_health(row, 0.9, 30) for row in (hot, hot_json)),
        against_health(cold, 0.12, 60),
        against_health(cold_json, 0.25),
        ("no non-2xx responses", not any(row.errors for row in rows), f"{sum(row.errors for row in rows)}"),
        (
            "<= 1 SQL query per page while the criteria are unchanged",
            most_queries <= 1,
            f"at most {most_queries}",
        ),
    ]
    for name, passed, figure in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {figure}")
    if not all(passed for _, passed, _ in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
