"""Config templates as stored: seeded from decisions/seed/configs/, validated by clean(), versioned like criteria."""

import pytest
from django.core.exceptions import ValidationError

from decisions import store
from decisions.answers import Answers
from decisions.configs import render as configs
from decisions.models import ConfigTemplate, CriteriaVersion
from decisions.scoring import rank

pytestmark = pytest.mark.django_db


def test_it_seeds_every_template_from_the_seed_files():
    stored = store.current_templates(store.current())
    assert sorted(stored, key=lambda t: t.filename) == sorted(configs.seed_templates(), key=lambda t: t.filename)
    assert {t.filename for t in stored} == {
        "gunicorn.conf.py",
        "uwsgi.ini",
        "hypercorn.toml",
        "app.service",
        "supervisor.conf",
        "Dockerfile",
        ".dockerignore",
        "kubernetes.yaml",
        "nginx.conf",
        "compare.py",
        "README.md",
    }
    for template in ConfigTemplate.objects.all():
        template.full_clean()  # every seed passes the rules an admin's edit must pass


def test_it_loads_the_templates_once_per_criteria_version(fresh_store, django_assert_num_queries):
    current = store.current()
    with django_assert_num_queries(1):
        first = store.current_templates(current)
    with django_assert_num_queries(0):
        assert store.current_templates(current) is first


def test_saving_a_template_bumps_the_version_and_changes_the_files():
    before = CriteriaVersion.objects.get().number
    readme = ConfigTemplate.objects.get(filename="README.md")
    readme.body = "# Edited by an admin for {{ server_name }}\n"
    readme.full_clean()
    readme.save()
    assert CriteriaVersion.objects.get().number == before + 1
    current = store.current()
    files = configs.recommended_bundle(Answers(), rank({}, current), store.current_templates(current)).files
    assert files[-1].content == "# Edited by an admin for Gunicorn\n"


def edited(**fields) -> ConfigTemplate:
    template = ConfigTemplate.objects.get(filename="nginx.conf")
    for name, value in fields.items():
        setattr(template, name, value)
    return template


def errors_of(template: ConfigTemplate) -> dict:
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    return raised.value.message_dict


def test_clean_refuses_a_syntax_error_with_its_line():
    errors = errors_of(edited(body="upstream app {\n    server {{ upstream }};\n{% if websockets %}\n}\n"))
    assert errors["body"] == [
        "Template 'nginx site' (nginx.conf), line 3: Unclosed tag on line 3: 'if'."
        " Looking for one of: elif, else, endif."
    ]


def test_clean_refuses_an_unknown_variable_with_its_line():
    errors = errors_of(edited(body="a\n{% if tls_at_proxy %}\n{{ certificate_path }}\n{% endif %}\n"))
    assert errors["body"] == ["Template 'nginx site' (nginx.conf), line 3: unknown variable 'certificate_path'."]


def test_clean_refuses_unknown_servers_and_deploy_targets():
    errors = errors_of(edited(servers="gunicorn, apache", deploys="docker,nomad"))
    assert errors["servers"] == ["Unknown server: apache."]
    assert errors["deploys"] == ["Unknown deploy target: nomad. Allowed: systemd, supervisor, docker, kubernetes."]


def test_clean_tidies_the_slug_lists():
    template = edited(servers=" gunicorn,uwsgi ,", deploys="systemd")
    template.full_clean()
    assert (template.servers, template.deploys) == ("gunicorn, uwsgi", "systemd")


def test_clean_refuses_a_second_template_for_the_same_file_and_bundle():
    clash = ConfigTemplate(name="Another nginx", filename="nginx.conf", servers="uvicorn", body="x", position=1)
    assert "already writes nginx.conf" in errors_of(clash)["filename"][0]
    separate = ConfigTemplate(name="Docker-only", filename="Dockerfile", deploys="docker", servers="uvicorn", body="x")
    assert "already writes Dockerfile" in errors_of(separate)["filename"][0]
    ConfigTemplate.objects.filter(filename="Dockerfile").update(deploys="kubernetes")
    separate.full_clean()  # the stored one now covers Kubernetes only: no overlap


@pytest.mark.parametrize("filename", ["../etc/passwd", "a/b", "..", "", "x y"])
def test_clean_refuses_a_filename_with_a_path(filename):
    assert "filename" in errors_of(edited(filename=filename))
