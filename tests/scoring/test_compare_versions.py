"""compare_versions(): the same answers ranked with a pinned version and today's, and what differs. Pure."""

import dataclasses

from decisions.domain import EffectInfo
from decisions.scoring import compare_versions
from tests.support.bundles import CRITERIA, with_effect

FASTAPI = {"framework": "fastapi", "async": "yes", "realtime": "websockets"}


def test_it_finds_nothing_when_the_versions_rank_alike():
    outdated = compare_versions(FASTAPI, CRITERIA, dataclasses.replace(CRITERIA, version=9))
    assert outdated.same_recommendation and outdated.changes == () and outdated.choices == FASTAPI


def test_it_names_re_weighted_added_and_removed_reasons_per_server():
    django_uvicorn = CRITERIA.question("framework").option("fastapi").effects["uvicorn"]
    now = with_effect(CRITERIA, "framework", "fastapi", "uvicorn", dataclasses.replace(django_uvicorn, points=-4))
    now = with_effect(now, "http", "http1", "granian", EffectInfo(5, False, "Granian is new here."))
    now = with_effect(now, "realtime", "websockets", "hypercorn", None)
    outdated = compare_versions(FASTAPI | {"http": "http1"}, CRITERIA, now)
    assert outdated.then.recommended.server.slug == "uvicorn"
    assert outdated.now.recommended.server.slug == "granian" and not outdated.same_recommendation
    assert f"Uvicorn: “{django_uvicorn.reason}” re-weighted {django_uvicorn.points:+d} → -4" in outdated.changes
    assert "Granian: new reason “Granian is new here.” (HTTP/1.1 (a proxy handles the rest): +5)" in outdated.changes
    websockets = CRITERIA.question("realtime").option("websockets").effects["hypercorn"]
    assert f"Hypercorn: reason dropped “{websockets.reason}” (was {websockets.points:+d})" in outdated.changes


def test_it_names_new_and_lifted_exclusions():
    now = with_effect(CRITERIA, "framework", "fastapi", "uvicorn", EffectInfo(0, True, "No longer for FastAPI."))
    now = with_effect(now, "framework", "fastapi", "uwsgi", None)
    outdated = compare_versions({"framework": "fastapi"}, CRITERIA, now)
    assert "Uvicorn: now ruled out: No longer for FastAPI." in outdated.changes
    uwsgi = CRITERIA.question("framework").option("fastapi").effects["uwsgi"]
    assert f"uWSGI: no longer ruled out: {uwsgi.reason}" in outdated.changes


def test_it_drops_an_answer_today_s_criteria_no_longer_offer():
    question = CRITERIA.question("http")
    fewer = dataclasses.replace(question, options=tuple(o for o in question.options if o.slug != "http3"))
    now = dataclasses.replace(CRITERIA, questions=tuple(fewer if q.slug == "http" else q for q in CRITERIA.questions))
    outdated = compare_versions({"framework": "fastapi", "http": "http3"}, CRITERIA, now)
    assert outdated.choices == {"framework": "fastapi"}
    assert outdated.changes[0] == "Your answer http=http3 is no longer offered, so today's result leaves it out."
    assert outdated.then.recommended.server.slug == "hypercorn" and outdated.now.recommended.server.slug == "uvicorn"
