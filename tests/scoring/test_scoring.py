"""The article's "when to use it" statements, pinned against the seeded criteria. No database."""

import pytest

from decisions.scoring import rank
from tests.support.bundles import CRITERIA, NOTHING_FITS, criteria_where_nothing_fits

SERVERS = {"gunicorn", "uwsgi", "uvicorn", "hypercorn", "granian"}


def recommended(**choices: str) -> str | None:
    best = rank(choices, CRITERIA).recommended
    return best.server.slug if best else None


def result_for(server: str, **choices: str):
    return next(r for r in rank(choices, CRITERIA).results if r.server.slug == server)


def test_it_ranks_all_five_servers_even_without_answers():
    ranking = rank({}, CRITERIA)
    assert {r.server.slug for r in ranking.results} == SERVERS
    assert all(r.score == 0 and r.eligible for r in ranking.results)


def test_it_breaks_ties_by_position_most_established_first():
    ranking = rank({}, CRITERIA)
    assert [r.server.slug for r in ranking.results] == ["gunicorn", "uvicorn", "hypercorn", "granian", "uwsgi"]


def test_it_recommends_gunicorn_for_a_sync_django_monolith():
    assert recommended(framework="django", **{"async": "no"}, workload="request-response") == "gunicorn"


def test_it_recommends_gunicorn_for_a_flask_api():
    assert recommended(framework="flask") == "gunicorn"


def test_it_keeps_gunicorn_for_sync_code_rather_than_switching_to_asgi():
    assert recommended(framework="django", **{"async": "no"}, priority="proven") == "gunicorn"


def test_it_keeps_an_existing_working_uwsgi():
    assert recommended(framework="django", **{"async": "no"}, current="uwsgi") == "uwsgi"


def test_it_does_not_start_new_projects_on_uwsgi():
    assert recommended(framework="django", current="none") != "uwsgi"
    assert result_for("uwsgi", current="none").score < 0


def test_it_recommends_uvicorn_for_fastapi_and_starlette():
    assert recommended(framework="fastapi") == "uvicorn"
    assert recommended(framework="starlette", **{"async": "yes"}) == "uvicorn"


def test_it_recommends_uvicorn_for_an_async_app():
    assert recommended(framework="other-asgi", **{"async": "yes"}, realtime="websockets") == "uvicorn"


@pytest.mark.parametrize(
    "choices", [{"http": "http3"}, {"asynclib": "trio"}, {"framework": "fastapi", "http": "http3"}]
)
def test_it_leaves_only_hypercorn_for_http3_or_trio(choices):
    ranking = rank(choices, CRITERIA)
    assert ranking.recommended.server.slug == "hypercorn"
    assert [r.server.slug for r in ranking.results if r.eligible] == ["hypercorn"]
    for result in ranking.ineligible:
        assert result.excluded_because and all(reason.text for reason in result.excluded_because)


def test_it_recommends_granian_when_the_server_is_the_measured_bottleneck_with_minimal_logic():
    assert recommended(bottleneck="yes", workload="minimal-logic") == "granian"
    assert recommended(framework="fastapi", **{"async": "yes"}, bottleneck="yes", workload="minimal-logic") == "granian"


def test_it_does_not_recommend_granian_before_anyone_measured():
    assert recommended(framework="fastapi", bottleneck="not-measured", workload="minimal-logic") == "uvicorn"


def test_it_rules_out_uwsgi_for_asgi_frameworks_and_websockets():
    for choices in ({"framework": "fastapi"}, {"async": "yes"}, {"realtime": "websockets"}):
        assert not result_for("uwsgi", **choices).eligible


def test_it_rules_out_uvicorn_for_wsgi_only_apps():
    assert not result_for("uvicorn", framework="flask").eligible


def test_it_names_question_and_points_in_every_reason():
    result = result_for("gunicorn", framework="django", **{"async": "no"})
    assert result.score == sum(reason.points for reason in result.reasons) == 5
    assert {(reason.question, reason.points) for reason in result.reasons} == {("framework", 3), ("async", 2)}


def test_it_ignores_unanswered_and_unknown_questions():
    assert rank({"framework": "django", "nonsense": "x"}, CRITERIA) == rank({"framework": "django"}, CRITERIA)


def test_it_ranks_eligible_servers_above_ruled_out_ones_whatever_their_score():
    ranking = rank({"http": "http3", "current": "gunicorn"}, CRITERIA)
    gunicorn = next(r for r in ranking.results if r.server.slug == "gunicorn")
    assert gunicorn.score == 5 and not gunicorn.eligible
    assert ranking.results[0].server.slug == "hypercorn"


def test_it_recommends_nothing_when_every_server_is_ruled_out():
    ranking = rank(NOTHING_FITS, criteria_where_nothing_fits())
    assert ranking.recommended is None
    assert len(ranking.ineligible) == 5
