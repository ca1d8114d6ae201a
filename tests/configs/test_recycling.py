"""Workers replaced under load by the bundle's own recycling settings: the server must keep answering.

Each server starts from its bundle with the bundle's start command, on the real app of the answered framework.
Clients that keep their connections open send requests until a worker has been replaced (a process of the
server's group gone and a new one there) and for a while after; no stretch longer than LONGEST_GAP_SECONDS may
pass without an answer. A plan that does not recycle gets twice the requests that would have recycled it, and no
worker may be replaced.
"""

import http.client
import itertools
import threading
import time
from dataclasses import dataclass, field

import pytest

from decisions.configs.plan import MAX_REQUESTS, MAX_REQUESTS_JITTER, ServerPlan
from lab import realapps
from lab.serving import Server, free_port, serving
from tests.support.bundles import bundle, plan

pytestmark = pytest.mark.slow

# Answers whose plan for the server recycles its workers, or would without the reasons the plan gives.
ANSWERS = {
    "gunicorn": {"framework": "flask", "cores": 1},
    "uwsgi": {"framework": "flask", "cores": 1},
    "hypercorn": {"framework": "flask", "cores": 1},
    "uvicorn": {"framework": "fastapi", "async": "yes", "cores": 2},
    "granian": {"framework": "flask", "cores": 1},
}
CLIENTS = 8
LONGEST_GAP_SECONDS = 2.0
AFTER_REPLACEMENT_SECONDS = 2.0
ANSWER_TIMEOUT_SECONDS = 60.0  # longer than any graceful timeout: a stalled answer shows as a gap
DEADLINE_SECONDS = 120.0
GRANIAN_SHORTEST_LIFETIME = 60  # Granian refuses less (granian/server/common.py); the bundle's is an hour
PACE_SECONDS = 0.05  # between a client's requests where time, not requests, recycles: the load only watches
SERVERS = list(ANSWERS)


@dataclass
class Load:
    answered: list[float] = field(default_factory=list)  # time.monotonic() of each answer
    statuses: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0
    replaced: bool = False

    def longest_gap(self) -> float:
        moments = [self.started, *sorted(self.answered), self.ended]
        return max(later - earlier for earlier, later in itertools.pairwise(moments))


def recycled_bundle(server_slug: str, port: int) -> tuple[ServerPlan, dict[str, str], str]:
    answers = ANSWERS[server_slug] | {"host": "127.0.0.1", "port": port}
    server_plan = plan(server_slug, **answers)
    command = server_plan.start_command
    if server_plan.workers_lifetime:
        command = command.replace(
            f"--workers-lifetime {server_plan.workers_lifetime}", f"--workers-lifetime {GRANIAN_SHORTEST_LIFETIME}"
        )
    return server_plan, bundle(server_slug, **answers), command


def keep_asking(port: int, load: Load, stop: threading.Event, pace: float) -> None:
    """GET / over one kept-alive connection, again and again; a new connection when the server closes it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_TIMEOUT_SECONDS)
    while not stop.is_set():
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:  # a kept-alive connection the server closed
            load.errors.append(type(error).__name__)
            connection.close()
            stop.wait(0.01)
            continue
        load.answered.append(time.monotonic())
        load.statuses.add(response.status)
        stop.wait(pace)
    connection.close()


def drive(server: Server, server_plan: ServerPlan) -> Load:
    """Load until a worker is replaced and AFTER_REPLACEMENT_SECONDS more, or, where the plan does not recycle,
    until twice the requests that would have recycled every worker."""
    recycles = bool(server_plan.max_requests or server_plan.workers_lifetime)
    enough = 2 * server_plan.workers * (MAX_REQUESTS + MAX_REQUESTS_JITTER)
    pace = PACE_SECONDS if server_plan.workers_lifetime else 0.0
    before = server.processes()
    load, stop = Load(), threading.Event()
    clients = [threading.Thread(target=keep_asking, args=(server.port, load, stop, pace)) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    replaced_at, deadline = 0.0, load.started + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        now = server.processes()
        if not replaced_at and now - before and before - now:
            replaced_at = time.monotonic()
        if (recycles and replaced_at and time.monotonic() - replaced_at > AFTER_REPLACEMENT_SECONDS) or (
            not recycles and len(load.answered) >= enough
        ):
            break
        time.sleep(0.1)
    stop.set()
    for client in clients:
        client.join(ANSWER_TIMEOUT_SECONDS + 5)
    load.ended, load.replaced = time.monotonic(), bool(replaced_at)
    return load


@pytest.mark.parametrize("server_slug", SERVERS)
def test_it_keeps_answering_while_a_worker_is_replaced(server_slug, tmp_path):
    port = free_port()
    server_plan, files, command = recycled_bundle(server_slug, port)
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    kind = server_plan.app.framework
    realapps.build(kind, tmp_path, server_plan.app_path)

    with serving(command, tmp_path, port) as server:
        server.expect("/", realapps.hello(kind))
        time.sleep(0.5)  # every worker is up before the processes are counted
        load = drive(server, server_plan)
    summary = (
        f"{len(load.answered)} answers in {load.ended - load.started:.1f} s, {len(load.errors)} closed connections,"
        f" longest gap {load.longest_gap():.1f} s"
    )
    print(f"{server_slug}: {summary}")
    log = "\n".join(line for line in server.log.splitlines() if '"GET / ' not in line)[-3000:]
    recycles = bool(server_plan.max_requests or server_plan.workers_lifetime)
    assert load.replaced == recycles, f"worker replaced: {load.replaced}; {summary}\n{log}"
    assert load.statuses == {200}, summary
    assert load.longest_gap() <= LONGEST_GAP_SECONDS, f"{summary}\n{log}"
