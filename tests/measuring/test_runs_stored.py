"""import_measurements, the seed migration's shipped run, and the admin that only shows runs."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from decisions.measured import parse_run
from decisions.models import MeasurementRun
from decisions.seeding import seed_measurement_files
from tests.support.measurements import django_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_file(tmp_path):
    path = tmp_path / "2026-12-06T0300Z-testhost.json"
    path.write_text(json.dumps(django_run(), indent=1))
    return path


def test_it_imports_a_run_file_verbatim(run_file, capsys):
    before = MeasurementRun.objects.count()
    call_command("import_measurements", str(run_file))
    row = MeasurementRun.objects.get(host="testhost")
    assert MeasurementRun.objects.count() == before + 1
    assert row.source == run_file.read_text()
    assert (row.cells, row.quick, row.machine) == (14, False, "2 cores (Test CPU), 4.0 GiB, Debian")
    assert row.run == parse_run(django_run())
    assert "Imported Run of 2026-12-06 03:00 UTC on testhost (14 cells)" in capsys.readouterr().out


def test_it_imports_the_same_file_once(run_file, capsys):
    call_command("import_measurements", str(run_file))
    call_command("import_measurements", str(run_file))
    assert MeasurementRun.objects.filter(host="testhost").count() == 1
    assert "Already imported: Run of 2026-12-06 03:00 UTC on testhost" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "is not a measuring run: not JSON"),
        (json.dumps(django_run() | {"cells": "none"}), "is not a measuring run: the file: cells must be a list"),
    ],
)
def test_it_refuses_a_malformed_file_and_imports_nothing(tmp_path, text, message):
    path = tmp_path / "run.json"
    path.write_text(text)
    before = MeasurementRun.objects.count()
    with pytest.raises(CommandError, match=f"Nothing was imported: {path} {message}"):
        call_command("import_measurements", str(path))
    assert MeasurementRun.objects.count() == before


def test_it_says_when_it_cannot_read_the_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_measurements", str(tmp_path / "missing.json"))


def test_it_seeds_the_run_the_seed_ships():
    shipped = seed_measurement_files()
    assert shipped, "decisions/seed/measurements/ ships a run of make measure"
    stored = {row.source for row in MeasurementRun.objects.all()}
    assert {path.read_text(encoding="utf-8") for path in shipped} <= stored
    current = MeasurementRun.current()
    assert current is not None and not current.quick
    assert current.run.cells


def test_it_shows_runs_in_the_admin_and_lets_nobody_add_change_or_delete_one(admin_client, run_file):
    call_command("import_measurements", str(run_file))
    row = MeasurementRun.objects.get(host="testhost")
    listing = admin_client.get(reverse("admin:decisions_measurementrun_changelist"))
    assert listing.status_code == 200 and b"testhost" in listing.content
    page = admin_client.get(reverse("admin:decisions_measurementrun_change", args=[row.pk]))
    assert page.status_code == 200
    assert b"gunicorn gthread 32 threads" in page.content and b"3.00x (2.80-3.20)" in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:decisions_measurementrun_add")).status_code == 403
    assert admin_client.post(reverse("admin:decisions_measurementrun_change", args=[row.pk]), {}).status_code == 403
    assert admin_client.post(reverse("admin:decisions_measurementrun_delete", args=[row.pk])).status_code == 403
    assert MeasurementRun.objects.filter(pk=row.pk).exists()
