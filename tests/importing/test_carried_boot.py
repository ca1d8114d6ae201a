"""Real files of the corpus, read, turned into a share link and served from the bundle that link downloads: each
carried setting is seen on the running server. A request that outlives the carried timeout is cut off; a worker is
replaced after the carried number of requests (its pid changes); a header over the carried size gets a 4xx; the
environment variables of the bundle's supervisor program reach the app. Each file's answers (current=...)
recommend the server it runs today, so uWSGI serves the uwsgi.ini links and Gunicorn the gunicorn.conf.py's."""

import http.client
import io
import time
import zipfile
from configparser import RawConfigParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from supervisor.datatypes import dict_of_key_value_pairs

from decisions.setups import read_setup
from decisions.setups.share import share_query
from lab import realapps
from lab.serving import CLIENT_SECONDS, free_port, serving

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CORPUS = Path(__file__).resolve().parent / "corpus"
SLACK_SECONDS = 4  # how much later than the timeout a killed request may end: the master checks once a second


def share_link(corpus_file: str, port: int, **answered: str) -> str:
    """The share link of a corpus file's reading, with what the user answered besides, served on 127.0.0.1:port."""
    path = CORPUS / corpus_file
    query, _ = share_query(read_setup([(path.name, path.read_text())]))
    pairs = [(name, value) for name, value in parse_qsl(query) if name not in ("host", "port", *answered)]
    return urlencode([*pairs, *answered.items(), ("host", "127.0.0.1"), ("port", str(port))])


def downloaded(client, query: str, folder: Path) -> dict:
    """/recommend.json's result for the link, with /recommend/bundle.zip unpacked in `folder`."""
    result = client.get(f"/recommend.json?{query}").json()
    response = client.get(result["bundle_url"])
    assert response.status_code == 200, response.content
    prefix = f"serverwise-{result['recommended']}/"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            target = folder / name.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    return result


def outlives(port: int, seconds: float) -> tuple[bool, float]:
    """Whether GET /hold/?seconds=N was answered, and after how long."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 30)
    try:
        connection.request("GET", f"/hold/?seconds={seconds}")
        answered = connection.getresponse().status == 200
    except (http.client.RemoteDisconnected, ConnectionResetError):
        answered = False
    finally:
        connection.close()
    return answered, time.monotonic() - started


def status_with_header(port: int, size: int) -> int:
    """The status of GET / with a header of `size` bytes; 0 when the server closed the connection unanswered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_SECONDS)
    try:
        connection.request("GET", "/", headers={"X-Carried": "a" * size})
        return connection.getresponse().status
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return 0
    finally:
        connection.close()


def supervisor_environment(program: str) -> dict[str, str]:
    """The environment= of the bundle's supervisor program, as supervisord reads it (its own parser)."""
    parser = RawConfigParser(inline_comment_prefixes=(";", "#"))
    parser.read_string(program)
    return dict_of_key_value_pairs(parser["program:app"]["environment"])


def test_it_carries_a_uwsgi_ini_s_harakiri_and_buffer_size(client, tmp_path):
    # healthchecks' uwsgi.ini: harakiri = 10, buffer-size = 32768; its answers (current=uwsgi) recommend uWSGI
    port = free_port()
    result = downloaded(client, share_link("healthchecks__healthchecks/docker/uwsgi.ini", port), tmp_path)
    assert result["recommended"] == "uwsgi"
    assert result["answers"]["timeout"] == 10 and result["answers"]["limit_request_field_size"] == 32768
    realapps.build("django-wsgi", tmp_path, result["plan"]["app"])

    with serving(result["start_command"], tmp_path, port) as server:
        server.expect("/", realapps.hello("django-wsgi"))
        assert status_with_header(port, 30000) == 200, server.log
        # uWSGI answers a request over its buffer-size with nothing: it logs it and closes the connection.
        assert status_with_header(port, 40000) == 0, server.log
        assert "invalid HTTP request size (max 32768)" in server.log
        assert outlives(port, 2) == (True, pytest.approx(2, abs=1.5)), server.log
        answered, seconds = outlives(port, 10 + 2 * SLACK_SECONDS)
        assert not answered and 10 - 1 <= seconds <= 10 + SLACK_SECONDS, (seconds, server.log)
        assert "HARAKIRI triggered" in server.log


def test_it_carries_a_gunicorn_conf_py_s_timeout_and_max_requests(client, tmp_path):
    # Portal-de-Revistas' gunicorn.conf.py: workers = 3, timeout = 30, max_requests = 1000
    port = free_port()
    link = share_link("VictorVergara01__Portal-de-Revistas/gunicorn.conf.py", port, deploy="supervisor")
    result = downloaded(client, link, tmp_path)
    assert result["recommended"] == "gunicorn"
    plan = result["plan"]
    assert plan["workers"] == 3 and plan["max_requests"] == 1000
    realapps.build("other-wsgi", tmp_path, plan["app"])

    with serving(result["start_command"], tmp_path, port) as server:
        server.expect("/", realapps.hello("other-wsgi"))
        first = {server.get("/pid/").body for _ in range(30)}
        seen = set(first)
        for _ in range(plan["workers"] * (plan["max_requests"] + plan["max_requests_jitter"]) + 30):
            seen.add(server.get("/pid/").body)
        assert len(seen) > plan["workers"], (sorted(seen), server.log)  # a worker was replaced by a new one
        answered, seconds = outlives(port, 30 + 2 * SLACK_SECONDS)
        assert not answered and 30 - 1 <= seconds <= 30 + SLACK_SECONDS, (seconds, server.log)
        assert "WORKER TIMEOUT" in server.log


def test_it_carries_a_uwsgi_ini_s_environment_into_the_supervisor_program(client, tmp_path):
    # searxng's uwsgi.ini: env = LANG=C.UTF-8, LANGUAGE=C.UTF-8, LC_ALL=C.UTF-8; buffer-size = 8192
    port = free_port()
    searxng = "searxng__searxng/utils/templates/etc/uwsgi/apps-available/searxng.ini"
    link = share_link(searxng, port, deploy="supervisor")
    result = downloaded(client, link, tmp_path)
    assert result["recommended"] == "uwsgi"
    environment = supervisor_environment((tmp_path / "supervisor.conf").read_text())
    assert {name: environment[name] for name in ("LANG", "LANGUAGE", "LC_ALL")} == dict.fromkeys(
        ("LANG", "LANGUAGE", "LC_ALL"), "C.UTF-8"
    )
    realapps.build("other-wsgi", tmp_path, result["plan"]["app"])
    del environment["PATH"]  # the virtualenv of a VM: here the test's own interpreter is on PATH already

    with serving(result["start_command"], tmp_path, port, environment=environment) as server:
        for name in ("LANG", "LANGUAGE", "LC_ALL"):
            assert server.get(f"/env/?name={name}").body == b"C.UTF-8", server.log
        # buffer-size bounds the request line and every header together
        assert status_with_header(port, 7500) == 200, server.log
        assert status_with_header(port, 9000) == 0, server.log
        assert "invalid HTTP request size (max 8192)" in server.log
