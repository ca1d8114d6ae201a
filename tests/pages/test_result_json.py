import pytest

from decisions.models import CriteriaVersion, Option, Question
from tests.support.bundles import CRITERIA

pytestmark = pytest.mark.django_db


def test_it_returns_the_ranking_as_json(client):
    response = client.get("/recommend.json?framework=django&async=no&utm_source=x")
    assert response.status_code == 200
    data = response.json()
    assert data["answers"] == {
        "framework": "django",
        "async": "no",
        "cores": 2,
        "port": 8000,
        "host": None,
        "app": None,
    }
    assert data["recommended"] == "gunicorn"
    assert [entry["server"] for entry in data["ranking"]][0] == "gunicorn"
    assert len(data["ranking"]) == 5
    gunicorn = data["ranking"][0]
    assert gunicorn == {
        "server": "gunicorn",
        "name": "Gunicorn",
        "score": 5,
        "eligible": True,
        "reasons": [
            {"question": "framework", "text": "Gunicorn is the default choice for Django.", "points": 3},
            {
                "question": "async",
                "text": CRITERIA.question("async").option("no").effects["gunicorn"].reason,
                "points": 2,
            },
        ],
        "excluded_because": [],
    }
    assert data["permalink"] == f"http://testserver/recommend/?framework=django&async=no&v={data['criteria_version']}"
    assert data["criteria_version"] == CriteriaVersion.objects.get().number and "current" not in data


def test_it_explains_exclusions(client):
    data = client.get("/recommend.json?http=http3").json()
    assert data["recommended"] == "hypercorn"
    uwsgi = next(entry for entry in data["ranking"] if entry["server"] == "uwsgi")
    assert uwsgi["eligible"] is False
    assert uwsgi["excluded_because"] == [{"question": "http", "text": "uWSGI has no HTTP/3 (QUIC)."}]


def test_it_answers_400_naming_each_bad_field_and_its_allowed_values(client):
    response = client.get("/recommend.json?framework=rails&cores=0&port=x&host=a%20b&app=1x")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"framework", "cores", "port", "host", "app"}
    assert errors["framework"]["allowed"] == ["django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi"]
    assert errors["cores"]["allowed"] == ["a whole number from 1 to 256"]


def test_it_names_a_question_answered_twice_in_the_json_errors(client):
    response = client.get("/recommend.json?framework=django&framework=flask&async=no")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "framework": {
            "message": "Give one answer for framework, not several (django, flask).",
            "allowed": ["django", "flask", "fastapi", "starlette", "other-wsgi", "other-asgi"],
        }
    }


def test_it_asks_a_question_an_admin_adds_at_once(client):
    assert "hosting" not in client.get("/recommend.json?hosting=vm").json()["answers"]  # an unknown key: ignored
    question = Question.objects.create(slug="hosting", text="Where does it run?")
    Option.objects.create(question=question, slug="vm", label="A virtual machine")
    assert client.get("/recommend.json?hosting=vm").json()["answers"]["hosting"] == "vm"
    assert client.get("/recommend.json?hosting=cloud").json()["errors"]["hosting"]["allowed"] == ["vm"]


def test_it_never_500s_on_hostile_input(client):
    for query in (
        "framework=%00",
        "cores=" + "9" * 10000,
        "host=%E2%80%AE",
        "app=a:b%0A",
        "framework=django&framework=flask",
        "%ZZ=1",
    ):
        assert client.get(f"/recommend.json?{query}").status_code in (200, 400)


def test_it_says_how_the_recommended_server_runs_the_app(client):
    data = client.get("/recommend.json?framework=django&realtime=websockets&deploy=docker").json()
    assert data["recommended"] == "uvicorn"
    assert (
        data["plan"] | {"interface": "asgi", "app": "mysite.asgi:application", "bind": "0.0.0.0:8000"} == data["plan"]
    )
    assert "channels==4.3.2" in data["plan"]["packages"]
    assert client.get("/recommend.json?framework=django&asynclib=trio&async=yes").json()["plan"] is None


def test_it_gives_the_margin_and_what_would_change_the_recommendation(client):
    data = client.get("/recommend.json?framework=fastapi&async=yes&realtime=websockets").json()
    assert data["margin"] == 3
    assert data["what_would_change"] == [
        {"question": "framework", "option": "flask", "recommended": "gunicorn"},
        {"question": "framework", "option": "other-wsgi", "recommended": None},  # WSGI carries no WebSockets
        {"question": "http", "option": "http3", "recommended": "hypercorn"},
        {"question": "asynclib", "option": "trio", "recommended": "hypercorn"},
        {"question": "current", "option": "hypercorn", "recommended": "hypercorn"},
        {"question": "current", "option": "granian", "recommended": "granian"},
    ]


def test_it_gives_null_for_unanswered_and_for_a_margin_of_one_server(client):
    data = client.get("/recommend.json?asynclib=trio").json()
    assert data["margin"] is None  # Trio leaves Hypercorn alone
    assert data["what_would_change"] == [
        {"question": "asynclib", "option": "asyncio", "recommended": "gunicorn"},
        {"question": "asynclib", "option": None, "recommended": "gunicorn"},
    ]


def test_it_says_how_long_a_supervisor_waits_as_the_downloaded_unit_does(client):
    query = "framework=flask&deploy=systemd"
    data = client.get(f"/recommend.json?{query}").json()
    unit = client.get(f"/recommend/configs/app.service?{query}").content.decode()
    assert f"TimeoutStopSec={data['plan']['stop_timeout_seconds']}\n" in unit
