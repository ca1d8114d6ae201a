"""A real app served from the bundle Serverwise hands out, for every class of plan in the whole answer space.

tests/scoring/test_answer_space.py sorts the plans of all 27 million answer sets into classes (server, interface,
extensions, worker, WebSockets, held requests, HTTP/2, HTTP/3, TLS); here each class's representative answers
go through the site as a user's would: /recommend.json gives the start command and the plan, /recommend/bundle.zip
the files. The answered framework's real app (lab/realapps.py) is built at the bundle's import path, the
command starts in that folder, and the server must: answer GET / from that framework (over TLS with h2 by
ALPN where it speaks HTTP/2 itself), echo a WebSocket where WebSockets are answered, not let a dozen held
requests block a fast one where long-polling or many connections are answered, answer HTTP/3 where asked, log
no ERROR, and stop on SIGTERM. Where TLS ends in the server, a throwaway pair stands in for the certificate.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from decisions.configs.paths import CERT_PATH, KEY_PATH
from decisions.configs.plan import MAX_REQUESTS, MAX_REQUESTS_JITTER
from lab import realapps
from lab.serving import free_port, serving, throwaway_tls_pair
from tests.support.downloads import downloaded_bundle, unpack
from tests.support.space import CLASSES, representatives

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HOLD_SECONDS = 3.0
REPRESENTATIVES = representatives(CLASSES)


def class_id(key: tuple) -> str:
    server, interface, extensions, worker_class, model, websockets, held, http2, quic, tls = key
    parts = [
        server,
        interface,
        *extensions,
        worker_class or model,
        "ws" if websockets else "",
        "held" if held else "",
        "h2" if http2 else "",
        "h3" if quic else "",
        "tls" if tls else "",
    ]
    return "-".join(part.replace(" ", "").replace("'", "") for part in parts if part)


def app_kind(features: dict[str, str], plan: dict) -> str:
    """The real app the answers describe, as the bundle serves it."""
    framework = features.get("framework", "")
    if framework == "django":
        return (
            "django-channels"
            if any(p.startswith("channels==") for p in plan["packages"])
            else f"django-{plan['interface']}"
        )
    return framework or f"other-{plan['interface']}"


def with_throwaway_tls(files: dict[str, str], command: str, folder: Path) -> tuple[dict[str, str], str]:
    cert, key = throwaway_tls_pair(folder)

    def stand_in(text: str) -> str:
        return text.replace(CERT_PATH, str(cert)).replace(KEY_PATH, str(key))

    return {name: stand_in(content) for name, content in files.items()}, stand_in(command)


@pytest.mark.parametrize("features", REPRESENTATIVES.values(), ids=[class_id(key) for key in REPRESENTATIVES])
def test_it_serves_the_real_app_from_the_bundle(client, features, tmp_path):
    port = free_port()
    result, files = downloaded_bundle(client, features, port)
    plan, command = result["plan"], result["start_command"]
    if plan["tls_in_app"]:
        files, command = with_throwaway_tls(files, command, tmp_path)
    unpack(files, tmp_path)
    kind = app_kind(features, plan)
    realapps.build(
        kind,
        tmp_path,
        plan["app"],
        websockets=features.get("realtime") == "websockets",
        async_views=features.get("async") == "yes",
    )

    with serving(command, tmp_path, port, tls=plan["tls_in_app"]) as server:
        answer = server.expect("/", realapps.hello(kind))
        assert answer.protocol == ("h2" if plan["http2"] else "http/1.1"), server.log
        if features.get("realtime") == "websockets":
            server.websocket_echo()
        if features.get("realtime") == "long-polling" or features.get("workload") == "high-concurrency":
            server.held_requests_do_not_block(count=12, seconds=HOLD_SECONDS)
        if plan["http3"]:
            assert server.get_h3("/").body.startswith(realapps.hello(kind)), server.log
        # A supervisor waits this long (systemd TimeoutStopSec, docker --stop-timeout): Gunicorn's worker that is
        # still booting when SIGTERM comes misses it, and the master kills it after graceful_timeout.
        stopped = server.stop(within=plan["stop_timeout_seconds"])
        assert stopped, f"still running {plan['stop_timeout_seconds']} s after SIGTERM:\n{server.log}"
    assert not [line for line in server.log.splitlines() if "ERROR" in line], server.log


def test_it_keeps_serving_past_the_request_limit_with_one_uvicorn_worker(client, tmp_path):
    """With one worker Uvicorn runs no supervising process, so --limit-max-requests would end the server itself,
    with exit status 0, which systemd's Restart=on-failure does not restart, nor does a plain `docker run`."""
    port = free_port()
    result, files = downloaded_bundle(client, {"framework": "fastapi", "async": "yes"}, port)
    assert (result["recommended"], result["plan"]["workers"]) == ("uvicorn", 1)
    unpack(files, tmp_path)
    realapps.build("fastapi", tmp_path, result["plan"]["app"])

    with serving(result["start_command"], tmp_path, port) as server:
        # Uvicorn checks its limit (with the jitter drawn again) every 0.1 s: twice the limit is well past it.
        for _ in range(2 * (MAX_REQUESTS + MAX_REQUESTS_JITTER)):
            server.expect("/", realapps.hello("fastapi"))


def plain_representative(server: str) -> dict[str, str]:
    """The first class's answers that recommend `server` with no WebSockets, held requests, HTTP/2, HTTP/3 or TLS."""
    for (slug, *_, websockets, held, http2, quic, tls), features in REPRESENTATIVES.items():
        if slug == server and not (websockets or held or http2 or quic or tls):
            return features
    raise LookupError(f"no plain class recommends {server}")


@pytest.mark.parametrize("server_slug", ["gunicorn", "uwsgi", "uvicorn", "hypercorn", "granian"])
def test_it_lets_an_open_request_finish_when_told_to_stop(client, server_slug, tmp_path):
    """What every deploy file's stop timeout promises (a deploy or a scale-down sends SIGTERM): a request under
    way when SIGTERM comes still gets its answer, and the server then stops within that timeout."""
    features = plain_representative(server_slug)
    port = free_port()
    result, files = downloaded_bundle(client, features, port)
    assert result["recommended"] == server_slug
    plan = result["plan"]
    unpack(files, tmp_path)
    kind = app_kind(features, plan)
    realapps.build(kind, tmp_path, plan["app"], async_views=features.get("async") == "yes")

    with serving(result["start_command"], tmp_path, port) as server:
        server.expect("/", realapps.hello(kind))  # every worker has its app loaded before the request is held
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(server.get, f"/hold/?seconds={HOLD_SECONDS:g}")
            time.sleep(1)  # the request reaches the app
            stopped = server.stop(within=plan["stop_timeout_seconds"])
            try:
                answer = held.result(timeout=plan["stop_timeout_seconds"])
            except Exception as error:  # the server cut the request off
                raise server.fail(f"the request held {HOLD_SECONDS:g} s was cut off by SIGTERM: {error!r}") from error
        assert (answer.status, answer.body) == (200, b"held"), server.log
        assert stopped, f"still running {plan['stop_timeout_seconds']} s after SIGTERM:\n{server.log}"
