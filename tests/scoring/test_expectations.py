"""Expectations: the guide's own regression tests, and the hold an edit that breaks one gets in every admin path."""

import dataclasses
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from decisions.appmodel import app_model, unfit_reasons
from decisions.domain import from_data
from decisions.expectations import ExpectationInfo, check, check_all
from decisions.models import CriteriaSnapshot, CriteriaVersion, Effect, Expectation, Option, Question, Server
from decisions.scoring import Tally, rank
from decisions.seeding import default_criteria, default_expectations
from decisions.space import answer_sets, partition
from tests.support.admin import key, matrix_data

SEED = from_data(default_criteria())
SEEDED = tuple(ExpectationInfo(**row) for row in default_expectations())
FASTAPI_ASYNC = "framework=fastapi&async=yes"


def with_points(criteria, question: str, option: str, server: str, points: int):
    """The criteria with one effect's points changed, as a matrix edit would leave them."""
    questions = []
    for q in criteria.questions:
        options = []
        for o in q.options:
            effects = dict(o.effects)
            if (q.slug, o.slug) == (question, option):
                effects[server] = dataclasses.replace(effects[server], points=points)
            options.append(dataclasses.replace(o, effects=effects))
        questions.append(dataclasses.replace(q, options=tuple(options)))
    return dataclasses.replace(criteria, questions=tuple(questions))


def test_it_passes_every_seeded_expectation_under_the_seeded_criteria():
    assert len(SEEDED) >= 20
    failing = [(verdict.expectation.answers, verdict.why) for verdict in check_all(SEEDED, SEED) if not verdict.passed]
    assert failing == []


def tied_pairs(answer_sets) -> set[tuple[str, str]]:
    """(first, second) for each answer set whose first two eligible servers tie on points, under the seed."""
    pairs = set()
    for choices in answer_sets:
        first, second, *_ = [*(result for result in rank(choices, SEED).results if result.eligible), None, None]
        if second is not None and first.score == second.score:
            pairs.add((first.server.slug, second.server.slug))
    return pairs


def representatives(questions: tuple[str, ...], with_unfit: bool) -> list[dict[str, str]]:
    """One answer set of the questions per distinct effect on the servers: what ranking can tell apart."""
    found = {}
    for choices in answer_sets(SEED, questions):
        tally = Tally(*({server.slug: 0 for server in SEED.servers} for _ in range(3)))
        for question, option in choices.items():
            tally.add(SEED.question(question).option(option))
        app = app_model(choices)
        unfit = tuple(bool(unfit_reasons(server.slug, app, choices)) for server in SEED.servers) if with_unfit else ()
        key = (*(tuple(part.values()) for part in (tally.scores, tally.exclusions, tally.experimental)), unfit)
        found.setdefault(key, choices)
    return list(found.values())


@pytest.mark.slow
def test_it_covers_each_pair_of_servers_the_tie_rule_decides_between_in_the_whole_space():
    """Every tie of the 27 million answer sets is one of a representative feature set and rest set (the walk's
    groups): the pairs tied there are the pairs the tie rule ever decides between."""
    features, rest = partition(SEED)
    feature_sets, rest_sets = representatives(features, with_unfit=True), representatives(rest, with_unfit=False)
    everywhere = tied_pairs(f | r for f in feature_sets for r in rest_sets)
    assert len(everywhere) >= 9 and tied_pairs(expectation.choices for expectation in SEEDED) == everywhere


def test_it_says_why_an_expectation_fails_with_both_scores_and_the_deciding_answers():
    fastapi = ExpectationInfo(FASTAPI_ASYNC, "uvicorn", "FastAPI gets Uvicorn.", "the article")
    verdict = check(fastapi, with_points(SEED, "framework", "fastapi", "uvicorn", -5))
    assert not verdict.passed and verdict.recommended == "hypercorn"
    assert verdict.why.startswith("Hypercorn is recommended (+")
    assert "Uvicorn scores -" in verdict.why and "Deciding answers: FastAPI" in verdict.why


def test_it_fails_an_expectation_whose_answer_the_criteria_no_longer_offer():
    verdict = check(ExpectationInfo("realtime=ws", "uvicorn", "", ""), SEED)
    assert verdict.why == "The criteria no longer offer the answer realtime=ws."


@pytest.mark.django_db
def test_it_seeds_the_expectations_and_all_pass_in_the_database(admin_client):
    assert Expectation.objects.count() == len(SEEDED)
    page = admin_client.get(reverse("admin:decisions_expectation_changelist")).content.decode()
    assert page.count("✓ passes") == len(SEEDED) and "✗ fails" not in page


def break_fastapi_in_the_matrix(admin_client, **extra):
    question = Question.objects.get(slug="framework")
    data = matrix_data(question, save_anyway=False) | {f"points-{key('framework', 'fastapi', 'uvicorn')}": -5} | extra
    return admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)


def fastapi_on_uvicorn() -> int:
    return Effect.objects.get(option__question__slug="framework", option__slug="fastapi", server__slug="uvicorn").points


@pytest.mark.django_db
def test_it_holds_a_matrix_edit_that_breaks_an_expectation_until_save_anyway(admin_client, client):
    before, points = CriteriaVersion.objects.get().number, fastapi_on_uvicorn()
    response = break_fastapi_in_the_matrix(admin_client)
    page = response.content.decode()
    assert response.status_code == 200 and "Not saved: this edit breaks" in page
    assert "FastAPI gets Uvicorn." in page and "Hypercorn is recommended" in page
    assert 'name="_save_anyway"' in page
    assert fastapi_on_uvicorn() == points and CriteriaVersion.objects.get().number == before

    assert break_fastapi_in_the_matrix(admin_client, _save_anyway="1").status_code == 302
    assert fastapi_on_uvicorn() == -5
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert any(
        line.startswith("framework=fastapi&async=yes → Uvicorn: Hypercorn") for line in snapshot.broken_expectations
    )
    changes = client.get("/changes/").content.decode()
    assert "Saved anyway, breaking" in changes and "framework=fastapi&amp;async=yes → Uvicorn" in changes


@pytest.mark.django_db
def test_it_saves_an_edit_that_breaks_no_expectation_at_once(admin_client):
    question = Question.objects.get(slug="framework")
    data = matrix_data(question, save_anyway=False) | {f"reason-{key('framework', 'fastapi', 'uvicorn')}": "Reworded."}
    assert admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data).status_code == 302


@pytest.mark.django_db
def test_it_holds_an_effect_edit_and_an_option_page_edit_the_same_way(admin_client):
    effect = Effect.objects.get(option__question__slug="framework", option__slug="fastapi", server__slug="uvicorn")
    url = reverse("admin:decisions_effect_change", args=[effect.pk])
    fields = {"option": effect.option_id, "server": effect.server_id, "points": -5, "reason": effect.reason}
    response = admin_client.post(url, fields)
    assert response.status_code == 200 and "Not saved: this edit breaks" in response.content.decode()
    assert (
        "changed successfully" not in response.text and "changed successfully" not in admin_client.get("/admin/").text
    )
    assert fastapi_on_uvicorn() == effect.points
    assert admin_client.post(url, fields | {"_save_anyway": "1"}).status_code == 302
    assert fastapi_on_uvicorn() == -5


@pytest.mark.django_db
def test_it_holds_the_deletion_of_an_option_an_expectation_answers(admin_client):
    question = Question.objects.get(slug="workload")
    option = Option.objects.create(question=question, slug="batch", label="Batch jobs", position=9)
    Expectation.objects.create(
        answers="workload=batch", expected="gunicorn", note="Batch goes to Gunicorn.", source="t"
    )
    url = reverse("admin:decisions_option_delete", args=[option.pk])
    response = admin_client.post(url, {"post": "yes"})
    page = response.content.decode()
    assert response.status_code == 200 and "Not saved: this edit breaks 1 expectation" in page
    assert "The criteria no longer offer the answer workload=batch." in page
    assert "deleted successfully" not in page and "deleted successfully" not in admin_client.get("/admin/").text
    assert Option.objects.filter(pk=option.pk).exists()
    assert admin_client.post(url, {"post": "yes", "_save_anyway": "1"}).status_code == 302
    assert not Option.objects.filter(pk=option.pk).exists()


@pytest.mark.django_db
def test_it_refuses_an_expectation_with_an_answer_or_server_the_criteria_lack(admin_client):
    url = reverse("admin:decisions_expectation_add")
    response = admin_client.post(url, {"answers": "realtime=ws", "expected": "nginx", "note": "n", "source": "s"})
    page = response.content.decode()
    assert response.status_code == 200 and "The criteria do not offer realtime=ws." in page
    assert "Select a valid choice. nginx is not one of the available choices." in page


@pytest.mark.django_db
def test_it_previews_a_matrix_edit_without_saving_it(admin_client):
    before, points = CriteriaVersion.objects.get().number, fastapi_on_uvicorn()
    response = break_fastapi_in_the_matrix(admin_client, _preview_impact="1")
    page = response.content.decode()
    assert response.status_code == 200 and "Impact on every answer set" in page
    assert " of 27,095,040 (" in page and "Uvicorn</td>" in page
    assert fastapi_on_uvicorn() == points and CriteriaVersion.objects.get().number == before


@pytest.mark.django_db
def test_it_dry_runs_an_import_reporting_its_impact_and_changing_nothing(tmp_path):
    data = default_criteria()
    framework = next(q for q in data["questions"] if q["slug"] == "framework")
    next(o for o in framework["options"] if o["slug"] == "fastapi")["effects"]["uvicorn"]["points"] = -5
    path = tmp_path / "criteria.json"
    path.write_text(json.dumps(data))
    before = CriteriaVersion.objects.get().number
    out = StringIO()
    call_command("import_criteria", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "answer sets" in text and "Uvicorn → Hypercorn" in text and "Dry run: nothing was changed." in text
    assert "framework=fastapi&async=yes → Uvicorn" in text
    assert CriteriaVersion.objects.get().number == before and fastapi_on_uvicorn() != -5
    assert Server.objects.count() == 5


@pytest.mark.django_db
def test_it_holds_a_bulk_deletion_that_breaks_an_expectation_until_delete_anyway(admin_client):
    question = Question.objects.get(slug="workload")
    option = Option.objects.create(question=question, slug="batch", label="Batch jobs", position=9)
    Expectation.objects.create(
        answers="workload=batch", expected="gunicorn", note="Batch goes to Gunicorn.", source="t"
    )
    url = reverse("admin:decisions_option_changelist")
    form = {"action": "delete_selected", "_selected_action": [option.pk], "post": "yes"}
    response = admin_client.post(url, form)
    page = response.content.decode()
    assert response.status_code == 200 and "Not saved: this edit breaks 1 expectation" in page
    assert "Delete anyway, breaking 1 expectation" in page and Option.objects.filter(pk=option.pk).exists()
    assert f'<input type="hidden" name="_selected_action" value="{option.pk}">' in page  # the same rows again
    assert "Successfully deleted" not in page and "Successfully deleted" not in admin_client.get("/admin/").text
    assert admin_client.post(url, form | {"_save_anyway": "1"}).status_code == 302
    assert not Option.objects.filter(pk=option.pk).exists()
