"""export_criteria, import_criteria and reset_criteria."""

import json

import pytest
from django.core.management import CommandError, call_command

from decisions.models import ConfigTemplate, CriteriaSnapshot, CriteriaVersion, Effect, Server
from decisions.seeding import DEFAULT_CRITERIA, default_templates
from tests.support.admin import export

pytestmark = pytest.mark.django_db


def test_it_exports_what_the_seed_files_hold(tmp_path):
    exported = json.loads(export(tmp_path))
    templates = exported.pop("config_templates")
    assert json.dumps(exported, indent=2, ensure_ascii=False) + "\n" == DEFAULT_CRITERIA.read_text()
    assert sorted(templates, key=lambda t: t["filename"]) == sorted(default_templates(), key=lambda t: t["filename"])


def test_it_round_trips_export_then_import_to_identical_criteria(tmp_path):
    effect = Effect.objects.get(option__slug="django", server__slug="granian")
    effect.points, effect.reason = 2, "Edited before export."
    effect.save()
    exported = export(tmp_path)
    call_command("reset_criteria")
    assert export(tmp_path, "after-reset.json") != exported
    call_command("import_criteria", str(tmp_path / "criteria.json"))
    assert export(tmp_path, "after-import.json") == exported


def test_it_resets_to_the_articles_defaults(tmp_path):
    defaults = export(tmp_path, "defaults.json")
    Server.objects.filter(slug="uwsgi").update(name="Changed")
    Effect.objects.filter(option__slug="http3").delete()
    ConfigTemplate.objects.filter(filename="nginx.conf").update(body="changed\n")
    call_command("reset_criteria")
    assert export(tmp_path) == defaults


def test_it_imports_edited_config_templates(tmp_path):
    data = json.loads(export(tmp_path))
    nginx = next(t for t in data["config_templates"] if t["filename"] == "nginx.conf")
    nginx["body"] = "# edited\n" + nginx["body"]
    (tmp_path / "edited.json").write_text(json.dumps(data))
    call_command("import_criteria", str(tmp_path / "edited.json"))
    assert ConfigTemplate.objects.get(filename="nginx.conf").body.startswith("# edited")


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d["questions"][0]["options"][0]["effects"]["gunicorn"].update(points=99), "points"),
        (
            lambda d: d["questions"][0]["options"][0]["effects"]["gunicorn"].update(excluded=True, points=0, reason=""),
            "reason",
        ),
        (
            lambda d: d["questions"][0]["options"][0]["effects"].update(
                tomcat={"points": 1, "excluded": False, "reason": "x"}
            ),
            "no server has the slug 'tomcat'",
        ),
        (lambda d: d["questions"].append(d["questions"][0] | {"position": 99}), "already exists"),
        (lambda d: d["servers"][0].pop("name"), "missing field 'name'"),
        (lambda d: d["servers"][0].update(colour="red"), "unknown field(s) colour"),
        (lambda d: d.update(questions="none"), "'questions' must be a list"),
        (lambda d: d["config_templates"][0].update(body="{% if %}"), "config_templates[0]"),
        (
            lambda d: d["config_templates"][0].update(body="{{ no_such_variable }}"),
            "unknown variable 'no_such_variable'",
        ),
        (lambda d: d["config_templates"][0].update(servers=["tomcat"]), "Unknown server: tomcat"),
    ],
)
def test_it_changes_nothing_when_an_import_does_not_validate(tmp_path, breakage, message):
    before = export(tmp_path)
    data = json.loads(before)
    breakage(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="Nothing was changed") as caught:
        call_command("import_criteria", str(bad))
    assert message in str(caught.value)
    assert export(tmp_path, "after.json") == before


def test_it_says_why_a_file_cannot_be_read(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_criteria", str(broken))


def test_it_makes_one_new_criteria_version_per_import_or_reset_that_changes_something(tmp_path):
    effect = Effect.objects.get(option__slug="django", server__slug="granian")
    effect.points, effect.reason = 2, "Edited."
    effect.save()
    export(tmp_path)
    before = CriteriaVersion.objects.get().number
    call_command("reset_criteria")
    assert CriteriaVersion.objects.get().number == before + 1
    call_command("import_criteria", str(tmp_path / "criteria.json"))
    assert CriteriaVersion.objects.get().number == before + 2
    reset, imported = CriteriaSnapshot.objects.filter(number__gt=before).order_by("number")
    assert (reset.by, imported.by) == ("reset_criteria command", "import_criteria command")
    assert imported.summary == "Granian: Django (framework) points +1 → +2, reason reworded"
    call_command("import_criteria", str(tmp_path / "criteria.json"))
    assert CriteriaVersion.objects.get().number == before + 2  # nothing changed, so no new version
