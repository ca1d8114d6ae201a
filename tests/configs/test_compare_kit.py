"""compare.py, the kit in every bundle that measures the user's own app under each server that fits.

The quick tests load a rendered compare.py as a module: it carries this server and the runners-up that fit, each
as its own bundle starts it, skips what is not installed with its pip line, and passes its validator. The slow
ones download bundles through the site, unpack them beside a real app and run `python compare.py` there, as a
user would, with the servers of this virtualenv; and they check that its built-in client counts every answer the
server's access log shows, no more and no less. Its req/s beside wrk's is a speed figure, measured side by side by
`make benchmark` (scripts/kit_client_benchmark.py), not here.
"""

import importlib.util
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from decisions.configs.plan import SERVER_CONFIG_FILES, plan_for
from decisions.configs.validate import validate
from decisions.scoring import rank
from lab import realapps
from lab.serving import free_port, server_environment, serving
from tests.support.bundles import CRITERIA, answers, bundle
from tests.support.downloads import downloaded_bundle, unpack

RUN_SECONDS = 120
# A short run measures a worker's restart instead of the server where a plan recycles workers after so many
# requests (Gunicorn, uWSGI, Hypercorn: 1000). Held requests turn recycling off in every plan.
NO_RECYCLING = {"realtime": "long-polling"}
CLIENT_CONNECTIONS = 8
CLIENT_SECONDS = 2
ACCESS_LINE = '"GET / HTTP/1.1" 200'  # Uvicorn's access log: a line per answer it sent


def kit(tmp_path: Path, server: str, **choices) -> ModuleType:
    """The server's compare.py for the answers, loaded as a module (its main() does not run)."""
    (tmp_path / "compare.py").write_text(bundle(server, **choices)["compare.py"])
    return kit_in(tmp_path)


def kit_in(folder: Path) -> ModuleType:
    """The compare.py in `folder`, loaded as a module."""
    spec = importlib.util.spec_from_file_location("compare", folder / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("framework", ["django", "flask", "fastapi"])
def test_it_carries_the_recommended_server_then_the_runners_up_that_fit_as_their_bundles_start_them(
    tmp_path, framework
):
    given = answers(framework=framework, cores=1)
    ranking = rank(given.choices, CRITERIA)
    fitting = [result.server for result in ranking.results if result.eligible]

    servers = kit(tmp_path, fitting[0].slug, framework=framework, cores=1).SERVERS

    assert [server.slug for server in servers] == [server.slug for server in fitting]
    assert [server.recommended for server in servers] == [True] + [False] * (len(fitting) - 1)
    for server, info in zip(servers, fitting, strict=True):
        plan = plan_for(info, given)
        assert server.argv == plan.argv
        assert server.pip_install == shlex.join(plan.pip_packages)
        assert (server.address, server.workers, server.tls) == ("127.0.0.1:8000", plan.workers, False)
        own_bundle = bundle(info.slug, framework=framework, cores=1)
        assert server.config_text == own_bundle.get(SERVER_CONFIG_FILES.get(info.slug), "")


def test_it_leaves_out_the_servers_the_answers_rule_out_but_keeps_its_own(tmp_path):
    ruled_out = {result.server.slug for result in rank({"framework": "fastapi"}, CRITERIA).ineligible}
    assert ruled_out == {"uwsgi"}

    servers = kit(tmp_path, "uwsgi", framework="fastapi").SERVERS

    assert servers[0].slug == "uwsgi"
    assert "uwsgi" not in [server.slug for server in servers[1:]]


def test_it_carries_the_tls_settings_where_tls_ends_in_the_server(tmp_path):
    servers = kit(tmp_path, "hypercorn", framework="fastapi", tls="app").SERVERS

    assert all(server.tls for server in servers)
    assert "certfile = " in servers[0].config_text


def test_it_skips_a_server_that_is_not_installed_with_the_line_that_installs_it(tmp_path, monkeypatch, capsys):
    compare = kit(tmp_path, "gunicorn", framework="flask")
    empty = tmp_path / "no-servers-here"
    empty.mkdir()
    monkeypatch.setattr(compare, "search_path", lambda: str(empty))
    monkeypatch.setattr(sys, "argv", ["compare.py", "--json", "--servers", "gunicorn,granian"])

    assert compare.main() == 1

    said = capsys.readouterr()
    assert json.loads(said.out) == []
    assert "Gunicorn: skipped, not installed. Install it with: pip install gunicorn==27.0.1" in said.err
    assert "Granian: skipped, not installed. Install it with: pip install granian==2.8.7" in said.err


def test_it_refuses_a_server_it_does_not_carry(tmp_path, monkeypatch, capsys):
    compare = kit(tmp_path, "uvicorn", framework="fastapi")
    monkeypatch.setattr(sys, "argv", ["compare.py", "--servers", "uwsgi"])

    with pytest.raises(SystemExit):
        compare.parse_arguments()

    assert "choose among uvicorn,gunicorn,hypercorn,granian, not 'uwsgi'" in capsys.readouterr().err


def test_it_prints_a_table_with_n_a_for_memory_where_proc_has_none(tmp_path):
    compare = kit(tmp_path, "gunicorn", framework="flask")
    results = [
        compare.Result("gunicorn", 1234.5, 4.2, 12.75, 0, 18.6),
        compare.Result("granian", 5678.9, 1.3, 4.05, 2, None),
    ]

    lines = compare.table(results).splitlines()

    assert lines[0].split() == ["server", "workers", "req/s", "p50", "ms", "p99", "ms", "errors", "PSS/worker", "MiB"]
    assert lines[1].split() == ["Gunicorn", "(recommended)", "5", "1,234.5", "4.20", "12.75", "0", "18.6"]
    assert lines[2].split() == ["Granian", "2", "5,678.9", "1.30", "4.05", "2", "n/a"]
    assert len({len(line) for line in lines}) == 1  # the columns line up


def test_its_validator_passes_it_and_fails_it_when_it_needs_more_than_the_standard_library():
    content = bundle("granian", framework="fastapi")["compare.py"]

    assert validate("compare.py", content).ok
    verdict = validate("compare.py", content.replace("import argparse\n", "import argparse\nimport httpx\n"))
    assert not verdict.ok
    assert verdict.messages == (
        "python compare.py --help failed without site-packages: ModuleNotFoundError: No module named 'httpx'",
    )


def run_compare(folder: Path, *arguments: str, path: str | None = None) -> list[dict]:
    """`python compare.py ARGUMENTS` in `folder`, with this virtualenv's Python; its JSON table."""
    environment = server_environment(folder) | ({"PATH": path} if path is not None else {})
    finished = subprocess.run(
        [sys.executable, "compare.py", "--json", *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def app_from_bundle(client, framework: str, extra: dict[str, str], folder: Path) -> dict:
    """The framework's real app in `folder`, beside the files of its downloaded bundle; /recommend.json's result."""
    result, files = downloaded_bundle(client, {"framework": framework} | extra, free_port())
    unpack(files, folder)
    kind = f"django-{result['plan']['interface']}" if framework == "django" else framework  # both, from startproject
    realapps.build(kind, folder, result["plan"]["app"])
    return result


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("framework", ["django", "flask", "fastapi"])
def test_it_measures_the_real_app_under_every_fitting_server_from_the_downloaded_bundle(client, framework, tmp_path):
    result = app_from_bundle(client, framework, NO_RECYCLING, tmp_path)
    fitting = [row["server"] for row in result["ranking"] if row["eligible"]]

    table = run_compare(tmp_path, "--seconds", "2")

    assert [row["server"] for row in table] == fitting
    for row in table:
        assert set(row) == {"server", "rps", "p50_ms", "p99_ms", "errors", "pss_mib_per_worker"}
        assert row["rps"] > 0 and row["errors"] == 0, row
        assert 0 < row["p50_ms"] <= row["p99_ms"], row
        assert row["pss_mib_per_worker"] > 5, row  # a Python process with its framework loaded


@pytest.mark.slow
@pytest.mark.django_db
def test_its_built_in_client_counts_every_answer_the_real_server_gave_and_nothing_else(client, tmp_path):
    result = app_from_bundle(client, "django", NO_RECYCLING, tmp_path)
    compare = kit_in(tmp_path)
    uvicorn = next(server for server in compare.SERVERS if server.slug == "uvicorn")
    port = int(uvicorn.address.rpartition(":")[2])

    with serving(shlex.join(uvicorn.argv), tmp_path, port) as server:
        answered_before = server.log.count(ACCESS_LINE)
        load = compare.built_in_load(f"http://{uvicorn.address}/", CLIENT_CONNECTIONS, CLIENT_SECONDS)
        time.sleep(0.5)  # the last access lines reach the log
        answered = server.log.count(ACCESS_LINE) - answered_before

    assert result["plan"]["interface"] == "asgi"
    assert load.errors == 0
    assert load.requests == answered > CLIENT_CONNECTIONS
    assert CLIENT_SECONDS <= load.seconds <= CLIENT_SECONDS + compare.TIMEOUT_SECONDS  # the last answers are awaited
    assert 0 < load.p50_ms <= load.p99_ms
