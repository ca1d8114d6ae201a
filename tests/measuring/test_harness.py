"""lab/measure.py, the harness of `make measure`: which setups it measures and how it places them; one slow test runs
its smallest slice end to end and reads the file it writes."""

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from decisions.measured import HELD, HELLO, IO, WEBSOCKET, parse_run
from lab import measure

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "cpus, server, load",
    [([0, 1], {1}, {0}), ([0, 1, 2, 3], {2, 3}, {0, 1}), ([0], set(), set())],
)
def test_it_puts_the_load_on_the_first_cores_and_the_servers_on_the_others(cpus, server, load):
    where = measure.placement(cpus)
    assert (where.server_cpus, where.load_cpus, where.pinned) == (server, load, bool(server))


def test_it_measures_every_server_that_fits_with_one_worker_and_the_bundles_command():
    setups = measure.setups_for("django", measure.WORKLOADS[HELLO])
    assert {setup.server for setup in setups} == {"gunicorn", "uwsgi", "uvicorn", "hypercorn", "granian"}
    assert all(setup.plan.workers == measure.WORKERS == 1 for setup in setups)
    gunicorn = next(setup for setup in setups if setup.server == "gunicorn")
    assert gunicorn.plan.argv == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert gunicorn.config_file == "gunicorn.conf.py" and "\nworkers = 1\n" in gunicorn.config
    uvicorn = next(setup for setup in setups if setup.server == "uvicorn")
    assert (uvicorn.app, uvicorn.plan.app_path) == ("django-asgi", "mysite.asgi:application")
    assert "--workers 1" in uvicorn.command(measure.placement([0, 1]))
    assert uvicorn.command(measure.placement([0, 1])).startswith("taskset -c 1 uvicorn ")


def test_it_measures_no_worker_restarts():
    setups = {setup.server: setup for setup in measure.setups_for("django", measure.WORKLOADS[HELLO])}
    assert all(setup.plan.max_requests == setup.plan.workers_lifetime == 0 for setup in setups.values())
    assert "\nmax_requests = 0\n" in setups["gunicorn"].config
    assert "max-requests" not in setups["uwsgi"].config
    assert "--workers-lifetime" not in setups["granian"].command(measure.placement([0, 1]))
    assert "Recycling off" in setups["gunicorn"].config


def test_it_sets_each_server_up_as_the_bundle_does_for_the_workloads_answers():
    held = {setup.server: setup for setup in measure.setups_for("flask", measure.WORKLOADS[HELD])}
    assert set(held) == {"gunicorn", "uwsgi", "granian"}  # Hypercorn would hold WSGI requests on a small pool
    assert [held[server].label for server in ("gunicorn", "uwsgi", "granian")] == [
        "gunicorn gthread 32 threads",
        "uwsgi wsgi 32 threads",
        "granian wsgi 32 threads",
    ]
    channels = measure.setups_for("django", measure.WORKLOADS[WEBSOCKET])
    assert {setup.app for setup in channels} == {"django-channels"}
    assert measure.setups_for("other-wsgi", measure.WORKLOADS[WEBSOCKET]) == []


@pytest.mark.parametrize(
    "framework, workload, baseline",
    [
        ("django", HELLO, "gunicorn sync"),
        ("flask", HELD, "gunicorn gthread 32 threads"),
        ("fastapi", HELLO, "uvicorn"),
        ("django", WEBSOCKET, "uvicorn"),
        ("flask", WEBSOCKET, "gunicorn gthread 32 threads"),
    ],
)
def test_it_measures_against_gunicorn_on_wsgi_else_uvicorn(framework, workload, baseline):
    assert measure.baseline_of(measure.setups_for(framework, measure.WORKLOADS[workload])).label == baseline


def test_its_quick_run_is_a_subset():
    quick = measure.quick_options()
    assert set(quick.frameworks) < set(measure.Options().frameworks)
    assert [w.slug for w in quick.workloads] == [HELLO, IO, HELD]
    assert quick.rounds == measure.QUICK_ROUNDS < measure.ROUNDS


def test_it_begins_once_the_machine_is_quiet():
    quiet = measure.NOISY_LOAD_PER_CORE * (os.cpu_count() or 1)
    loads = iter([3 * quiet, 3 * quiet, 2 * quiet, quiet])
    said = []
    measure.wait_until_quiet(said.append, load=lambda: (next(loads),), step=0)
    assert said == [f"Waiting for a load average of {quiet:g} or less (now {3 * quiet:.2f}), 240 s at most"]
    assert next(loads, None) is None  # it read the load until it was quiet, and no further


def test_it_begins_on_a_busy_machine_after_its_wait():
    said = []
    started = time.monotonic()
    measure.wait_until_quiet(said.append, seconds=0.2, load=lambda: (1000.0,), step=0.05)
    assert 0.2 <= time.monotonic() - started < 5 and len(said) == 1
    measure.wait_until_quiet(said.append, seconds=0, load=lambda: (1000.0,))  # told not to wait, it says nothing
    assert len(said) == 1


@pytest.mark.slow
def test_it_measures_its_smallest_slice_and_writes_the_run_file(tmp_path):
    finished = subprocess.run(
        [
            sys.executable,
            "scripts/measure.py",
            "--frameworks=fastapi",
            "--workloads=hello",
            "--servers=uvicorn,granian",
            "--rounds=1",
            "--seconds=1",
            "--wait=0",  # the tests load the machine
            f"--out={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    path = Path(finished.stdout.strip().splitlines()[-1])
    assert path.parent == tmp_path and path.suffix == ".json"
    run = parse_run(json.loads(path.read_text()))
    assert [(c.setup, c.baseline, c.error) for c in run.cells] == [("uvicorn", True, ""), ("granian asgi", False, "")]
    assert run.recycling == measure.RECYCLING
    for cell in run.cells:
        (figures,) = cell.runs
        assert figures.rps > 0 and figures.requests > 0 and figures.errors == 0 and figures.pss_mib > 0
        assert cell.command.startswith("taskset -c ") == measure.placement(sorted(os.sched_getaffinity(0))).pinned
    assert run.versions["uvicorn"] and run.machine["cores"] >= 1 and "load average" in run.load_before


@pytest.mark.slow
def test_it_records_a_server_that_cannot_serve_as_an_error_with_its_log_and_measures_the_others(tmp_path):
    hello = dataclasses.replace(measure.WORKLOADS[HELLO], seconds=1)
    uvicorn, granian = measure.setups_for("fastapi", hello, ("uvicorn", "granian"))
    wrong = dataclasses.replace(granian, plan=dataclasses.replace(granian.plan, interface="wsgi"))  # FastAPI is ASGI
    script = tmp_path / "summary.lua"
    script.write_text(measure.WRK_SCRIPT)
    measured, failed = measure.measure_group([uvicorn, wrong], 1, measure.placement([0, 1]), script, print)
    assert measured["runs"] and not measured["error"]
    assert failed["runs"] == [] and failed["error"].startswith("GET / answered 500")
    assert "TypeError" in failed["log_tail"]
