"""Measures every server setup a bundle can produce, side by side, on each framework's real app: `make measure`.

For each framework and workload, the servers that fit the questionnaire's answers (decisions.scoring, from the
seed's criteria) are set up as their bundle sets them up: `plan_for` gives the start command and the server's
config file is rendered from the seed's templates, with one worker for every server (WORKERS). All of a group's
servers run at once, on the server cores; the load (wrk, or an asyncio WebSocket client) runs on the other
cores, and the rounds interleave, so load from elsewhere on a shared machine falls on every server alike. A run
writes one JSON file (decisions/measured.py reads it; docs/measuring.md says how to read it).
"""

import asyncio
import dataclasses
import importlib.metadata
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.client import connect as websocket_connect

from decisions.answers import Answers
from decisions.appmodel import WSGI
from decisions.configs.plan import SERVER_CONFIG_FILES, ServerPlan, plan_for
from decisions.configs.render import render_bundle, seed_templates
from decisions.contract import (
    DJANGO,
    FASTAPI,
    FLASK,
    FRAMEWORK,
    GUNICORN,
    HYPERCORN,
    LONG_POLLING,
    OTHER_ASGI,
    OTHER_WSGI,
    REALTIME,
    STARLETTE,
    UVICORN,
    WEBSOCKETS,
)
from decisions.domain import from_data
from decisions.measured import FORMAT, HELD, HELLO, IO, NOISY_LOAD_PER_CORE, WEBSOCKET
from decisions.scoring import rank
from decisions.seeding import default_criteria
from lab import realapps
from lab.proc import group_cpu_seconds, memory_kib, worker_pids
from lab.serving import NotServing, Server, free_port, serving

WORKERS = 1  # every server runs one worker: the figures compare servers, not how many workers each plan starts
# The bundles replace a Gunicorn or uWSGI worker after about 1,000 requests: one worker would restart 3 to 16 times in
# a 2 s run of the minimal response, and its figures would count restarts, whose number follows the request rate.
RECYCLING = (
    "off: no worker is replaced during the run (the bundles replace Gunicorn's and uWSGI's after about 1,000 requests)"
)
ROUNDS = 5
QUICK_ROUNDS = 3
WRK_THREADS = 2
TIMEOUT_SECONDS = 10  # a request unanswered this long counts as an error (wrk's --timeout)
WARM_UP_REQUESTS = 20
WEBSOCKET_OPEN_SECONDS = 5
WEBSOCKET_MESSAGE = "x" * 32
LOG_TAIL_LINES = 15
# After its run, a server may still work through requests its clients gave up on: the next server's run waits
# until it is idle, below IDLE_CPU of a core, or SETTLE_SECONDS at most.
IDLE_CPU = 0.1
SETTLE_SECONDS = 30
SERVER_STOP_SECONDS = 1  # the figures are taken: a server still holding requests is killed after 1 s
# A run begins once the machine is quiet (a load average the pages would not call noisy), or after this long: right
# after another run, the 1-minute load average still counts that run's last minute.
QUIET_WAIT_SECONDS = 240
CRITERIA = from_data(default_criteria())
TEMPLATES = seed_templates()
# The real app of each framework (lab/realapps.py). Django's project from startproject is one app with both wsgi.py
# and asgi.py (app_kind picks the kind whose module the server runs); with WebSockets, Channels routes them.
APPS = {
    DJANGO: "django-wsgi",
    FLASK: "flask",
    FASTAPI: "fastapi",
    STARLETTE: "starlette",
    OTHER_WSGI: "other-wsgi",
    OTHER_ASGI: "other-asgi",
}
VERSIONS_OF = (
    "gunicorn",
    "uvicorn-worker",
    "uWSGI",
    "uvicorn",
    "uvloop",
    "httptools",
    "Hypercorn",
    "granian",
    "Django",
    "channels",
    "Flask",
    "flask-sock",
    "fastapi",
    "starlette",
    "websockets",
)
# wrk's summary in one line: requests, microseconds, p50 and p99 in microseconds, requests that failed (no
# connection, a status of 400 or more, no answer in time), and reads or writes on a socket the server closed or reset.
WRK_SCRIPT = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.status + e.timeout, e.read + e.write))
end
"""


@dataclass(frozen=True)
class Workload:
    slug: str
    label: str
    answers: dict[str, str]  # the questionnaire's answers, beside the framework, that shape the bundle
    path: str
    connections: int  # open connections (or WebSockets) at once
    seconds: int  # per timed run
    client: str
    # A fresh server for each timed run: a server holding 1,000 requests with 32 threads still works through those
    # its clients gave up on (sleeping, so idle) half a minute later, and the next run would queue behind them.
    fresh_server: bool = False


WORKLOADS = {
    HELLO: Workload(HELLO, "the minimal response (GET /), 50 connections", {}, "/", 50, 2, "wrk"),
    IO: Workload(IO, "a view that waits 10 ms, 32 connections", {}, "/io/?seconds=0.01", 32, 2, "wrk"),
    HELD: Workload(
        HELD,
        "1,000 requests held 1 s each",
        {REALTIME: LONG_POLLING},
        "/io/?seconds=1",
        1000,
        6,
        "wrk",
        fresh_server=True,
    ),
    WEBSOCKET: Workload(
        WEBSOCKET,
        "a WebSocket echo over 100 open sockets",
        {REALTIME: WEBSOCKETS},
        "/ws/echo/",
        100,
        2,
        "asyncio client (websockets)",
    ),
}
# Django alone (served both ways, it meets all three claims); held requests keep their 6 s: in 3 s, 1,000 requests
# arriving at once have not yet been taken in by one Django worker on ASGI.
QUICK_FRAMEWORKS = (DJANGO,)
QUICK_WORKLOADS = {HELLO: 1, IO: 1, HELD: WORKLOADS[HELD].seconds}  # workload: seconds per timed run


@dataclass(frozen=True)
class Options:
    frameworks: tuple[str, ...] = tuple(APPS)
    workloads: tuple[Workload, ...] = tuple(WORKLOADS.values())
    servers: tuple[str, ...] = ()  # only these server slugs; () for every one that fits
    rounds: int = ROUNDS
    quiet_wait_seconds: float = QUIET_WAIT_SECONDS
    quick: bool = False


def quick_options() -> Options:
    workloads = tuple(dataclasses.replace(WORKLOADS[slug], seconds=s) for slug, s in QUICK_WORKLOADS.items())
    return Options(frameworks=QUICK_FRAMEWORKS, workloads=workloads, rounds=QUICK_ROUNDS, quick=True)


@dataclass(frozen=True)
class Placement:
    server_cpus: frozenset[int]
    load_cpus: frozenset[int]

    @property
    def pinned(self) -> bool:
        return bool(self.server_cpus)

    def describe(self) -> str:
        if not self.pinned:
            return "not pinned: one core, servers and load share it"
        return (
            f"servers on cores {_cores(self.server_cpus)}, load generator on cores {_cores(self.load_cpus)} (taskset)"
        )


def placement(cpus: Sequence[int]) -> Placement:
    """The load on the first half of the cores, the servers on the rest; on one core, nothing is pinned."""
    ordered = sorted(cpus)
    if len(ordered) < 2:
        return Placement(frozenset(), frozenset())
    half = len(ordered) // 2
    return Placement(frozenset(ordered[half:]), frozenset(ordered[:half]))


def _cores(cpus: frozenset[int]) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus))


@dataclass(frozen=True)
class Setup:
    framework: str
    app: str  # the real app's kind
    workload: Workload
    plan: ServerPlan
    config_file: str  # the server's config file from the bundle, "" when the command says it all
    config: str

    @property
    def server(self) -> str:
        return self.plan.server.slug

    @property
    def label(self) -> str:
        return setup_label(self.plan)

    def command(self, where: Placement) -> str:
        taskset = f"taskset -c {_cores(where.server_cpus)} " if where.pinned else ""
        return taskset + self.plan.start_command


def setup_label(plan: ServerPlan) -> str:
    """The server as its bundle sets it up: "gunicorn gthread 32 threads", "granian asgi", "uvicorn"."""
    slug = plan.server.slug
    if slug == GUNICORN:
        label = f"{slug} {plan.worker_class.removeprefix('uvicorn_worker.')}"
    elif slug == HYPERCORN:
        label = f"{slug} {plan.worker_class}"
    elif slug == UVICORN:
        label = slug + (" wsgi" if plan.interface == WSGI else "")
    else:
        label = f"{slug} {plan.interface}"
    return label + (f" {plan.threads} threads" if plan.threads > 1 else "")


def setups_for(framework: str, workload: Workload, servers: Sequence[str] = ()) -> list[Setup]:
    """Each server that fits the framework with the workload's answers, planned as its bundle plans it."""
    answers = Answers(choices={FRAMEWORK: framework, **workload.answers}, cores=1, host="127.0.0.1")
    ranking = rank(answers.choices, CRITERIA)
    found = []
    for result in ranking.results:
        if not result.eligible or (servers and result.server.slug not in servers):
            continue
        planned = plan_for(result.server, dataclasses.replace(answers, port=free_port()))
        plan = dataclasses.replace(
            planned,
            workers=WORKERS,
            rule=f"{WORKERS} worker: every server of the measuring run has {WORKERS}",
            held_capacity=WORKERS * planned.threads if planned.held_capacity else 0,
            max_requests=0,
            max_requests_jitter=0,
            workers_lifetime=0,
            recycling=f"Recycling {RECYCLING}",
        )
        config_file = SERVER_CONFIG_FILES.get(plan.server.slug, "")
        files = {f.filename: f.content for f in render_bundle(plan, ranking, TEMPLATES)} if config_file else {}
        app = app_kind(framework, workload, plan)
        found.append(Setup(framework, app, workload, plan, config_file, files.get(config_file, "")))
    return found


def app_kind(framework: str, workload: Workload, plan: ServerPlan) -> str:
    if framework != DJANGO:
        return APPS[framework]
    return "django-channels" if workload.slug == WEBSOCKET else f"django-{plan.interface}"


def baseline_of(setups: Sequence[Setup]) -> Setup:
    """Gunicorn where it serves the app over WSGI (its sync or gthread worker), else Uvicorn, else Gunicorn."""
    for wanted in (
        lambda s: s.server == GUNICORN and s.plan.interface == WSGI,
        lambda s: s.server == UVICORN,
        lambda s: s.server == GUNICORN,
    ):
        found = next((setup for setup in setups if wanted(setup)), None)
        if found:
            return found
    return setups[0]


# ---------------------------------------------------------------- load


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # requests that failed
    socket_errors: int = 0  # wrk: reads and writes on sockets the server closed, some after a whole answer

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(port: int, workload: Workload, script: Path) -> Load:
    command = [
        "wrk",
        f"-t{min(WRK_THREADS, workload.connections)}",
        f"-c{workload.connections}",
        f"-d{workload.seconds}s",
        f"--timeout={TIMEOUT_SECONDS}s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{workload.path}",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=workload.seconds + 60)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("RESULT ")), "")
    if not line:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()[-300:]}")
    requests, duration_us, p50_us, p99_us, errors, socket_errors = map(int, line.split()[1:])
    return Load(requests, duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, errors, socket_errors)


def websocket_echo_load(port: int, workload: Workload) -> Load:
    return asyncio.run(
        asyncio.wait_for(_echo_load(port, workload), WEBSOCKET_OPEN_SECONDS + workload.seconds + TIMEOUT_SECONDS)
    )


async def _echo_load(port: int, workload: Workload) -> Load:
    """Opens the sockets, then each sends a message and waits for its echo, again and again, until time is up."""
    uri = f"ws://127.0.0.1:{port}{workload.path}"
    opened = await asyncio.gather(
        *(
            websocket_connect(uri, open_timeout=WEBSOCKET_OPEN_SECONDS, close_timeout=1, compression=None)
            for _ in range(workload.connections)
        ),
        return_exceptions=True,
    )
    sockets = [websocket for websocket in opened if not isinstance(websocket, BaseException)]
    latencies: list[float] = []
    failures = [workload.connections - len(sockets)]
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + workload.seconds

    async def echo(websocket) -> None:
        try:
            while loop.time() < deadline:
                sent = time.perf_counter()
                await websocket.send(WEBSOCKET_MESSAGE)
                await asyncio.wait_for(websocket.recv(), TIMEOUT_SECONDS)
                latencies.append(time.perf_counter() - sent)
        except Exception:  # a closed socket, a timeout: this socket's error, the others go on
            failures[0] += 1

    await asyncio.gather(*(echo(websocket) for websocket in sockets))
    elapsed = loop.time() - started
    await asyncio.gather(*(websocket.close() for websocket in sockets), return_exceptions=True)
    p50, p99 = _percentiles(latencies)
    return Load(len(latencies), elapsed, p50 * 1e3, p99 * 1e3, failures[0])


def _percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def pss_per_worker_mib(main_pid: int) -> float:
    """The mean PSS of the server's workers, MiB; 0 when they cannot be read (the server ended meanwhile)."""
    try:
        workers = worker_pids(main_pid)
        return statistics.mean(memory_kib(pid)["Pss"] for pid in workers) / 1024
    except (OSError, ValueError, KeyError):
        return 0.0


def measured_run(server: Server, workload: Workload, script: Path, round_number: int) -> dict:
    """One timed run: the load, with the workers' PSS read halfway through it."""
    pss = [0.0]
    reader = threading.Timer(workload.seconds / 2, lambda: pss.__setitem__(0, pss_per_worker_mib(server.process.pid)))
    reader.start()
    try:
        load = (
            websocket_echo_load(server.port, workload)
            if workload.slug == WEBSOCKET
            else wrk(server.port, workload, script)
        )
    finally:
        reader.join()
    return {
        "round": round_number,
        "rps": round(load.rps, 1),
        "p50_ms": round(load.p50_ms, 2),
        "p99_ms": round(load.p99_ms, 2),
        "errors": load.errors,
        "socket_errors": load.socket_errors,
        "requests": load.requests,
        "pss_mib": round(pss[0], 1),
    }


# ---------------------------------------------------------------- a group: one framework, one workload


@dataclass
class Running:
    setup: Setup
    cell: dict
    server: Server | None = None
    runs: list[dict] = field(default_factory=list)


def measure_group(
    setups: list[Setup], rounds: int, where: Placement, script: Path, report: Callable[[str], None]
) -> list[dict]:
    baseline = baseline_of(setups)
    group = [Running(setup, _cell(setup, setup is baseline, where)) for setup in setups]
    if setups[0].workload.fresh_server:
        for round_number in range(rounds):
            for running in _in_turn(group, round_number):
                with ExitStack() as stack:
                    running.server = _started(running, stack, where)
                    if running.server:
                        _timed(running, round_number, script)
                        _check_alive(running)
    else:
        with ExitStack() as stack:
            for running in group:
                running.server = _started(running, stack, where)
            live = [running for running in group if running.server]
            for round_number in range(rounds):
                for running in _in_turn(live, round_number):
                    _timed(running, round_number, script)
                    settle(running.server.process.pid)
            for running in live:
                _check_alive(running)
    for running in group:
        report(_line(running, baseline))
    return [running.cell for running in group]


def _in_turn(group: list[Running], round_number: int) -> list[Running]:
    """The group in a rotated order: no server always goes first."""
    turn = round_number % len(group) if group else 0
    return group[turn:] + group[:turn]


def _check_alive(running: Running) -> None:
    if running.server.process.poll() is not None and not running.cell["error"]:
        running.cell["error"] = f"the server exited during the load ({running.server.process.returncode})"
        running.cell["log_tail"] = _tail(running.server.log)


def _cell(setup: Setup, baseline: bool, where: Placement) -> dict:
    return {
        "framework": setup.framework,
        "app": setup.app,
        "workload": setup.workload.slug,
        "server": setup.server,
        "setup": setup.label,
        "interface": setup.plan.interface,
        "baseline": baseline,
        "command": setup.command(where),
        "config_file": setup.config_file,
        "config": setup.config,
        "error": "",
        "log_tail": "",
        "runs": [],
    }


def _started(running: Running, stack: ExitStack, where: Placement) -> Server | None:
    setup = running.setup
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="serverwise-measure-")))
    try:
        realapps.build(setup.app, folder, setup.plan.app_path, websockets=setup.workload.slug == WEBSOCKET)
    except (ValueError, OSError, subprocess.CalledProcessError) as error:
        running.cell["error"] = f"the app could not be built: {type(error).__name__}: {error}"[:300]
        return None
    if setup.config_file:
        (folder / setup.config_file).write_text(setup.config)
    try:
        server = stack.enter_context(serving(setup.plan.start_command, folder, setup.plan.port, cpus=where.server_cpus))
        stack.callback(server.stop, SERVER_STOP_SECONDS)
        for _ in range(WARM_UP_REQUESTS):
            server.expect("/", realapps.hello(setup.app))
        if setup.workload.slug == WEBSOCKET:
            server.websocket_echo()
        return server
    except NotServing as error:
        running.cell["error"] = str(error).partition("\n")[0][:300]
        running.cell["log_tail"] = _tail(str(error).partition("--- server log ---\n")[2])
        return None


def _timed(running: Running, round_number: int, script: Path) -> None:
    try:
        running.cell["runs"].append(measured_run(running.server, running.setup.workload, script, round_number))
    except (RuntimeError, OSError, subprocess.TimeoutExpired, TimeoutError) as error:
        running.cell["error"] = f"round {round_number}: {type(error).__name__}: {error}"[:300]
        running.cell["log_tail"] = _tail(running.server.log)


def settle(group: int, step: float = 0.5) -> None:
    """Waits until the server's process group uses less than IDLE_CPU of a core, SETTLE_SECONDS at most."""
    deadline = time.monotonic() + SETTLE_SECONDS
    used = group_cpu_seconds(group)
    while time.monotonic() < deadline:
        time.sleep(step)
        now = group_cpu_seconds(group)
        if now - used < IDLE_CPU * step:
            return
        used = now


def _tail(log: str) -> str:
    return "\n".join(log.strip().splitlines()[-LOG_TAIL_LINES:])


def _line(running: Running, baseline: Setup) -> str:
    cell = running.cell
    where = f"{cell['framework']:10} {cell['workload']:9} {cell['setup']:34}"
    if not cell["runs"]:
        return f"{where} error: {cell['error']}"
    rps = [run["rps"] for run in cell["runs"]]
    errors = sum(run["errors"] for run in cell["runs"])
    mark = " (baseline)" if running.setup is baseline else ""
    return (
        f"{where} {statistics.median(rps):9.1f}/s ({min(rps):.0f}-{max(rps):.0f})"
        f"  p99 {statistics.median(r['p99_ms'] for r in cell['runs']):8.1f} ms  errors {errors}{mark}"
    )


# ---------------------------------------------------------------- the run


def run(options: Options, report: Callable[[str], None] = print) -> dict:
    """Measures every group the options name and returns the run's data, ready to write."""
    where = placement(sorted(os.sched_getaffinity(0)))
    if where.pinned:
        os.sched_setaffinity(0, where.load_cpus)  # this process, wrk and the WebSocket client run there
    wait_until_quiet(report, options.quiet_wait_seconds)
    started = datetime.now(UTC)
    load_before = uptime()
    report(
        f"Placement: {where.describe()}; {WORKERS} worker per server; {options.rounds} interleaved rounds;"
        f" recycling {RECYCLING}"
    )
    cells = []
    with tempfile.TemporaryDirectory(prefix="serverwise-wrk-") as tmp:
        script = Path(tmp, "summary.lua")
        script.write_text(WRK_SCRIPT)
        for framework in options.frameworks:
            for workload in options.workloads:
                setups = setups_for(framework, workload, options.servers)
                if setups:
                    cells += measure_group(setups, options.rounds, where, script, report)
    finished = datetime.now(UTC)
    return {
        "format": FORMAT,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds()),
        "host": socket.gethostname(),
        "quick": options.quick,
        "machine": machine(),
        "load": {"before": load_before, "after": uptime()},
        "python": platform.python_version(),
        "versions": versions(),
        "method": {
            "workers": WORKERS,
            "recycling": RECYCLING,
            "rounds": options.rounds,
            "placement": where.describe(),
            "criteria": "the seed's (decisions/seed/criteria.json) with cores=1, host 127.0.0.1, deploy systemd",
            "load_generator": f"{wrk_version()}, {WRK_THREADS} threads, --timeout {TIMEOUT_SECONDS}s; WebSockets:"
            f" an asyncio client (websockets {importlib.metadata.version('websockets')}), one message in flight"
            " per socket",
            "workloads": [
                {
                    "slug": w.slug,
                    "label": w.label,
                    "answers": w.answers,
                    "path": w.path,
                    "connections": w.connections,
                    "seconds": w.seconds,
                    "client": w.client,
                }
                for w in options.workloads
            ],
        },
        "cells": cells,
    }


def wait_until_quiet(
    report: Callable[[str], None], seconds: float = QUIET_WAIT_SECONDS, load=os.getloadavg, step: float = 5.0
) -> None:
    """Waits, `seconds` at most, until the 1-minute load average is no more than the pages call quiet."""
    quiet = NOISY_LOAD_PER_CORE * (os.cpu_count() or 1)
    deadline = time.monotonic() + seconds
    if load()[0] > quiet and seconds > 0:
        report(f"Waiting for a load average of {quiet:g} or less (now {load()[0]:.2f}), {seconds:g} s at most")
    while load()[0] > quiet and time.monotonic() < deadline:
        time.sleep(step)


def write(data: dict, folder: Path) -> Path:
    started = datetime.fromisoformat(data["started_at"])
    path = folder / f"{started:%Y-%m-%dT%H%MZ}-{data['host']}{'-quick' if data['quick'] else ''}.json"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "memory_gib": round(total_kib / 1024**2, 1),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", platform.system()),
        "kernel": platform.release(),
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def wrk_version() -> str:
    if not shutil.which("wrk"):
        return "wrk is not installed"
    finished = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (finished.stdout or finished.stderr).strip().splitlines()[0]


def versions() -> dict[str, str]:
    found = {}
    for name in VERSIONS_OF:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
