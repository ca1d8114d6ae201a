"""Criteria versions: every change through the admin or a command stores one immutable snapshot, with who made it
and what changed; a snapshot rebuilds that version's criteria and templates exactly."""

import dataclasses
import hashlib
import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from decisions import store
from decisions.domain import POSITION, EffectInfo, snapshot_criteria, snapshot_data
from decisions.history import FIRST_VERSION, criteria_changes, summary
from decisions.models import (
    ConfigTemplate,
    CriteriaSnapshot,
    CriteriaVersion,
    Effect,
    Expectation,
    MeasurementRun,
    Option,
    Question,
    Server,
    stored_criteria,
    stored_templates,
)
from decisions.seeding import default_expectations, default_templates, seed_measurement_files
from tests.support.admin import key, matrix_data, new_server, question_data, template_data
from tests.support.bundles import CRITERIA, TEMPLATES, with_effect


def test_it_rebuilds_criteria_and_templates_exactly_from_a_snapshot():
    rebuilt, templates = snapshot_criteria(snapshot_data(CRITERIA, TEMPLATES), CRITERIA.version, None)
    assert rebuilt == CRITERIA and templates == TEMPLATES
    assert [s.slug for s in rebuilt.servers] == [s.slug for s in CRITERIA.servers]
    assert type(rebuilt.servers[0].memory_pss_mib).__name__ == "Decimal"


def test_it_says_what_changed_between_two_versions():
    http3 = CRITERIA.question("http").option("http3").effects["hypercorn"]
    edited = with_effect(CRITERIA, "http", "http3", "hypercorn", dataclasses.replace(http3, points=-1))
    assert criteria_changes((CRITERIA, TEMPLATES), (edited, TEMPLATES)) == [
        "Hypercorn: HTTP/3 (QUIC) (http) points +3 → -1"
    ]
    ruled_out = with_effect(CRITERIA, "http", "http2", "gunicorn", EffectInfo(0, True, "No HTTP/2."))
    assert criteria_changes((CRITERIA, TEMPLATES), (ruled_out, TEMPLATES)) == [
        "Gunicorn: HTTP/2 (http) now rules it out"
    ]
    removed = with_effect(CRITERIA, "http", "http2", "hypercorn", None)
    assert "Hypercorn: HTTP/2 (http) points +2 → +0, reason reworded" in criteria_changes(
        (CRITERIA, TEMPLATES), (removed, TEMPLATES)
    )
    renamed = dataclasses.replace(CRITERIA, servers=(dataclasses.replace(CRITERIA.servers[0], version="99"),))
    lines = criteria_changes((CRITERIA, TEMPLATES), (renamed, TEMPLATES))
    assert "Gunicorn: version changed" in lines and "Server removed: Granian" in lines
    body = tuple(dataclasses.replace(t, body="x") if t.filename == "gunicorn.conf.py" else t for t in TEMPLATES)
    assert criteria_changes((CRITERIA, TEMPLATES), (CRITERIA, body)) == ["gunicorn.conf.py (gunicorn): body changed"]
    assert criteria_changes((CRITERIA, TEMPLATES), (CRITERIA, TEMPLATES)) == []


def test_it_summarises_many_changes_in_a_line():
    assert summary(["a", "b"]) == "a; b"
    assert summary(["a", "b", "c", "d", "e"]) == "a; b; c; and 2 more changes"


@pytest.mark.django_db
def test_the_migration_snapshots_the_version_an_existing_database_holds():
    first = CriteriaSnapshot.objects.order_by("number").first()
    assert first.changes == [FIRST_VERSION] and first.by == "migration 0007"
    assert first.frozen()[0].tie_rule == POSITION
    version = CriteriaVersion.objects.get()
    snapshot = CriteriaSnapshot.objects.get(number=version.number)
    assert snapshot.by == "migration 0015" and snapshot.created_at == version.changed_at
    # 0015 shows the seeded run: a version of 0011's criteria that names it
    assert snapshot.measurement_run == MeasurementRun.current() and snapshot.changes[0].startswith("Measured speed:")
    assert CriteriaSnapshot.objects.get(number=version.number - 1).by == "migration 0011"
    criteria, templates = snapshot.frozen()
    assert criteria == stored_criteria(version.number, version.changed_at) and templates == stored_templates()
    assert criteria.key == store.current().key


@pytest.mark.django_db
def test_a_scoring_matrix_save_makes_one_snapshot_by_its_admin(admin_client):
    before = CriteriaVersion.objects.get().number
    question = Question.objects.get(slug="http")
    data = matrix_data(question) | {f"points-{key('http', 'http3', 'hypercorn')}": -1}
    data[f"points-{key('http', 'http2', 'hypercorn')}"] = 4
    assert admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data).status_code == 302
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert CriteriaVersion.objects.get().number == before + 1 and snapshot.by == "admin (admin)"
    assert snapshot.summary == "Hypercorn: HTTP/2 (http) points +2 → +4; Hypercorn: HTTP/3 (QUIC) (http) points +3 → -1"
    assert snapshot.frozen()[0] == stored_criteria(before + 1, snapshot.created_at)
    assert admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data).status_code == 302
    assert CriteriaVersion.objects.get().number == before + 1  # nothing changed: no new version


@pytest.mark.django_db
def test_an_admin_save_with_inlines_makes_one_snapshot(admin_client):
    before = CriteriaVersion.objects.get().number
    question = Question.objects.get(slug="tls")
    options = list(question.options.all())
    data = question_data(question, edited=" (edited)")
    assert admin_client.post(f"/admin/decisions/question/{question.pk}/change/", data).status_code == 302
    assert CriteriaVersion.objects.get().number == before + 1
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert snapshot.changes[0] == f"“{question.text} (edited)”: text changed"
    assert len(snapshot.changes) == 1 + len(options)


@pytest.mark.django_db
def test_a_config_template_save_and_a_server_delete_each_make_a_snapshot(admin_client):
    before = CriteriaVersion.objects.get().number
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    data = template_data(template, body=template.body + "# edited\n")
    assert admin_client.post(f"/admin/decisions/configtemplate/{template.pk}/change/", data).status_code == 302
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert (snapshot.summary, snapshot.by) == ("gunicorn.conf.py (gunicorn): body changed", "admin (admin)")
    server = new_server("bjoern")  # the servers the code reads cannot be deleted
    after_adding = CriteriaVersion.objects.get().number
    response = admin_client.post(f"/admin/decisions/server/{server.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert CriteriaVersion.objects.get().number == after_adding + 1
    assert CriteriaSnapshot.objects.get(number=after_adding + 1).summary.startswith("Server removed: Bjoern")


@pytest.mark.django_db
def test_the_admin_lists_and_shows_snapshots_but_nobody_changes_or_deletes_them(admin_client):
    snapshot = CriteriaSnapshot.objects.order_by("number").first()
    changelist = admin_client.get("/admin/decisions/criteriasnapshot/")
    assert changelist.status_code == 200 and FIRST_VERSION in changelist.content.decode()
    page = admin_client.get(f"/admin/decisions/criteriasnapshot/{snapshot.pk}/change/")
    assert page.status_code == 200 and "Save" not in page.content.decode().split('id="content"')[1].split("</form>")[0]
    assert admin_client.get("/admin/decisions/criteriasnapshot/add/").status_code == 403
    assert admin_client.post(f"/admin/decisions/criteriasnapshot/{snapshot.pk}/change/", {"by": "x"}).status_code == 403
    assert admin_client.get(f"/admin/decisions/criteriasnapshot/{snapshot.pk}/delete/").status_code == 403
    assert CriteriaSnapshot.objects.get(pk=snapshot.pk).by == "migration 0007"


@pytest.mark.django_db
def test_criteria_editors_may_view_snapshots_and_nothing_more_of_them():
    codenames = set(Group.objects.get(name="Criteria editors").permissions.values_list("codename", flat=True))
    assert "view_criteriasnapshot" in codenames
    assert not {"add_criteriasnapshot", "change_criteriasnapshot", "delete_criteriasnapshot"} & codenames


@pytest.mark.django_db
def test_a_list_edit_of_many_rows_makes_one_snapshot(admin_client):
    before = CriteriaVersion.objects.get().number
    servers = list(Server.objects.order_by("position"))
    data = {"form-TOTAL_FORMS": len(servers), "form-INITIAL_FORMS": len(servers), "_save": "Save"}
    for index, server in enumerate(servers):
        data |= {f"form-{index}-id": server.pk, f"form-{index}-position": len(servers) - index}
    assert admin_client.post("/admin/decisions/server/", data).status_code == 302
    assert CriteriaVersion.objects.get().number == before + 1
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert [server.slug for server in snapshot.frozen()[0].servers] == [server.slug for server in reversed(servers)]
    assert "Gunicorn: position changed" in snapshot.changes and snapshot.summary.endswith("; and 1 more change")


@pytest.mark.django_db
def test_a_save_outside_the_admin_and_its_snapshot_share_one_transaction(monkeypatch):
    server = Server.objects.get(slug="granian")
    question = Question.objects.create(slug="hosting", text="Where does it run?")  # one the code does not read
    Option.objects.create(question=question, slug="vm", label="A virtual machine")

    def fail(**fields):
        raise RuntimeError("the snapshot could not be written")

    monkeypatch.setattr(CriteriaSnapshot.objects, "create", fail)
    server.summary = "Edited in a shell."
    with pytest.raises(RuntimeError):
        server.save()
    assert Server.objects.get(slug="granian").summary != "Edited in a shell."
    with pytest.raises(RuntimeError):
        question.delete()
    assert Question.objects.filter(slug="hosting").exists()


@pytest.mark.django_db
def test_migration_0009_brings_the_templates_no_admin_edited_up_to_the_seed_in_one_version():
    name = "0009_graceful_uwsgi_and_forwarded_headers"
    migration = importlib.import_module(f"decisions.migrations.{name}")
    historical = MigrationLoader(connection).project_state(("decisions", name)).apps  # models without signals
    seed = {row["filename"]: row["body"] for row in default_templates()}
    # uwsgi.ini as the seed shipped it before 0009, when SIGTERM cut open requests off
    before_sigterm = seed["uwsgi.ini"][: seed["uwsgi.ini"].index("# SIGTERM")]
    # ... and before migration 0014 wrote a carried timeout
    before_sigterm = before_sigterm.replace("harakiri = {{ timeout }}", "harakiri = 30")
    shipped = before_sigterm + "die-on-term = true\nvacuum = true\n"
    assert hashlib.sha256(shipped.encode()).hexdigest() in migration.EARLIER_SEED_BODIES["uwsgi.ini"]
    edited = "# Ours: our own proxy setup.\n" + seed["gunicorn.conf.py"]
    for filename, body in (("uwsgi.ini", shipped), ("gunicorn.conf.py", edited)):
        template = ConfigTemplate.objects.get(filename=filename)
        template.body = body
        template.save()
    before = CriteriaVersion.objects.get().number

    migration.update(historical, None)
    migration.update(historical, None)  # a second run finds nothing left to bring up

    assert ConfigTemplate.objects.get(filename="uwsgi.ini").body == seed["uwsgi.ini"]
    assert ConfigTemplate.objects.get(filename="gunicorn.conf.py").body == edited
    assert CriteriaVersion.objects.get().number == before + 1
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    # 0009's historical models predate the tie rule's facts (0010), so its snapshot also says ties went by position
    template_lines = [line for line in snapshot.changes if ".ini" in line or ".py" in line]
    assert snapshot.by == "migration 0009" and len(template_lines) == 1 and "uwsgi.ini" in template_lines[0]
    assert snapshot.frozen()[1] == stored_templates()


@pytest.mark.django_db
def test_migration_0016_brings_the_reasons_and_expectations_no_admin_edited_up_to_the_measurements():
    name = "0016_measured_reasons"
    migration = importlib.import_module(f"decisions.migrations.{name}")
    historical = MigrationLoader(connection).project_state(("decisions", name)).apps  # models without signals

    def effect(question: str, option: str, server: str) -> Effect:
        return Effect.objects.get(option__question__slug=question, option__slug=option, server__slug=server)

    # What the earlier seed stored, through querysets that record no version; then one reason an admin rewrote.
    for question, option, server, points, excluded, reason, *_ in migration.EFFECT_CHANGES:
        Effect.objects.filter(pk=effect(question, option, server).pk).update(
            points=points, excluded=excluded, reason=reason
        )
    Effect.objects.filter(pk=effect("realtime", "long-polling", "granian").pk).update(reason="Ours: measured at home.")
    for answers, expected, note in migration.EXPECTATION_CHANGES:
        Expectation.objects.filter(answers=answers).update(expected=expected, note=note)
    Expectation.objects.filter(answers=migration.ADDED_EXPECTATION).delete()
    before = CriteriaVersion.objects.get().number

    migration.update(historical, None)
    migration.update(historical, None)  # a second run finds nothing left to bring up

    for question, option, server, _, _, _, points, excluded, reason in migration.EFFECT_CHANGES:
        found = effect(question, option, server)
        if (question, option, server) == ("realtime", "long-polling", "granian"):
            assert (found.points, found.reason) == (2, "Ours: measured at home.")  # edited: left as it is
        else:
            assert (found.points, found.excluded, found.reason) == (points, excluded, reason)
    seeded = {row["answers"]: row for row in default_expectations()}
    for answers, *_ in migration.EXPECTATION_CHANGES:
        stored = Expectation.objects.get(answers=answers)
        assert (stored.expected, stored.note) == (seeded[answers]["expected"], seeded[answers]["note"])
    added = Expectation.objects.get(answers=migration.ADDED_EXPECTATION)  # once, though the migration ran twice
    assert added.expected == "uvicorn" and added == Expectation.objects.last()
    assert CriteriaVersion.objects.get().number == before + 1
    snapshot = CriteriaSnapshot.objects.get(number=before + 1)
    assert snapshot.by == "migration 0016"
    newest = MeasurementRun.objects.latest()
    assert newest.source == seed_measurement_files()[-1].read_text(encoding="utf-8")
    assert snapshot.measurement_run_id == newest.pk


@pytest.mark.django_db
def test_migration_0017_brings_the_runs_without_recycling_and_the_texts_no_admin_edited_up_to_them():
    name = "0017_runs_without_recycling"
    migration = importlib.import_module(f"decisions.migrations.{name}")
    historical = MigrationLoader(connection).project_state(("decisions", name)).apps

    def effect(question: str, option: str, server: str) -> Effect:
        return Effect.objects.get(option__question__slug=question, option__slug=option, server__slug=server)

    # A database from before it, through querysets that record no version: the earlier texts, one of them edited by
    # an admin, and the newest run the seed ships not stored, the versions showing the one before.
    for question, option, server, reason, _ in migration.REASON_CHANGES:
        Effect.objects.filter(pk=effect(question, option, server).pk).update(reason=reason)
    Effect.objects.filter(pk=effect("priority", "performance", "hypercorn").pk).update(reason="Ours: measured at home.")
    for server, limitations, _ in migration.LIMITATIONS_CHANGES:
        Server.objects.filter(slug=server).update(limitations=limitations)
    newest, earlier = MeasurementRun.objects.order_by("-started_at")[:2]
    CriteriaSnapshot.objects.filter(measurement_run=newest).update(measurement_run=earlier)
    newest.delete()
    before = CriteriaVersion.objects.get().number

    migration.update(historical, None)
    migration.update(historical, None)  # a second run finds nothing left to bring up

    for question, option, server, _, reason in migration.REASON_CHANGES:
        found = effect(question, option, server).reason
        assert found == ("Ours: measured at home." if server == "hypercorn" else reason)
    for server, _, limitations in migration.LIMITATIONS_CHANGES:
        assert Server.objects.get(slug=server).limitations == limitations
    stored = MeasurementRun.objects.get(source=seed_measurement_files()[-1].read_text(encoding="utf-8"))
    assert MeasurementRun.objects.count() == len(seed_measurement_files())
    # One version for the texts, one for the run the pages now show.
    assert CriteriaVersion.objects.get().number == before + 2
    texts, run = CriteriaSnapshot.objects.filter(number__gt=before).order_by("number")
    assert (texts.by, run.by, run.measurement_run_id) == ("migration 0017", "migration 0017", stored.pk)
