"""Reading and validating answers from a query string, through the questionnaire's form. No database."""

import pytest
from django.utils.datastructures import MultiValueDict

from decisions.answers import Answers
from decisions.forms import QuestionnaireForm, questionnaire_form
from decisions.scoring import Change
from tests.support.bundles import CRITERIA

QUESTIONS = CRITERIA.questions


def q(**values) -> MultiValueDict:
    return MultiValueDict({name: value if isinstance(value, list) else [value] for name, value in values.items()})


def form_for(query) -> QuestionnaireForm:
    return questionnaire_form(CRITERIA)(query, current=CRITERIA)


def answers_to(query) -> Answers:
    form = form_for(query)
    assert form.is_valid(), form.field_errors()
    return form.answers()


def errors_for(query) -> dict:
    form = form_for(query)
    assert not form.is_valid()
    return form.field_errors()


def test_it_reads_answers_and_defaults():
    answers = answers_to(q(framework="django", deploy="docker"))
    assert answers.choices == {"framework": "django", "deploy": "docker"}
    assert (answers.cores, answers.port, answers.host, answers.app) == (2, 8000, "", "")  # host and app: the plan's


def test_it_treats_empty_values_as_unanswered():
    assert answers_to(q(framework="", cores="", app=" ")) == Answers()


def test_it_ignores_unknown_keys():
    assert answers_to(q(framework="flask", utm_source="news", fbclid="abc")).choices == {"framework": "flask"}


def test_it_names_the_allowed_values_of_a_bad_option():
    error = errors_for(q(framework="rails"))["framework"]
    assert error.allowed == ("django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi")
    assert "django" in error.message


def test_it_refuses_two_different_answers_to_one_question_naming_the_field():
    error = errors_for(q(framework=["django", "flask"]))["framework"]
    assert error.message == "Give one answer for framework, not several (django, flask)."
    assert error.allowed == ("django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi")


def test_it_refuses_two_different_values_of_a_parameter_naming_the_field():
    assert errors_for(q(cores=["2", "3"]))["cores"].message == "Give one answer for cores, not several (2, 3)."


def test_it_takes_the_same_answer_given_twice_as_one():
    assert answers_to(q(framework=["django", "django"])).choices == {"framework": "django"}


@pytest.mark.parametrize("value", ["0", "257", "-1", "two", "1e3", "٣", "9" * 5000])
def test_it_refuses_bad_cores(value):
    assert errors_for(q(cores=value))["cores"].allowed == ("a whole number from 1 to 256",)


@pytest.mark.parametrize("value", ["0", "65536", "80a"])
def test_it_refuses_bad_ports(value):
    assert "port" in errors_for(q(port=value))


@pytest.mark.parametrize("value", ["0.0.0.0", "::", "127.0.0.1", "example.com", "app-1.internal", "localhost"])
def test_it_accepts_ip_addresses_and_hostnames(value):
    assert answers_to(q(host=value)).host == value


@pytest.mark.parametrize(
    "value", ["a b", "exa_mple.com", "-bad.com", "1.2.3.4.5", "x" * 64 + ".com", "a;rm -rf /", "host\nname", '"quoted"']
)
def test_it_refuses_hosts_that_could_break_a_config(value):
    assert "host" in errors_for(q(host=value))


@pytest.mark.parametrize("value", ["app:app", "mysite.wsgi:application", "pkg.sub_mod:create.app"])
def test_it_accepts_python_import_paths(value):
    assert answers_to(q(app=value)).app == value


@pytest.mark.parametrize(
    "value",
    ["app", "app:", ":app", "my-site:app", "app:app()", "app:app; import os", "a.b:c\n[uwsgi]", "x" * 300 + ":a"],
)
def test_it_refuses_anything_but_an_import_path_for_app(value):
    assert "app" in errors_for(q(app=value))


def test_it_reports_every_bad_field_at_once_and_keeps_the_good_ones():
    form = form_for(q(framework="x", port="0", realtime="websockets"))
    assert not form.is_valid()
    assert set(form.field_errors()) == {"framework", "port"}
    assert form.answers().choices == {"realtime": "websockets"}


def test_it_writes_a_canonical_query_in_question_order_without_defaults():
    answers = answers_to(q(deploy="docker", framework="fastapi", cores="2", port="9000", utm_source="x"))
    assert answers.query_string(QUESTIONS) == "framework=fastapi&deploy=docker&port=9000"


def test_it_changes_one_answer_and_keeps_the_rest():
    answers = Answers(choices={"framework": "django", "http": "http3"}, cores=4, app="mysite.asgi:application")
    unanswered = answers.changed(Change("http", None, "", "", None))
    assert unanswered == Answers(choices={"framework": "django"}, cores=4, app="mysite.asgi:application")
    assert answers.changed(Change("framework", "flask", "", "", None)).choices == {
        "framework": "flask",
        "http": "http3",
    }
    assert answers.changed(Change("tls", "app", "", "", None)).choices == {
        "framework": "django",
        "http": "http3",
        "tls": "app",
    }
