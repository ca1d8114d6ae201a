"""The criteria admin, through its own pages and forms."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from decisions.models import ConfigTemplate, CriteriaVersion, Effect, Option, Question, Server
from decisions.seeding import SERVER_FIELDS
from tests.support.admin import key, matrix_data, new_server, question_data, template_data

pytestmark = pytest.mark.django_db
MODELS = ("server", "question", "option", "effect", "configtemplate", "criteriaversion")
MODEL_CLASSES = {
    "server": Server,
    "question": Question,
    "option": Option,
    "effect": Effect,
    "configtemplate": ConfigTemplate,
    "criteriaversion": CriteriaVersion,
}


def test_it_refuses_the_admin_pages_to_an_anonymous_visitor_beside_a_logged_in_admin(admin_client, client):
    question = Question.objects.get(slug="framework")
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    scoring = reverse("admin:decisions_question_scoring", args=[question.pk])
    pages = [
        "/admin/",
        scoring,
        f"/admin/decisions/configtemplate/{template.pk}/change/",
        reverse("admin:decisions_configtemplate_preview", args=[template.pk]),
    ]
    for url in pages:
        assert admin_client.get(url).status_code == 200, url
        refused = client.get(url)
        assert refused.status_code == 302, url
        assert refused["Location"] == f"/admin/login/?next={url}"
    version = CriteriaVersion.objects.get().number
    assert (
        client.post(
            scoring, matrix_data(question) | {f"points-{key('framework', 'django', 'gunicorn')}": 9}
        ).status_code
        == 302
    )
    assert CriteriaVersion.objects.get().number == version


def test_it_loads_every_admin_page_of_the_decisions_app(admin_client):
    assert admin_client.get("/admin/decisions/").status_code == 200
    for model in MODELS:
        assert admin_client.get(f"/admin/decisions/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/decisions/{model}/?q=http").status_code == 200, model
        instance = MODEL_CLASSES[model].objects.first()
        assert admin_client.get(f"/admin/decisions/{model}/{instance.pk}/change/").status_code == 200, model
        assert admin_client.get(f"/admin/decisions/{model}/{instance.pk}/history/").status_code == 200, model
        if model != "criteriaversion":
            assert admin_client.get(f"/admin/decisions/{model}/add/").status_code == 200, model
    for question in Question.objects.all():
        assert admin_client.get(reverse("admin:decisions_question_scoring", args=[question.pk])).status_code == 200
    for template in ConfigTemplate.objects.all():
        assert (
            admin_client.get(reverse("admin:decisions_configtemplate_preview", args=[template.pk])).status_code == 200
        )


def test_it_shows_the_scoring_of_each_option_at_a_glance(admin_client):
    html = admin_client.get(
        "/admin/decisions/option/?question__id__exact=" + str(Question.objects.get(slug="http").pk)
    ).content.decode()
    for name in ("Gunicorn", "uWSGI", "Uvicorn", "Hypercorn", "Granian"):
        assert f"<span>On {name}</span>" in html
    assert "✕ ruled out" in html and "+3" in html


def test_it_changes_the_next_json_answer_when_an_admin_edits_one_effect(admin_client, client):
    assert client.get("/recommend.json?framework=django").json()["recommended"] == "gunicorn"
    version_before = CriteriaVersion.objects.get().number
    question = Question.objects.get(slug="framework")
    data = matrix_data(question)
    data[f"points-{key('framework', 'django', 'granian')}"] = 9
    data[f"reason-{key('framework', 'django', 'granian')}"] = "Edited by an admin."
    response = admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)
    assert response.status_code == 302
    answer = client.get("/recommend.json?framework=django").json()
    assert answer["recommended"] == "granian"
    assert CriteriaVersion.objects.get().number == version_before + 1  # one save, one new version
    assert {"question": "framework", "text": "Edited by an admin.", "points": 9} in answer["ranking"][0]["reasons"]


def test_it_records_each_change_in_the_objects_history(admin_client):
    question = Question.objects.get(slug="framework")
    data = matrix_data(question)
    data[f"points-{key('framework', 'flask', 'gunicorn')}"] = 4
    admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)
    effect = Effect.objects.get(option__question__slug="framework", option__slug="flask", server__slug="gunicorn")
    entry = LogEntry.objects.get(object_id=str(effect.pk), content_type__model="effect")
    assert "+4" in entry.get_change_message()
    history = admin_client.get(f"/admin/decisions/effect/{effect.pk}/history/").content.decode()
    assert "+4" in history
    assert LogEntry.objects.filter(object_id=str(question.pk), content_type__model="question").exists()


def test_it_records_added_and_removed_effects_in_their_histories(admin_client):
    question = Question.objects.get(slug="framework")
    removed = Effect.objects.get(option__question=question, option__slug="flask", server__slug="gunicorn")
    added_key = next(
        f"{option.pk}-{server.pk}"
        for option in question.options.all()
        for server in Server.objects.all()
        if not Effect.objects.filter(option=option, server=server).exists()
    )
    data = matrix_data(question)
    data[f"points-{key('framework', 'flask', 'gunicorn')}"] = 0
    data[f"reason-{key('framework', 'flask', 'gunicorn')}"] = ""
    data[f"points-{added_key}"] = 1
    data[f"reason-{added_key}"] = "Added by an admin."
    admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)
    assert not Effect.objects.filter(pk=removed.pk).exists()
    deletion = LogEntry.objects.get(object_id=str(removed.pk), content_type__model="effect")
    assert deletion.is_deletion() and deletion.object_repr == str(removed)
    added = Effect.objects.get(reason="Added by an admin.")
    addition = LogEntry.objects.get(object_id=str(added.pk), content_type__model="effect")
    assert addition.is_addition() and "Scoring matrix: +1" in addition.get_change_message()
    summary = LogEntry.objects.get(object_id=str(question.pk), content_type__model="question").get_change_message()
    assert "flask × gunicorn: removed" in summary and "+1 (Added by an admin.)" in summary


@pytest.mark.parametrize(
    "change, message",
    [
        ({"points": 11}, "less than or equal to 10"),
        ({"points": -50}, "greater than or equal to -10"),
        ({"points": "lots"}, "Enter a whole number"),
        ({"excluded": "on", "points": 0, "reason": ""}, "Give the reason"),
        ({"excluded": "on", "points": 2, "reason": "x"}, "leave its points at 0"),
        ({"points": 3, "reason": ""}, "Give the reason"),
        ({"points": 3, "reason": "x" * 301}, "at most 300 characters"),
        ({"points": 3, "reason": "a\x00b"}, "Null characters are not allowed"),
    ],
)
def test_it_refuses_bad_scoring_and_saves_nothing(admin_client, change, message):
    question = Question.objects.get(slug="framework")
    cell = key("framework", "django", "uvicorn")
    other = key("framework", "django", "gunicorn")
    before_version = CriteriaVersion.objects.get().number
    data = matrix_data(question)
    data[f"points-{other}"] = 7  # a valid edit in the same post must not be saved either
    for field, value in change.items():
        if field == "excluded":
            data[f"excluded-{cell}"] = value
        else:
            data[f"{field}-{cell}"] = value
    response = admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Effect.objects.get(option__slug="django", server__slug="gunicorn").points == 3
    assert CriteriaVersion.objects.get().number == before_version


def test_it_counts_a_line_break_in_a_reason_once_as_the_textarea_does(admin_client):
    """A browser sends a textarea's line breaks as CRLF, and its maxlength counts each once."""
    question = Question.objects.get(slug="framework")
    cell = key("framework", "django", "uvicorn")
    reason = "\n".join(["A reason over many lines."] * 11) + "\n" + "x" * 14  # 300 characters, 11 line breaks
    assert len(reason) == 300
    data = matrix_data(question) | {f"points-{cell}": 2, f"reason-{cell}": reason.replace("\n", "\r\n")}
    response = admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data)
    assert response.status_code == 302
    assert Effect.objects.get(option__slug="django", server__slug="uvicorn").reason == reason


def test_it_refuses_a_duplicate_server_slug(admin_client):
    server = new_server("bjoern")
    data = {name: getattr(server, name) for name in SERVER_FIELDS if name != "slug"}
    data["slug"] = "gunicorn"
    response = admin_client.post(f"/admin/decisions/server/{server.pk}/change/", data)
    assert response.status_code == 200
    assert "Server with this Slug already exists." in response.content.decode()
    assert Server.objects.get(pk=server.pk).slug == "bjoern"


def test_it_refuses_a_bad_option_slug_at_the_field(admin_client):
    question = Question.objects.get(slug="tls")
    options = list(question.options.all())
    data = question_data(question, new_options=1)
    new = len(options)
    data |= {
        f"options-{new}-question": question.pk,
        f"options-{new}-slug": "Bad Slug!",
        f"options-{new}-label": "x",
        f"options-{new}-position": 9,
    }
    response = admin_client.post(f"/admin/decisions/question/{question.pk}/change/", data)
    assert response.status_code == 200
    assert "Enter a valid “slug”" in response.content.decode()
    assert question.options.count() == len(options)


def test_it_shows_when_the_criteria_last_changed(admin_client, client):
    effect = Effect.objects.first()
    effect.reason = effect.reason + " (edited)"
    effect.save()
    version = CriteriaVersion.objects.get()
    html = client.get("/").content.decode()
    assert f"(version {version.number})" in html
    assert f'datetime="{version.changed_at:%Y-%m-%dT%H:%M:%S%z}"' in html  # HTML allows no microseconds


def test_it_shows_staff_without_permissions_none_of_the_criteria(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    index = client.get("/admin/").content.decode()
    assert "Decision criteria" not in index and "/admin/decisions/" not in index
    for model in MODELS:
        assert client.get(f"/admin/decisions/{model}/").status_code == 403, model
    question = Question.objects.get(slug="framework")
    url = reverse("admin:decisions_question_scoring", args=[question.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, matrix_data(question)).status_code == 403


def test_it_edits_config_bodies_in_a_monospace_textarea(admin_client):
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    html = admin_client.get(f"/admin/decisions/configtemplate/{template.pk}/change/").content.decode()
    assert 'class="code"' in html and 'spellcheck="false"' in html
    assert "<code>workers</code>" in html  # the variables an admin can use are listed beside the body


@pytest.mark.parametrize(
    "body, message",
    [
        ("bind = {{ bind }}\n{% if workers %}\nworkers = {{ workers }}\n", "line 2"),
        ("bind = {{ bind }}\nworkers = {{ worker_count }}\n", "unknown variable &#x27;worker_count&#x27;"),
        ("{% load static %}", "static"),
    ],
)
def test_it_refuses_a_template_that_does_not_compile_or_render(admin_client, body, message):
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    before = template.body
    response = admin_client.post(
        f"/admin/decisions/configtemplate/{template.pk}/change/", template_data(template, body=body)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html and message in html
    assert ConfigTemplate.objects.get(pk=template.pk).body == before


def test_it_saves_a_valid_template_and_the_next_download_uses_it(admin_client, client):
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    body = "# Reviewed by the team\n" + template.body
    response = admin_client.post(
        f"/admin/decisions/configtemplate/{template.pk}/change/", template_data(template, body=body)
    )
    assert response.status_code == 302
    download = client.get("/recommend/configs/gunicorn.conf.py?framework=django")
    assert download.content.decode().splitlines()[1] == "# Reviewed by the team"  # under the link to the result


def test_it_previews_a_template_with_the_real_validators_verdict(admin_client):
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    url = reverse("admin:decisions_configtemplate_preview", args=[template.pk])
    html = admin_client.get(url, {"server": "gunicorn", "target": "docker", "sample": 1}).content.decode()
    assert "worker_class" in html
    assert "✓ Valid" in html and "gunicorn" in html


def test_it_shows_a_failing_verdict_for_a_template_that_renders_an_invalid_file(admin_client):
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py")
    template.body = template.body + "worker_clas = 'sync'\n"  # compiles and renders, but Gunicorn has no such setting
    template.save()
    url = reverse("admin:decisions_configtemplate_preview", args=[template.pk])
    html = admin_client.get(url, {"server": "gunicorn", "target": "systemd", "sample": 0}).content.decode()
    assert "✕ Not valid" in html and "worker_clas" in html


def test_it_says_why_a_template_cannot_be_previewed_once_its_server_or_deploy_target_is_gone(admin_client):
    ConfigTemplate.objects.create(name="bjoern", filename="bjoern.ini", servers="bjoern", body="[bjoern]\n")
    ConfigTemplate.objects.create(name="nomad", filename="nomad.hcl", deploys="nomad", body="job {}\n")
    new_server("bjoern").delete()  # the servers and deploy targets the code reads cannot be deleted
    for filename, message in (
        ("nomad.hcl", "None of the deploy targets this template is for (nomad) is an answer any more."),
        ("bjoern.ini", "None of the servers this template is for (bjoern) is in the criteria any more."),
    ):
        url = reverse("admin:decisions_configtemplate_preview", args=[ConfigTemplate.objects.get(filename=filename).pk])
        response = admin_client.get(url)
        assert response.status_code == 200
        assert message in response.content.decode()


def test_it_lets_criteria_editors_edit_the_criteria_and_nothing_else(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Criteria editors"))
    client.force_login(editor)
    for model in ("server", "question", "option", "effect", "configtemplate"):
        assert client.get(f"/admin/decisions/{model}/").status_code == 200, model
        assert client.get(f"/admin/decisions/{model}/add/").status_code == 200, model
    assert client.get("/admin/decisions/criteriaversion/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    question = Question.objects.get(slug="framework")
    data = matrix_data(question)
    data[f"points-{key('framework', 'flask', 'granian')}"] = 2
    assert client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data).status_code == 302
    assert Effect.objects.get(option__slug="flask", server__slug="granian").points == 2
