"""compare.py, the kit in every bundle that measures the user's own app under each server that fits.

The quick tests load a rendered compare.py as a module: it carries this server and the runners-up that fit, each
as its own bundle starts it, skips what is not installed with its pip line, and passes its validator. The slow
ones download bundles through the site, unpack them beside a real app and run `python compare.py` there, as a
user would, with the servers of this virtualenv; and they compare its built-in client with wrk.
"""

import importlib.util
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from decisions.configs.plan import SERVER_CONFIG_FILES, plan_for
from decisions.configs.validate import validate
from decisions.scoring import rank
from lab import realapps
from lab.serving import free_port, server_environment
from tests.support.bundles import CRITERIA, answers, bundle
from tests.support.downloads import downloaded_bundle, unpack

RUN_SECONDS = 120
# A short run measures a worker's restart instead of the server where a plan recycles workers after so many
# requests (Gunicorn, uWSGI, Hypercorn: 1000). Held requests turn recycling off in every plan.
NO_RECYCLING = {"realtime": "long-polling"}
# One Uvicorn worker serving Django's ASGI handler answers about a thousand requests a second here: few enough
# for a Python client on the other core to keep up, so the two clients measure the same server.
CLIENT_COMPARISON = {"framework": "django"}
CLIENT_COMPARISON_SERVER = "uvicorn"
CLIENT_COMPARISON_SECONDS = 3
CLIENT_TOLERANCE = 0.2
# Other work on the machine moves one run's figure by more than the clients differ: the median of runs taken in
# turns with each client is compared.
CLIENT_COMPARISON_RUNS = 3


def kit(tmp_path: Path, server: str, **choices) -> ModuleType:
    """The server's compare.py for the answers, loaded as a module (its main() does not run)."""
    path = tmp_path / "compare.py"
    path.write_text(bundle(server, **choices)["compare.py"])
    spec = importlib.util.spec_from_file_location("compare", path)
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
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make test installs it)")
def test_its_built_in_client_counts_within_20_percent_of_wrk_on_the_same_app_and_server(client, tmp_path):
    app_from_bundle(client, CLIENT_COMPARISON["framework"], {}, tmp_path)
    arguments = ("--servers", CLIENT_COMPARISON_SERVER, "--seconds", str(CLIENT_COMPARISON_SECONDS))
    without_wrk = os.path.dirname(sys.executable)  # this virtualenv's bin: the servers, and no wrk

    by_wrk, built_in = [], []
    for _ in range(CLIENT_COMPARISON_RUNS):
        by_wrk += run_compare(tmp_path, *arguments)
        built_in += run_compare(tmp_path, *arguments, path=without_wrk)

    assert [row["errors"] for row in by_wrk + built_in] == [0] * 2 * CLIENT_COMPARISON_RUNS
    wrk_rps, built_in_rps = (statistics.median(row["rps"] for row in rows) for rows in (by_wrk, built_in))
    assert abs(built_in_rps - wrk_rps) <= CLIENT_TOLERANCE * wrk_rps, (by_wrk, built_in)
