"""The rows decisions/contract.py names cannot be renamed or deleted, in the admin or behind its back."""

import json
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import transaction
from django.db.models import ProtectedError

from decisions import checks
from decisions.contract import reader_of_option, reader_of_question, reader_of_server
from decisions.management.commands.reset_criteria import Command as ResetCommand
from decisions.models import Effect, Option, Question, Server
from decisions.seeding import SERVER_FIELDS
from tests.support.admin import question_data

pytestmark = pytest.mark.django_db
WEBSOCKETS_READS = reader_of_option("realtime", "websockets")


def option_data(option: Option, **changes) -> dict:
    """The option's change form as the page renders it, with its effects inline, ready to post back."""
    fields = ("question", "slug", "label", "help_text", "position")
    data = {name: getattr(option, name) for name in fields} | {"question": option.question_id}
    effects = list(option.effects.order_by("server__position", "server__slug")) if option.pk else []
    data |= {"effects-TOTAL_FORMS": len(effects), "effects-INITIAL_FORMS": len(effects)}
    for index, effect in enumerate(effects):
        row = {"id": effect.pk, "option": option.pk, "server": effect.server_id, "points": effect.points}
        row |= {"reason": effect.reason} | ({"excluded": "on"} if effect.excluded else {})
        row |= {"experimental": "on"} if effect.experimental else {}
        data |= {f"effects-{index}-{name}": value for name, value in row.items()}
    return data | changes


def server_data(server: Server, **changes) -> dict:
    return {name: getattr(server, name) for name in SERVER_FIELDS} | changes


def field_errors(response, field: str) -> str:
    return " ".join(response.context["adminform"].form.errors.get(field, []))


def test_it_refuses_renaming_realtime_websockets_and_says_what_reads_it_on_the_slug(admin_client):
    option = Option.objects.get(question__slug="realtime", slug="websockets")
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/change/", option_data(option, slug="ws"))
    assert response.status_code == 200
    assert WEBSOCKETS_READS in field_errors(response, "slug")
    assert Option.objects.get(pk=option.pk).slug == "websockets"


def test_it_refuses_moving_a_contracted_option_to_another_question(admin_client):
    option = Option.objects.get(question__slug="realtime", slug="websockets")
    other = Question.objects.get(slug="priority")
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/change/", option_data(option, question=other.pk))
    assert WEBSOCKETS_READS in field_errors(response, "question")
    assert Option.objects.get(pk=option.pk).question.slug == "realtime"


def test_it_refuses_renaming_framework_django(admin_client):
    option = Option.objects.get(question__slug="framework", slug="django")
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/change/", option_data(option, slug="dj"))
    assert reader_of_option("framework", "django") in field_errors(response, "slug")
    assert Option.objects.filter(question__slug="framework", slug="django").exists()


def test_it_refuses_renaming_the_server_granian(admin_client):
    server = Server.objects.get(slug="granian")
    response = admin_client.post(f"/admin/decisions/server/{server.pk}/change/", server_data(server, slug="granian-rs"))
    assert reader_of_server("granian") in field_errors(response, "slug")
    assert Server.objects.get(pk=server.pk).slug == "granian"


def test_it_still_saves_a_contracted_rows_label_and_position(admin_client):
    option = Option.objects.get(question__slug="realtime", slug="websockets")
    data = option_data(option, label="WebSockets (live updates)", position=7)
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/change/", data)
    assert response.status_code == 302
    assert Option.objects.get(pk=option.pk).label == "WebSockets (live updates)"


def test_it_shows_what_reads_the_row_in_the_slug_help_text(admin_client):
    server = Server.objects.get(slug="granian")
    html = admin_client.get(f"/admin/decisions/server/{server.pk}/change/").content.decode()
    assert "what the code does not know it ignores" in html
    assert "Read by Serverwise" in html
    new = admin_client.get("/admin/decisions/server/add/").content.decode()
    assert "what the code does not know it ignores" in new and "Read by Serverwise" not in new


@pytest.mark.parametrize("field, value", [("slug", "ws"), ("DELETE", "on")], ids=["rename", "delete"])
def test_it_refuses_an_inline_rename_or_delete_of_a_contracted_option(admin_client, field, value):
    question = Question.objects.get(slug="realtime")
    data = question_data(question)
    index = next(i for i in range(len(question.options.all())) if data[f"options-{i}-slug"] == "websockets")
    data[f"options-{index}-{field}"] = value
    response = admin_client.post(f"/admin/decisions/question/{question.pk}/change/", data)
    assert response.status_code == 200
    assert WEBSOCKETS_READS in response.content.decode()
    assert question.options.filter(slug="websockets").exists()


def test_it_refuses_a_bulk_delete_of_a_contracted_server(admin_client):
    servers = Server.objects.filter(slug__in=["granian", "uwsgi"])
    data = {"action": "delete_selected", "_selected_action": [s.pk for s in servers], "post": "yes"}
    response = admin_client.post("/admin/decisions/server/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "protected" in html and escape(reader_of_server("granian")) in html
    assert Server.objects.filter(slug__in=["granian", "uwsgi"]).count() == 2


def test_it_refuses_deleting_a_contracted_server_on_its_delete_page(admin_client):
    server = Server.objects.get(slug="granian")
    response = admin_client.post(f"/admin/decisions/server/{server.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert escape(reader_of_server("granian")) in response.content.decode()
    assert Server.objects.filter(slug="granian").exists()


def test_it_refuses_deleting_a_question_whose_contracted_options_would_go_with_it(admin_client):
    question = Question.objects.get(slug="realtime")
    html = admin_client.post(f"/admin/decisions/question/{question.pk}/delete/", {"post": "yes"}).content.decode()
    assert escape(reader_of_question("realtime")) in html and escape(WEBSOCKETS_READS) in html
    assert Option.objects.filter(question__slug="realtime", slug="websockets").exists()


def test_it_lets_an_admin_add_rename_and_delete_an_option_the_code_does_not_read(admin_client):
    question = Question.objects.get(slug="realtime")
    option = Option.objects.create(question=question, slug="server-sent-events", label="Server-sent events")
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/change/", option_data(option, slug="sse"))
    assert response.status_code == 302
    assert Option.objects.get(pk=option.pk).slug == "sse"
    response = admin_client.post(f"/admin/decisions/option/{option.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Option.objects.filter(pk=option.pk).exists()


def test_it_refuses_a_rename_or_delete_from_a_shell_too():
    option = Option.objects.get(question__slug="realtime", slug="websockets")
    option.slug = "ws"
    with pytest.raises(ValidationError, match="Channels/flask-sock"):
        option.save()
    with pytest.raises(ProtectedError, match="Channels/flask-sock"), transaction.atomic():
        Option.objects.filter(slug="websockets").delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Question.objects.get(slug="realtime").delete()
    assert Option.objects.filter(question__slug="realtime", slug="websockets").exists()


def test_it_refuses_an_import_that_lacks_contracted_rows_naming_each_and_changes_nothing(tmp_path):
    call_command("export_criteria", output=str(tmp_path / "criteria.json"))
    data = json.loads((tmp_path / "criteria.json").read_text())
    data["servers"] = [s for s in data["servers"] if s["slug"] != "granian"]
    for question in data["questions"]:
        question["options"] = [o for o in question["options"] if o["slug"] != "websockets"]
        for option in question["options"]:
            option["effects"].pop("granian", None)
    (tmp_path / "lacking.json").write_text(json.dumps(data))
    effects = Effect.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("import_criteria", str(tmp_path / "lacking.json"))
    assert "Nothing was changed" in str(refused.value)
    assert "server granian" in str(refused.value) and "option realtime=websockets" in str(refused.value)
    assert Server.objects.filter(slug="granian").exists() and Effect.objects.count() == effects


def test_it_passes_the_system_check_on_the_seeded_criteria():
    call_command("check")


def test_it_fails_the_system_check_naming_rows_renamed_behind_the_admins_back():
    Option.objects.filter(question__slug="realtime", slug="websockets").update(slug="ws")
    Server.objects.filter(slug="granian").update(slug="granian-rs")
    with pytest.raises(SystemCheckError) as failed:
        call_command("check")
    assert "option realtime=websockets" in str(failed.value) and "server granian" in str(failed.value)


def test_it_skips_the_system_check_until_the_decisions_migrations_are_applied(monkeypatch):
    Server.objects.filter(slug="granian").update(slug="granian-rs")
    monkeypatch.setattr(checks, "_decisions_migrated", lambda: False)
    assert checks.contracted_rows_check() == []


def test_it_lets_reset_criteria_repair_what_the_system_check_reports():
    Server.objects.filter(slug="granian").update(slug="granian-rs")
    assert not ResetCommand.requires_system_checks  # the check that fails does not hold up the repair
    call_command("reset_criteria")
    call_command("check")
