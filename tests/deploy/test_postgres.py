"""What touches the database, on a real PostgreSQL: migrations and the seed, all-or-nothing saves, two saves at
once on two connections, export and import. Django's default connection points at it for this module only."""

import json
import threading

import dj_database_url
import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.utils import load_backend
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from decisions import store
from decisions.admin import editor
from decisions.forms import ScoringMatrixForm
from decisions.history import criteria_changes
from decisions.models import (
    CriteriaSnapshot,
    CriteriaVersion,
    Effect,
    Question,
    Server,
    stored_criteria,
    stored_templates,
)
from decisions.seeding import DEFAULT_CRITERIA
from decisions.signals import one_version_bump
from tests.support.admin import export, key, matrix_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def on_postgres(postgres, django_db_setup, django_db_blocker):
    """A fresh database on the test run's PostgreSQL, migrated here, as Django's default for this module."""
    sqlite = connections["default"]
    sqlite_settings = connections.settings["default"]
    url = postgres.create_database("serverwise_tests")
    pg_settings = sqlite_settings | dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    connections.settings["default"] = pg_settings  # threads open their own connections from these
    connections["default"] = load_backend(pg_settings["ENGINE"]).DatabaseWrapper(pg_settings, "default")
    store.forget()
    try:
        with django_db_blocker.unblock():
            call_command("migrate", verbosity=0)
            yield
            connections["default"].close()
    finally:
        connections.settings["default"] = sqlite_settings
        connections["default"] = sqlite
        store.forget()


@pytest.fixture
def seeded():
    call_command("reset_criteria")


@pytest.fixture
def root():
    user, _ = get_user_model().objects.get_or_create(username="root", defaults={"is_staff": True, "is_superuser": True})
    return user


def test_it_migrates_and_seeds_postgresql(tmp_path):
    assert connection.vendor == "postgresql"
    exported = json.loads(export(tmp_path))
    exported.pop("config_templates")
    assert json.dumps(exported, indent=2, ensure_ascii=False) + "\n" == DEFAULT_CRITERIA.read_text()
    assert Group.objects.get(name="Criteria editors").permissions.count() > 0
    assert CriteriaVersion.objects.get(pk=1).number >= 1


def test_it_saves_the_scoring_matrix_all_or_nothing(seeded, root):
    client = Client()
    client.force_login(root)
    question = Question.objects.get(slug="framework")
    url = reverse("admin:decisions_question_scoring", args=[question.pk])
    version = CriteriaVersion.objects.get().number
    data = matrix_data(question)
    data[f"points-{key('framework', 'django', 'gunicorn')}"] = 7  # valid, but in the same post as a bad cell
    data[f"points-{key('framework', 'django', 'uvicorn')}"] = 11
    assert client.post(url, data).status_code == 200
    assert Effect.objects.get(option__slug="django", server__slug="gunicorn").points == 3
    assert CriteriaVersion.objects.get().number == version

    data[f"points-{key('framework', 'django', 'uvicorn')}"] = 2
    data[f"reason-{key('framework', 'django', 'uvicorn')}"] = "Edited on PostgreSQL."
    assert client.post(url, data).status_code == 302
    assert Effect.objects.get(option__slug="django", server__slug="gunicorn").points == 7
    assert Effect.objects.get(option__slug="django", server__slug="uvicorn").reason == "Edited on PostgreSQL."
    assert CriteriaVersion.objects.get().number == version + 1
    assert client.get("/recommend.json?framework=django").json()["ranking"][0]["server"] == "gunicorn"


def granian_cell_form(question: Question, points: int, reason: str) -> ScoringMatrixForm:
    """A valid scoring matrix for the question, with Granian's cell for its first option set to points and reason."""
    cell = key(question.slug, question.options.order_by("position").first().slug, "granian")
    data = matrix_data(question) | {f"points-{cell}": points, f"reason-{cell}": reason}
    data.pop(f"excluded-{cell}", None)
    form = ScoringMatrixForm(data, question=question, servers=list(Server.objects.all()))
    assert form.is_valid(), form.errors
    return form


def admin_request(user) -> HttpRequest:
    request = RequestFactory().post("/")
    request.user = user
    return request


def save_in_own_transaction(
    question_slug: str, points: int, user, versions: dict, hold: threading.Event | None, saved: threading.Event
) -> None:
    """One admin's scoring save on this thread's own connection; `hold` keeps its transaction open after it."""
    try:
        question = Question.objects.get(slug=question_slug)
        form = granian_cell_form(question, points, f"Saved at once with another ({question_slug}).")
        with transaction.atomic():
            changes = form.save()
            admin.site.get_model_admin(Question)._log_matrix_changes(admin_request(user), question, changes)
            versions[question_slug] = CriteriaVersion.objects.get().number
            saved.set()
            if hold:
                assert hold.wait(timeout=30)
    finally:
        connection.close()


def test_it_keeps_both_of_two_concurrent_saves_with_distinct_versions(seeded, root):
    before = CriteriaVersion.objects.get().number
    versions: dict[str, int] = {}
    release, first_saved, second_saved = threading.Event(), threading.Event(), threading.Event()
    first = threading.Thread(
        target=save_in_own_transaction, args=("framework", 6, root, versions, release, first_saved)
    )
    second = threading.Thread(target=save_in_own_transaction, args=("deploy", -4, root, versions, None, second_saved))
    first.start()
    assert first_saved.wait(timeout=30)
    second.start()
    # The second save waits on the first's lock of the version row rather than reading a number it would overwrite
    assert not second_saved.wait(timeout=1.5)
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert versions == {"framework": before + 1, "deploy": before + 2}
    assert CriteriaVersion.objects.get().number == before + 2
    for question, points in (("framework", 6), ("deploy", -4)):
        option = Question.objects.get(slug=question).options.order_by("position").first()
        effect = Effect.objects.get(option=option, server__slug="granian")
        assert (effect.points, effect.reason) == (points, f"Saved at once with another ({question}).")
        assert LogEntry.objects.filter(object_id=str(effect.pk), content_type__model="effect").exists()


CONCURRENT_EDITS = ("framework", "async", "realtime", "workload", "memory", "priority")


def save_at_once(question_slug: str, user, start: threading.Barrier) -> None:
    """One admin's scoring save of Granian's first-option cell, started with the others' on its own connection."""
    try:
        form = granian_cell_form(Question.objects.get(slug=question_slug), 7, f"Saved at once ({question_slug}).")
        request = admin_request(user)
        start.wait(timeout=30)
        with one_version_bump(editor(request)):
            form.save()
    finally:
        connection.close()


def test_it_gives_concurrent_saves_distinct_gap_free_numbers_each_with_its_own_snapshot(seeded, root):
    before = CriteriaVersion.objects.get().number
    start = threading.Barrier(len(CONCURRENT_EDITS))
    threads = [threading.Thread(target=save_at_once, args=(slug, root, start)) for slug in CONCURRENT_EDITS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert CriteriaVersion.objects.get().number == before + len(CONCURRENT_EDITS)
    snapshots = list(CriteriaSnapshot.objects.filter(number__gt=before).order_by("number"))
    assert [s.number for s in snapshots] == list(range(before + 1, before + len(CONCURRENT_EDITS) + 1))
    assert {s.by for s in snapshots} == {"root (admin)"}
    # Each snapshot holds every save committed before it and its own: it differs from the one before by one cell.
    previous = CriteriaSnapshot.objects.get(number=before).frozen()
    edited = set()
    for snapshot in snapshots:
        assert len(snapshot.changes) == 1 and snapshot.changes[0].startswith("Granian: ")
        assert criteria_changes(previous, snapshot.frozen()) == snapshot.changes
        edited.add(snapshot.changes[0])
        previous = snapshot.frozen()
    assert len(edited) == len(CONCURRENT_EDITS)
    version = CriteriaVersion.objects.get()
    assert previous[0] == stored_criteria(version.number, version.changed_at) and previous[1] == stored_templates()


def test_it_round_trips_export_then_import_on_postgresql(seeded, tmp_path):
    Effect.objects.filter(option__slug="django", server__slug="granian").update(
        points=2, reason="Edited before export."
    )
    exported = export(tmp_path)
    call_command("reset_criteria")
    assert export(tmp_path, "after-reset.json") != exported
    call_command("import_criteria", str(tmp_path / "criteria.json"))
    assert export(tmp_path, "after-import.json") == exported

    broken = json.loads(exported)
    broken["questions"][0]["options"][0]["effects"]["gunicorn"]["points"] = 99
    (tmp_path / "bad.json").write_text(json.dumps(broken))
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("import_criteria", str(tmp_path / "bad.json"))
    assert export(tmp_path, "after-bad.json") == exported


@pytest.mark.parametrize(
    ("page", "code"),
    [
        ("/", 200),
        ("/recommend/?framework=django&deploy=docker", 200),
        ("/recommend.json?framework=fastapi&async=yes", 200),
        ("/recommend/bundle.zip?framework=flask", 200),
        ("/servers/", 200),
        ("/changes/", 200),
        ("/health", 200),
        ("/recommend/?framework=tomcat", 400),
        ("/recommend.json?cores=lots", 400),
    ],
)
def test_it_serves_pages_from_postgresql_in_one_query_once_warm(seeded, page, code, django_assert_num_queries):
    client = Client()
    assert client.get(page).status_code == code
    with django_assert_num_queries(1):
        assert client.get(page).status_code == code
