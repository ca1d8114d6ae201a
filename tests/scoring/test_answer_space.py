"""The whole answer space, checked: for every reachable answer set, the recommended server's plan serves the
app that the answers describe, over the interface, at the import path and with the protocols it needs.

No database and no rendering: decisions/space.py walks the 27 million answer sets in a second; each
distinct (feature answers, recommended server) gets its plan checked against the app model. The plans fall
into classes (server, app, worker, protocols, command shape); tests/configs/test_boot.py boots a real app for each.
"""

import dataclasses
import random
from pathlib import Path

import pytest

from decisions.answers import Answers
from decisions.appmodel import WSGI
from decisions.configs.plan import plan_for
from decisions.scoring import rank
from decisions.space import space_size
from tests.support.bundles import CRITERIA
from tests.support.space import CLASSES, PROBLEMS, RECOMMENDED, SERVERS, SPACE, mismatches


def test_it_walks_every_answer_set_once():
    assert sum(RECOMMENDED.values()) == space_size(CRITERIA) == 27_095_040


def test_the_walk_recommends_what_rank_recommends():
    sample = random.Random(2026)
    questions = [q.slug for q in CRITERIA.questions]
    for _ in range(3000):
        choices = {}
        for slug in questions:
            value = sample.choice([None, *(o.slug for o in CRITERIA.question(slug).options)])
            if value is not None:
                choices[slug] = value
        best = rank(choices, CRITERIA).recommended
        assert SPACE.recommendations(choices) == (best.server.slug if best else None,), choices


def test_every_recommended_plan_serves_the_app_the_answers_describe():
    assert PROBLEMS == []


def test_every_server_is_recommended_somewhere_and_some_answers_fit_none():
    assert set(RECOMMENDED) == {*SERVERS, None}


@pytest.mark.parametrize(
    ("choices", "problem"),
    [
        ({"framework": "django", "realtime": "websockets"}, "runs the wsgi app"),
        ({"framework": "flask", "realtime": "long-polling"}, "holds only"),
        ({"framework": "fastapi", "realtime": "websockets"}, "recycling cuts the WebSockets"),
    ],
)
def test_the_check_finds_a_plan_that_misserves_the_app(choices, problem):
    plan = plan_for(SERVERS["gunicorn"], Answers(choices=choices))
    broken = {
        "runs the wsgi app": dict(interface=WSGI),
        "holds only": dict(held_capacity=plan.workers * 4),
        "recycling cuts the WebSockets": dict(max_requests=1000),
    }[problem]
    assert any(problem in found for found in mismatches(dataclasses.replace(plan, **broken), choices))


def test_the_testing_doc_states_the_counts():
    readme = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text()
    assert f"{space_size(CRITERIA):,} answer sets" in readme
    assert f"{len(CLASSES)} classes" in readme
