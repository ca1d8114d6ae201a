"""The server's plan for the answers: how it serves the user's app, worked out once.

`plan_for(server, answers)` decides the interface, import path, workers, threads, worker class, protocols,
recycling, stop timings, packages, memory and the start command. The context of the templates, the start
command, the memory table and the reasons of the result page all read that one value. Pure: no request,
no settings, no ORM. Sources: docs/sources.md.
"""

import math
import shlex
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from decisions.answers import Answers, Carried
from decisions.appmodel import ASGI, WSGI, AppModel, app_model, speaks_http2_itself
from decisions.configs.carry import CONTAINER_DEPLOYS, CarriedRow, CarriedValues, Where, carry
from decisions.configs.paths import CERT_PATH, KEY_PATH
from decisions.contract import (
    DEPLOY,
    DJANGO,
    FASTAPI,
    FLASK,
    GRANIAN,
    GUNICORN,
    HIGH_CONCURRENCY,
    HTTP,
    HTTP1,
    HTTP3,
    HYPERCORN,
    STARLETTE,
    SYSTEMD,
    TLS,
    TLS_IN_APP,
    TRIO,
    UVICORN,
    UWSGI,
    WORKLOAD,
)
from decisions.domain import ServerInfo

DEFAULT_DEPLOY = SYSTEMD
ANY_ADDRESS = "0.0.0.0"
LOOPBACK = "127.0.0.1"
LOCAL_PROXIES = "127.0.0.1,::1"
# When docs/sources.md checked the servers' facts against these releases, and scripts/ measured their memory.
CHECKED_IN = "November 2026"
UVICORN_WORKER_PACKAGE = "uvicorn-worker"
# Hypercorn names its worker class and its pip extra for Trio after the library, as the asynclib answer does.
HYPERCORN_TRIO = TRIO
# The releases docs/sources.md checked, by pip package; the Dockerfile and README pin them. A server's package is
# named as its slug (decisions/contract.py), which is also the program its start command runs.
VERSIONS = {
    GUNICORN: "27.0.1",
    UVICORN_WORKER_PACKAGE: "0.4.0",
    UWSGI: "2.0.31",
    UVICORN: "0.54.0",
    HYPERCORN: "0.18.0",
    GRANIAN: "2.8.7",
}
SERVER_CONFIG_FILES = {GUNICORN: "gunicorn.conf.py", UWSGI: "uwsgi.ini", HYPERCORN: "hypercorn.toml"}
PRE_FORK_SERVERS = (GUNICORN, UWSGI)
# Threads per worker where requests are held open (long-polling, many slow connections, flask-sock's one
# thread per socket): the bundle states the capacity this gives, workers x threads.
HELD_THREADS = 32
HTTP2_THREADS = 4  # Gunicorn's sync worker speaks no HTTP/2: gthread with a few threads does
MAX_REQUESTS = 1000
MAX_REQUESTS_JITTER = 50
WORKERS_LIFETIME_SECONDS = 3600  # Granian has no max-requests; it accepts 60 s or more
GRACEFUL_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 30  # Gunicorn's timeout and uWSGI's harakiri, unless carried over
KEEPALIVE_SECONDS = 5  # Gunicorn's keepalive and Hypercorn's keep_alive_timeout, unless carried over
# Serving QUIC, Hypercorn 0.18 waits its whole graceful_timeout at every stop (its UDP loop misses the shutdown).
QUIC_GRACEFUL_SECONDS = 5
# What a supervisor waits after SIGTERM before SIGKILL: longer than the server's own graceful stop.
STOP_MARGIN_SECONDS = 10
# Kubernetes: endpoints are removed while preStop sleeps, so no new request reaches a stopping pod.
PRESTOP_SECONDS = 5
# A Gunicorn worker's PSS (MiB) where its class is not the sync worker that Server.memory_pss_mib measures:
# the Uvicorn worker from docs/sources.md (Memory), the asgi worker from scripts/measure_app_memory.py.
WORKER_CLASS_PSS_MIB = {"uvicorn_worker.UvicornWorker": Decimal("15.4"), "asgi": Decimal("15.2")}
# What the framework adds to one worker (PSS, MiB), measured by scripts/measure_app_memory.py with a minimal real
# app of each (a fresh startproject for Django): docs/sources.md.
FRAMEWORK_MIB = {
    DJANGO: Decimal("22.6"),
    FLASK: Decimal("10.5"),
    FASTAPI: Decimal("16.1"),
    STARLETTE: Decimal("2.5"),
}
# The user's own code and data per worker: an allowance, not a measurement; the README says how to measure yours.
APP_ALLOWANCE_MIB = 64
MASTER_MIB = 32  # measured: 15 (uWSGI) to 31 (Granian) MiB
MEMORY_STEP_MIB = 64


@dataclass(frozen=True)
class ServerPlan:
    server: ServerInfo
    app: AppModel
    deploy: str
    deploy_is_default: bool
    cores: int
    http: str  # the HTTP answer: http1 (also when unanswered), http2 or http3
    tls_answer: str  # proxy, app, or "" when unanswered
    interface: str  # wsgi or asgi: which of the app's callables the server runs
    app_path: str
    workers: int
    model: str  # "sync", "threaded" or "async"
    threads: int  # per worker; 1 unless threaded
    rule: str  # how the worker count was reached, for people
    worker_class: str  # Gunicorn or Hypercorn's; "" for the others
    host: str
    host_given: bool  # the user chose the bind address
    port: int
    http2: bool  # the server speaks HTTP/2 itself
    quic: bool
    tls_in_app: bool
    behind_proxy: bool  # the bundle puts nginx in front
    trusted_proxies: str
    max_requests: int  # 0: no request-count recycling
    max_requests_jitter: int
    workers_lifetime: int  # Granian; 0: none
    recycling: str  # what recycles workers, or why nothing does, for people
    graceful_seconds: int
    held_capacity: int  # requests or sockets held at once before others wait; 0 when not bounded by threads
    pip_packages: tuple[str, ...]
    memory_pss_mib: Decimal  # per worker, the server's own
    framework_mib: Decimal  # per worker, the framework's (0 where unmeasured: another framework)
    timeout: int  # Gunicorn's worker timeout, uWSGI's harakiri
    keepalive: int  # Gunicorn's keepalive, Hypercorn's keep_alive_timeout
    carried: Carried  # the settings carried over from the current server, as the share link gives them
    carried_values: CarriedValues  # what they become on this server
    answers: Answers  # what it was planned for: the other servers' plans for the same answers start from them

    def carried_number(self, key: str) -> int:
        """A carried setting's value as this server takes it; 0 when not carried or with no equivalent here."""
        return self.carried_values.numbers.get(key, 0)

    @property
    def migration(self) -> tuple[CarriedRow, ...]:
        return self.carried_values.rows

    @property
    def is_async(self) -> bool:
        return self.model == "async"

    @property
    def stop_timeout_seconds(self) -> int:
        return self.graceful_seconds + STOP_MARGIN_SECONDS

    @property
    def termination_grace_seconds(self) -> int:
        return PRESTOP_SECONDS + self.stop_timeout_seconds

    @property
    def measured_pss_mib(self) -> Decimal:
        return self.workers * self.memory_pss_mib

    @property
    def measured_mib(self) -> int:
        """measured_pss_mib to the nearest MiB, as the page shows it."""
        return int(self.measured_pss_mib.quantize(Decimal(1), ROUND_HALF_UP))

    @property
    def article_mib(self) -> int:
        return self.workers * self.server.memory_article_mib

    @property
    def memory_total_mib(self) -> Decimal:
        return self.workers * (self.memory_pss_mib + self.framework_mib + APP_ALLOWANCE_MIB) + MASTER_MIB

    @property
    def memory_limit_mib(self) -> int:
        return math.ceil(self.memory_total_mib / MEMORY_STEP_MIB) * MEMORY_STEP_MIB

    @property
    def memory_formula(self) -> str:
        framework = f" + {self.framework_mib} MiB for {self.app.label}" if self.framework_mib else ""
        return (
            f"{self.workers} × ({self.memory_pss_mib} MiB measured PSS{framework} + {APP_ALLOWANCE_MIB} MiB allowed for"
            f" your own code and data) + {MASTER_MIB} MiB for the master = {self.memory_total_mib} MiB,"
            f" rounded up to {self.memory_limit_mib} MiB"
        )

    @property
    def argv(self) -> list[str]:
        return start_argv(self)

    @property
    def start_command(self) -> str:
        return shlex.join(self.argv)


def deploy_target(answers: Answers) -> str:
    return answers.get(DEPLOY) or DEFAULT_DEPLOY


def plan_for(server: ServerInfo, answers: Answers) -> ServerPlan:
    slug = server.slug
    app = app_model(answers.choices, answers.app)
    deploy = deploy_target(answers)
    quic = slug == HYPERCORN and answers.get(HTTP) == HTTP3
    tls_in_app = answers.get(TLS) == TLS_IN_APP or quic
    behind_proxy = not tls_in_app
    in_container = deploy in CONTAINER_DEPLOYS
    interface = _interface(slug, app)
    waits = app.held_requests or answers.get(WORKLOAD) == HIGH_CONCURRENCY
    holds_threads = waits or (app.websockets and interface == WSGI)  # flask-sock: a thread per socket
    # Hypercorn offers h2 by ALPN wherever TLS ends in it (its default); the others only when asked.
    http2 = (speaks_http2_itself(answers.choices) and slug in (GUNICORN, HYPERCORN, GRANIAN)) or (
        slug == HYPERCORN and tls_in_app
    )
    cores = answers.cores

    if slug in PRE_FORK_SERVERS and interface == WSGI:
        workers, rule = 2 * cores + 1, f"2 × {cores} cores + 1 = {2 * cores + 1}"
        threads = HELD_THREADS if holds_threads else HTTP2_THREADS if (http2 and slug == GUNICORN) else 1
        model = "threaded" if threads > 1 else "sync"
    elif slug == GRANIAN and interface == WSGI:
        workers, rule = cores, f"1 worker per core: {cores}, each with a pool of blocking threads"
        threads, model = HELD_THREADS, "threaded"
    else:
        workers, rule = (
            (1, "1 worker: QUIC packets must all reach the same process")
            if quic
            else (cores, f"1 async worker per core: {cores}")
        )
        threads, model = 1, "async"
    if threads > 1:
        rule = f"{rule}, {threads} threads each"

    holds_connections = app.websockets or app.held_requests
    # Granian recycles by lifetime; Hypercorn's and Uvicorn's retiring workers leave gaps (docs/sources.md).
    recycles = not (holds_connections or slug in (GRANIAN, HYPERCORN, UVICORN))
    lifetime = WORKERS_LIFETIME_SECONDS if slug == GRANIAN and not holds_connections else 0
    worker_class = _worker_class(slug, app, interface, model, http2)
    max_requests = (answers.carried.number("max_requests") or MAX_REQUESTS) if recycles else 0
    recycling = _recycling(slug, app, max_requests, lifetime)
    carried = carry(
        slug,
        answers.carried,
        Where(deploy, worker_class, recycles, recycling, holds_connections, quic, behind_proxy),
    )
    return ServerPlan(
        server=server,
        app=app,
        deploy=deploy,
        deploy_is_default=answers.get(DEPLOY) is None,
        cores=cores,
        http=answers.get(HTTP) or HTTP1,
        tls_answer=answers.get(TLS) or "",
        interface=interface,
        app_path=app.path(interface),
        workers=workers,
        model=model,
        threads=threads,
        rule=rule,
        worker_class=worker_class,
        host=answers.host or (LOOPBACK if behind_proxy and not in_container else ANY_ADDRESS),
        host_given=bool(answers.host),
        port=answers.port,
        http2=http2,
        quic=quic,
        tls_in_app=tls_in_app,
        behind_proxy=behind_proxy,
        trusted_proxies="*" if in_container else LOCAL_PROXIES,
        max_requests=max_requests,
        max_requests_jitter=carried.numbers.get("max_requests_jitter", MAX_REQUESTS_JITTER) if recycles else 0,
        workers_lifetime=lifetime,
        recycling=recycling,
        graceful_seconds=QUIC_GRACEFUL_SECONDS if quic else carried.numbers.get("graceful_timeout", GRACEFUL_SECONDS),
        held_capacity=workers * threads if holds_threads else 0,
        pip_packages=_pip_packages(slug, app, worker_class, http2, quic),
        memory_pss_mib=WORKER_CLASS_PSS_MIB.get(worker_class, server.memory_pss_mib)
        if slug == GUNICORN
        else server.memory_pss_mib,
        framework_mib=FRAMEWORK_MIB.get(app.framework, Decimal(0)),
        timeout=carried.numbers.get("timeout", REQUEST_TIMEOUT_SECONDS),
        keepalive=carried.numbers.get("keepalive", KEEPALIVE_SECONDS),
        carried=answers.carried,
        carried_values=carried,
        answers=answers,
    )


def _interface(slug: str, app: AppModel) -> str:
    """The app's interface this server runs: uWSGI only WSGI; Uvicorn and Hypercorn ASGI where the app offers it
    (Django's ASGI handler gives each request its own thread, where their WSGI adapters have a small pool);
    Gunicorn and Granian the app's preferred one."""
    if slug == UWSGI:
        return WSGI
    if slug in (UVICORN, HYPERCORN):
        return ASGI if app.serves(ASGI) else WSGI
    return app.interfaces[0]


def _worker_class(slug: str, app: AppModel, interface: str, model: str, http2: bool) -> str:
    """Gunicorn: sync or gthread for WSGI; for ASGI its own `asgi` worker for Django (no extra package) and for
    HTTP/2, which the Uvicorn worker does not speak, else `uvicorn_worker.UvicornWorker` (uvloop and httptools).
    Hypercorn: trio for Trio code in an ASGI app that runs on Trio, else asyncio (its trio worker cannot host a
    WSGI app, nor Django's asyncio-only ASGI handler)."""
    if slug == HYPERCORN:
        return HYPERCORN_TRIO if app.trio and interface == ASGI and app.framework != DJANGO else "asyncio"
    if slug != GUNICORN:
        return ""
    if interface == WSGI:
        return "gthread" if model == "threaded" else "sync"
    return "asgi" if app.framework == DJANGO or http2 else "uvicorn_worker.UvicornWorker"


def _recycling(slug: str, app: AppModel, max_requests: int, lifetime: int) -> str:
    if app.websockets or app.held_requests:
        held = "open WebSockets" if app.websockets else "held requests"
        return (
            f"No recycling: replacing a worker would cut the {held} you asked for."
            + (" Watch memory instead (uWSGI: reload-on-rss)." if slug == UWSGI else "")
            + (
                " Granian can replace a worker above a memory limit instead: --workers-max-rss."
                if slug == GRANIAN
                else ""
            )
        )
    if slug == HYPERCORN:
        return (
            "No recycling: a Hypercorn 0.18 worker past max_requests stops accepting, and its replacement starts only"
            " once it has exited, which can take its whole graceful_timeout: with one worker, or several retiring"
            " together under even load, nothing would answer meanwhile."
        )
    if slug == UVICORN:
        return (
            "No recycling: one Uvicorn worker runs with no process that would start a new one, so"
            " --limit-max-requests would stop the server itself; with several, Uvicorn's supervisor starts a new"
            " worker only once the old one has died, and the workers retire together under even load: nothing"
            " would answer for seconds."
        )
    if lifetime:
        return f"Each worker is replaced after {lifetime} seconds (Granian has no max-requests setting)."
    return f"Each worker is replaced after about {max_requests} requests, so a slow leak cannot grow for ever."


def _pip_packages(slug: str, app: AppModel, worker_class: str, http2: bool, quic: bool) -> tuple[str, ...]:
    extensions = [extension.requirement for extension in app.extensions]
    if slug == GUNICORN:
        packages = [f"{GUNICORN}{'[http2]' if http2 else ''}=={VERSIONS[GUNICORN]}"]
        if worker_class == "uvicorn_worker.UvicornWorker":
            packages.append(f"{UVICORN_WORKER_PACKAGE}=={VERSIONS[UVICORN_WORKER_PACKAGE]}")
    elif slug == UVICORN:
        packages = [f"{UVICORN}[standard]=={VERSIONS[UVICORN]}"]
    elif slug == HYPERCORN:
        extras = [name for name, wanted in (("h3", quic), (HYPERCORN_TRIO, worker_class == HYPERCORN_TRIO)) if wanted]
        packages = [f"{HYPERCORN}{'[' + ','.join(extras) + ']' if extras else ''}=={VERSIONS[HYPERCORN]}"]
    else:
        packages = [f"{slug}=={VERSIONS[slug]}"]
    return tuple(packages + extensions)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def upstream_address(host: str, port: int) -> str:
    """Where nginx on the same machine reaches the app: loopback when the app listens on every address."""
    if host in ("0.0.0.0", "::", "localhost"):
        host = LOOPBACK
    return bind_address(host, port)


def start_argv(plan: ServerPlan) -> list[str]:
    """The command that starts the server from the folder holding the app and the bundle, as arguments."""
    slug = plan.server.slug
    if slug in SERVER_CONFIG_FILES:
        config = SERVER_CONFIG_FILES[slug]
        return {
            GUNICORN: [GUNICORN, "-c", config],
            UWSGI: [UWSGI, "--ini", config],
            HYPERCORN: [HYPERCORN, "-c", config, plan.app_path],
        }[slug]
    address = ["--host", plan.host, "--port", str(plan.port), "--workers", str(plan.workers)]
    if slug == UVICORN:
        argv = [UVICORN, plan.app_path, *address]
        if plan.interface == WSGI:
            argv += ["--interface", "wsgi"]
        argv += ["--proxy-headers", "--forwarded-allow-ips", plan.trusted_proxies]
        argv += ["--timeout-graceful-shutdown", str(plan.graceful_seconds)]
        argv += _carried_flags(plan, ("keepalive", "--timeout-keep-alive"), ("backlog", "--backlog"))
        return argv + (["--ssl-certfile", CERT_PATH, "--ssl-keyfile", KEY_PATH] if plan.tls_in_app else [])
    argv = [GRANIAN, "--interface", plan.interface, *address, "--http", "auto" if plan.http2 else "1"]
    if plan.interface == WSGI:
        argv += ["--blocking-threads", str(plan.threads)]
    argv += ["--ws"] if plan.app.websockets and plan.interface == ASGI else ["--no-ws"]
    if plan.workers_lifetime:
        argv += ["--workers-lifetime", str(plan.workers_lifetime)]
    argv += ["--workers-kill-timeout", str(plan.graceful_seconds), "--respawn-failed-workers", "--access-log"]
    argv += _carried_flags(plan, ("backlog", "--backlog"))
    if plan.tls_in_app:
        argv += ["--ssl-certificate", CERT_PATH, "--ssl-keyfile", KEY_PATH]
    return argv + [plan.app_path]


def _carried_flags(plan: ServerPlan, *flags: tuple[str, str]) -> list[str]:
    """The flags of the settings carried over that this server takes, as (canonical key, flag): none otherwise, so a
    bundle without carried settings keeps its command."""
    return [part for key, flag in flags if plan.carried_number(key) for part in (flag, str(plan.carried_number(key)))]
