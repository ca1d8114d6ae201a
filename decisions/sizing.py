"""How many workers the answers imply for a server, and what they cost in RAM. Pure functions."""

from dataclasses import dataclass
from decimal import Decimal

from decisions.answers import Answers
from decisions.criteria import ServerInfo

ASGI_FRAMEWORKS = {"fastapi", "starlette", "other-asgi"}
PRE_FORK_SERVERS = {"gunicorn", "uwsgi"}
THREADS_PER_WORKER = 4


@dataclass(frozen=True)
class WorkerPlan:
    workers: int
    model: str  # "sync", "threaded" or "async"
    threads: int
    rule: str  # how the count was reached, for people

    @property
    def is_async(self) -> bool:
        return self.model == "async"


@dataclass(frozen=True)
class MemoryEstimate:
    server: ServerInfo
    plan: WorkerPlan
    article_mib: int
    measured_pss_mib: Decimal


def needs_asgi(answers: Answers) -> bool:
    return (
        answers.get("async") == "yes"
        or answers.get("framework") in ASGI_FRAMEWORKS
        or answers.get("realtime") == "websockets"
        or answers.get("asynclib") == "trio"
    )


def speaks_http2_itself(answers: Answers) -> bool:
    """The app server negotiates HTTP/2 with clients (TLS ends in it), rather than a proxy in front of it."""
    return answers.get("http") == "http2" and answers.get("tls") == "app"


def worker_plan(server_slug: str, answers: Answers) -> WorkerPlan:
    """Gunicorn's rule: 2 x cores + 1 sync workers; one async worker per core (server facts, point 5)."""
    cores = answers.cores
    if server_slug not in PRE_FORK_SERVERS or (server_slug == "gunicorn" and needs_asgi(answers)):
        return WorkerPlan(cores, "async", 1, f"1 async worker per core: {cores}")
    workers = 2 * cores + 1
    rule = f"2 × {cores} cores + 1 = {workers}"
    waits_on_connections = answers.get("workload") == "high-concurrency" or answers.get("realtime") == "long-polling"
    # Gunicorn's sync worker cannot speak HTTP/2, yet still offers it by ALPN: HTTP/2 clients then fail.
    needs_http2_worker = server_slug == "gunicorn" and speaks_http2_itself(answers)
    if waits_on_connections or needs_http2_worker:
        return WorkerPlan(workers, "threaded", THREADS_PER_WORKER, f"{rule}, {THREADS_PER_WORKER} threads each")
    return WorkerPlan(workers, "sync", 1, rule)


def memory_estimate(server: ServerInfo, answers: Answers) -> MemoryEstimate:
    plan = worker_plan(server.slug, answers)
    return MemoryEstimate(
        server=server,
        plan=plan,
        article_mib=plan.workers * server.memory_article_mib,
        measured_pss_mib=plan.workers * server.memory_pss_mib,
    )
