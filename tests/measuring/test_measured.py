"""decisions/measured.py: a run file read into data, ratios, the article's claims, reproductions. Pure: no database."""

import json
import random
import re
import statistics
from fractions import Fraction

import pytest

from decisions.measured import (
    AGREES,
    DISAGREES,
    HELD,
    HELLO,
    IO,
    NOT_MEASURED,
    WEBSOCKET,
    InvalidMeasurements,
    Reproduction,
    Spread,
    asgi_claim,
    baseline_for,
    cells_for,
    chance_of_reproducing,
    claim_checks,
    first_anchor,
    gap_change,
    gap_claim,
    granian_claim,
    groups,
    parse_run,
    ratio,
    reproductions,
    workloads_for,
)
from decisions.seeding import seed_measurement_files
from tests.support.measurements import cell, django_run, run_data


def test_it_reads_a_run_file():
    run = parse_run(django_run())
    assert (run.host, run.workers, run.rounds, run.quick) == ("testhost", 1, 3, False)
    assert run.started_at.isoformat() == "2026-12-06T03:00:00+00:00"
    assert run.frameworks == ("django", "fastapi")
    assert [w.slug for w in run.workloads] == [HELLO, IO, HELD]
    assert run.workload(HELD).connections == 1000


def test_it_gives_the_cells_of_a_framework_and_workload_with_their_baseline():
    run = parse_run(django_run())
    assert [c.setup for c in cells_for(run, "django", HELD)] == [
        "gunicorn gthread 32 threads",
        "uvicorn",
        "granian wsgi 32 threads",
    ]
    assert baseline_for(run, "fastapi", HELLO).setup == "uvicorn"
    assert cells_for(run, "flask", HELLO) == ()


def test_it_gives_a_cells_figures_as_the_median_and_spread_of_its_runs():
    hello = cells_for(parse_run(django_run()), "django", HELLO)[1]
    rps = hello.spread("rps")
    assert (rps.median, rps.low, rps.high) == (1500, 1260, 1650)
    assert hello.spread("p99_ms").median == 21.0


def test_it_takes_a_ratio_round_by_round():
    run = parse_run(django_run())
    uvicorn = cells_for(run, "django", HELLO)[1]
    found = ratio(run, uvicorn)
    assert found.baseline.setup == "gunicorn sync"
    assert (found.spread.median, found.spread.low, found.spread.high) == pytest.approx((1.5, 1.4, 1.5))
    assert ratio(run, found.baseline).spread.median == 1.0


def test_it_has_no_ratio_when_the_baseline_has_no_figures():
    data = django_run()
    data["cells"][0] |= {"runs": [], "error": "the server exited with status 1"}
    run = parse_run(data)
    assert ratio(run, cells_for(run, "django", HELLO)[1]) is None


@pytest.mark.parametrize(
    "choices, workloads",
    [
        ({"workload": "minimal-logic"}, (HELLO,)),
        ({"workload": "request-response"}, (IO,)),
        ({"workload": "high-concurrency", "realtime": "websockets"}, (HELD, WEBSOCKET)),
        ({"realtime": "long-polling"}, (HELD,)),
        ({"framework": "django"}, ()),
    ],
)
def test_it_names_the_workloads_the_answers_describe(choices, workloads):
    assert workloads_for(choices) == workloads


def test_it_sets_the_asgi_claim_beside_django_on_uvicorn_over_gunicorn():
    check = asgi_claim(parse_run(django_run()))
    assert check.verdict == AGREES
    assert "Django on Uvicorn 3.00x (2.80-3.20) Django on gunicorn gthread 32 threads" in check.measured
    assert "1,000 requests held 1 s each" in check.measured


def test_it_says_plainly_when_the_asgi_claim_understates():
    data = django_run()
    data["cells"][7]["runs"] = [run | {"rps": 600.0} for run in data["cells"][7]["runs"]]
    check = asgi_claim(parse_run(data))
    assert check.verdict == DISAGREES
    assert "20.00x" in check.measured and "more than the article's 2-4x" in check.measured


def test_it_checks_whether_the_gap_between_gunicorn_and_uvicorn_narrows():
    check = gap_claim(parse_run(django_run()))
    # Django: 1.5x for hello, 10x for the 10 ms view (widens); FastAPI: 1.25x, then 1.05x (narrows)
    assert check.verdict == DISAGREES
    assert "Django on Uvicorn is 1.50x" in check.measured and "the gap widens" in check.measured
    assert "FastAPI on Uvicorn is 1.25x" in check.measured and "the gap narrows" in check.measured


@pytest.mark.parametrize(
    "before, after, change",
    [
        (3.0, 1.5, "the gap narrows"),
        (0.25, 0.5, "the gap narrows"),
        (1.5, 3.0, "the gap widens"),
        (0.3, 3.4, "the other server leads"),
    ],
)
def test_it_tells_a_narrower_gap_from_a_wider_one_and_from_the_other_server_leading(before, after, change):
    assert gap_change(before, after) == change


def test_it_finds_where_granians_gain_is_largest():
    check = granian_claim(parse_run(django_run()))
    # hello: Django 2x, FastAPI 1.2x (median 1.6); io: 8x; held: 1x
    assert check.verdict == DISAGREES
    assert "a view that waits 10 ms, 32 connections 8.00x" in check.measured
    assert check.measured.endswith("largest for a view that waits 10 ms, 32 connections.")


def test_it_says_what_a_run_did_not_measure():
    run = parse_run(run_data([cell("flask", HELLO, "gunicorn", "gunicorn sync", [100, 100, 100], baseline=True)]))
    assert [check.verdict for check in claim_checks(run)] == [NOT_MEASURED] * 3


def test_it_finds_a_second_run_within_the_first_runs_spread_or_not():
    first = parse_run(django_run())
    close = django_run()
    close["cells"][1]["runs"] = [run | {"rps": run["rps"] * 0.97} for run in close["cells"][1]["runs"]]
    far = django_run()
    far["cells"][1]["runs"] = [run | {"rps": run["rps"] * 2} for run in far["cells"][1]["runs"]]
    assert all(r.reproduced for r in reproductions(first, parse_run(close)))
    failed = [r for r in reproductions(first, parse_run(far)) if not r.reproduced]
    assert [(r.framework, r.workload, r.setup) for r in failed] == [("django", HELLO, "uvicorn")]
    assert len(reproductions(first, first)) == 9  # every cell but the 5 baselines


@pytest.mark.parametrize("second, reproduced", [(1.004, True), (0.996, True), (1.006, False)])
def test_it_compares_ratios_as_it_reports_them(second, reproduced):
    held = Spread(1.0, 0.999, 1.001, 5)  # reported as 1.00x (1.00-1.00)
    found = Reproduction("django", HELD, "granian wsgi 32 threads", held, Spread(second, second, second, 5))
    assert found.reproduced == reproduced


@pytest.mark.parametrize(
    "first, second, chance",
    [(3, 3, Fraction(3, 5)), (5, 5, Fraction(5, 6)), (7, 7, Fraction(133, 143)), (1, 5, 0), (2, 1, Fraction(1, 3))],
)
def test_it_knows_how_often_a_second_run_of_alike_rounds_lands_within_the_firsts_spread(first, second, chance):
    assert chance_of_reproducing(first, second) == pytest.approx(float(chance))


def test_it_matches_drawing_the_rounds_from_one_distribution():
    draw = random.Random(19)

    def reproduced() -> bool:
        first = [draw.gauss(1.0, 0.05) for _ in range(5)]
        second = [draw.gauss(1.0, 0.05) for _ in range(5)]
        return min(first) <= statistics.median(second) <= max(first)

    trials = 20_000
    assert sum(reproduced() for _ in range(trials)) / trials == pytest.approx(chance_of_reproducing(5, 5), abs=0.015)


def test_it_does_not_place_the_median_of_an_even_number_of_rounds():
    with pytest.raises(ValueError, match="odd"):
        chance_of_reproducing(3, 4)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d | {"format": "something/2"}, "format is 'something/2'"),
        (lambda d: {k: v for k, v in d.items() if k != "host"}, "the file: host is missing"),
        (lambda d: d | {"started_at": "yesterday"}, "started_at: 'yesterday' is not an ISO 8601"),
        (lambda d: d | {"started_at": "2026-12-05T03:00:00"}, "has no time zone"),
        (lambda d: d | {"cells": {}}, "cells must be a list"),
        (lambda d: d | {"quick": "no"}, "quick must be bool"),
        (lambda d: _first_run(d, rps=-1), "cells[0].runs[0]: rps must be a number of 0 or more"),
        (lambda d: _first_run(d, errors=True), "cells[0].runs[0]: errors must be int"),
        (lambda d: _first_cell(d, workload="sleepy"), "cells[0]: workload 'sleepy' is not in method.workloads"),
        (lambda d: _first_cell(d, baseline=False), "django × hello: 3 cells need exactly one baseline"),
        (lambda d: _first_cell(d, runs=[], error=""), "cells[0]: a cell without runs must say why in error"),
        (lambda d: [], "the file must be an object"),
    ],
)
def test_it_refuses_a_malformed_run_and_says_where(change, message):
    with pytest.raises(InvalidMeasurements, match=re.escape(message)):
        parse_run(change(django_run()))


def _first_cell(data: dict, **fields) -> dict:
    data["cells"][0] |= fields
    return data


def _first_run(data: dict, **fields) -> dict:
    data["cells"][0]["runs"][0] |= fields
    return data


def test_it_finds_a_frameworks_first_table_without_reading_every_figure():
    run = parse_run(json.loads(seed_measurement_files()[-1].read_text()))
    for framework in run.frameworks:
        assert first_anchor(run, framework) == next(g.anchor for g in groups(run) if g.framework == framework)


@pytest.mark.parametrize("rounds, outside", [(5, 1 / 6), (3, 0.4), (4, None)])
def test_it_says_how_often_a_second_run_falls_outside_its_spreads_by_chance(rounds, outside):
    data = django_run()
    data["method"]["rounds"] = rounds
    assert parse_run(data).outside_by_chance == (pytest.approx(outside) if outside else None)
