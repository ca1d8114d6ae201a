"""What would change the recommendation: the margin and each single answer that flips it. No database."""

import random

import pytest

from decisions.scoring import Change, rank, what_would_change
from tests.support.bundles import CRITERIA

# One answer set per server it recommends, before anything is added to it.
RECOMMENDING = {
    "gunicorn": {"framework": "flask", "priority": "proven"},
    "uvicorn": {"framework": "fastapi", "async": "yes", "realtime": "websockets"},
    "granian": {"bottleneck": "yes", "workload": "minimal-logic"},
    "uwsgi": {"framework": "flask", "current": "uwsgi"},
}


def flips(choices: dict) -> dict[tuple[str, str | None], str | None]:
    return {
        (change.question, change.option): change.recommended.slug if change.recommended else None
        for change in what_would_change(choices, CRITERIA).changes
    }


@pytest.mark.parametrize("server", RECOMMENDING)
def test_it_flips_any_recommendation_to_hypercorn_with_http3_or_trio(server):
    choices = RECOMMENDING[server]
    assert rank(choices, CRITERIA).recommended.server.slug == server
    assert flips(choices)[("http", "http3")] == "hypercorn"
    assert flips(choices)[("asynclib", "trio")] == "hypercorn"


def test_it_says_when_a_changed_answer_leaves_no_server_at_all():
    # Django over HTTP/3 fits no server: Hypercorn 0.18 garbles Django's header names over QUIC (decisions/appmodel.py).
    assert flips({"framework": "django"})[("http", "http3")] is None


def test_it_tries_leaving_each_answer_unanswered():
    changes = flips({"asynclib": "trio"})
    assert changes == {("asynclib", "asyncio"): "gunicorn", ("asynclib", None): "gunicorn"}
    assert flips({"framework": "django", "http": "http3"})[("framework", None)] == "hypercorn"


def test_it_lists_only_answers_that_change_the_recommended_server():
    choices = RECOMMENDING["uvicorn"]
    changes = flips(choices)
    assert ("framework", "starlette") not in changes and ("deploy", "docker") not in changes
    assert changes[("framework", "flask")] == "gunicorn"
    for (question, option), server in changes.items():
        change = Change(question, option, "", "", None)
        best = rank(change.applied_to(choices), CRITERIA).recommended
        assert (best.server.slug if best else None) == server != "uvicorn"


def test_it_finds_what_rank_finds_for_every_single_change_of_sampled_answers():
    sample = random.Random(11)
    for _ in range(300):
        choices = {}
        for question in CRITERIA.questions:
            option = sample.choice([None, *question.options])
            if option is not None:
                choices[question.slug] = option.slug
        listed = flips(choices)
        recommended = rank(choices, CRITERIA).recommended
        for question in CRITERIA.questions:
            for option in [*(o.slug for o in question.options if o.slug != choices.get(question.slug)), None]:
                if option is None and question.slug not in choices:
                    continue
                best = rank(Change(question.slug, option, "", "", None).applied_to(choices), CRITERIA).recommended
                slug = best.server.slug if best else None
                flipped = slug != (recommended.server.slug if recommended else None)
                assert ((question.slug, option) in listed) == flipped, choices
                assert not flipped or listed[(question.slug, option)] == slug, choices


def test_it_lists_changes_in_question_then_option_order_with_unanswered_last():
    changes = what_would_change({"framework": "django", "http": "http3"}, CRITERIA).changes
    questions = [q.slug for q in CRITERIA.questions]
    assert [c.question for c in changes] == sorted((c.question for c in changes), key=questions.index)
    framework = [(c.option, c.option_label) for c in changes if c.question == "framework"]
    assert framework[0] == ("flask", "Flask") and framework[-1] == (None, "")
    assert changes[0].question_text == "Which framework does your app use?"


def test_it_measures_the_margin_between_the_first_two_eligible_servers():
    sensitivity = what_would_change(RECOMMENDING["uvicorn"], CRITERIA)
    assert (sensitivity.leader.server.slug, sensitivity.runner_up.server.slug) == ("uvicorn", "hypercorn")
    assert sensitivity.margin == sensitivity.leader.score - sensitivity.runner_up.score == 3
    assert not sensitivity.close_call
    assert sensitivity.lead == "Uvicorn leads Hypercorn by 3 points."


def test_it_skips_ruled_out_servers_when_measuring_the_margin():
    # Gunicorn scores +5 for running today, but HTTP/3 rules it out: only Hypercorn is eligible.
    sensitivity = what_would_change({"http": "http3", "current": "gunicorn"}, CRITERIA)
    assert sensitivity.leader.server.slug == "hypercorn" and sensitivity.runner_up is None
    assert sensitivity.margin is None and not sensitivity.close_call
    assert sensitivity.lead == "Only Hypercorn fits every answer."


@pytest.mark.parametrize(
    ("choices", "margin", "lead"),
    [
        (
            {},
            0,
            "Tied on points: Gunicorn and Uvicorn both score +0. The tie rule puts Gunicorn first: Gunicorn is proven,"
            " Uvicorn widely deployed.",
        ),
        ({"framework": "fastapi", "async": "no"}, 1, "A close call: Gunicorn leads Uvicorn by 1 point."),
    ],
)
def test_it_calls_a_margin_of_at_most_one_point_a_close_call(choices, margin, lead):
    sensitivity = what_would_change(choices, CRITERIA)
    assert sensitivity.margin == margin and sensitivity.close_call
    assert sensitivity.lead == lead


def test_it_has_no_margin_when_no_server_fits():
    sensitivity = what_would_change({"framework": "django", "http": "http3"}, CRITERIA)
    assert sensitivity.leader is None and sensitivity.margin is None and sensitivity.lead == ""
