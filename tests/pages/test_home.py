import re

import pytest

from decisions.answers import CORES_RANGE, PORT_RANGE
from decisions.configs.plan import CHECKED_IN
from decisions.models import CriteriaVersion, Server

pytestmark = pytest.mark.django_db


def test_it_shows_every_question_as_a_plain_get_form(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form id="questionnaire"' in html and 'method="get"' in html and 'action="/recommend/"' in html
    for slug in (
        "framework",
        "async",
        "realtime",
        "http",
        "asynclib",
        "current",
        "bottleneck",
        "workload",
        "memory",
        "priority",
        "deploy",
        "tls",
    ):
        assert f'name="{slug}"' in html
    for parameter in ("cores", "port", "host", "app"):
        assert f'name="{parameter}"' in html


def test_it_bounds_the_number_inputs_by_the_ranges_the_answers_accept(client):
    html = client.get("/").content.decode()
    for name, (low, high) in (("cores", CORES_RANGE), ("port", PORT_RANGE)):
        assert re.search(rf'name="{name}" type="number"[^>]* min="{low}" max="{high}"', html), name


def test_it_names_in_the_footer_the_releases_the_criteria_hold_and_when_they_were_checked(client):
    granian = Server.objects.get(slug="granian")
    granian.version = "3.0.0"
    granian.save()
    footer = client.get("/").content.decode().split('<footer class="site-footer">')[1]
    assert (
        "Facts checked against Gunicorn 27.0.1, Uvicorn 0.54.0, Hypercorn 0.18.0, Granian 3.0.0 and uWSGI 2.0.31"
        f" in {CHECKED_IN}." in footer
    )


def test_it_wires_the_form_to_htmx_with_the_vendored_script(client):
    html = client.get("/").content.decode()
    assert 'data-hx-get="/"' in html and 'data-hx-target="#result-region"' in html
    assert "/static/django_htmx/htmx-2" in html
    assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]* src="([^"]+)"', html))


def test_it_checks_the_answers_from_the_query(client):
    html = client.get("/?framework=flask&tls=app").content.decode()
    assert 'id="q-framework-flask" name="framework" value="flask" checked' in html
    assert 'id="q-tls-app" name="tls" value="app" checked' in html
    assert 'id="q-http-skip" name="http" value="" checked' in html


def test_it_shows_the_result_for_the_answers_below_the_form(client):
    html = client.get("/?framework=django&async=no").content.decode()
    assert 'data-recommended="gunicorn"' in html


def test_it_returns_only_the_result_region_to_htmx_and_replaces_the_url(client):
    response = client.get("/?async=no&framework=django&utm_source=x", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and '<form id="questionnaire"' not in html
    assert 'data-recommended="gunicorn"' in html
    assert response["HX-Replace-Url"] == f"/?framework=django&async=no&v={CriteriaVersion.objects.get().number}"
    assert "HX-Request" in response["Vary"]


def test_it_shows_errors_at_the_field_with_a_400(client):
    response = client.get("/?port=70000&framework=rails&host=<script>alert(1)</script>")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-port">Give a whole number from 1 to 65535.' in html
    assert 'id="error-framework">Choose one of: django, flask, fastapi, starlette, other-wsgi, other-asgi.' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the typed value is kept, escaped


def test_it_says_at_the_field_that_a_question_has_two_answers(client):
    response = client.get("/recommend/?framework=django&framework=flask")
    assert response.status_code == 400
    assert (
        'id="error-framework">Give one answer for framework, not several (django, flask).' in response.content.decode()
    )


def test_it_sends_field_errors_out_of_band_to_htmx(client):
    response = client.get("/?port=0", headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-port" data-hx-swap-oob="true">Give a whole number' in html
    assert 'id="error-cores" data-hx-swap-oob="true"></p>' in html


def test_it_clears_field_errors_once_the_answers_are_valid(client):
    html = client.get("/?port=8080", headers={"HX-Request": "true"}).content.decode()
    assert 'id="error-port" data-hx-swap-oob="true"></p>' in html


def test_it_refuses_other_methods(client):
    assert client.post("/").status_code == 405


def test_it_shows_how_many_questions_are_answered_without_javascript(client):
    html = client.get("/?framework=fastapi&realtime=websockets").content.decode()
    status = html[html.index('<div id="answer-progress"') :]
    status = status[: status.index("</div>")]
    assert 'role="status"' in status and 'aria-atomic="true"' in status
    assert '<progress max="12" value="2" aria-hidden="true"></progress>' in status
    assert "<strong>2 of 12</strong> answered" in status and "Uvicorn leads" in status


def test_it_refills_the_progress_out_of_band_for_htmx(client):
    html = client.get("/?framework=fastapi", headers={"HX-Request": "true"}).content.decode()
    assert '<div id="answer-progress" data-hx-swap-oob="innerHTML">' in html
    assert '<progress max="12" value="1" aria-hidden="true"></progress>' in html
    invalid = client.get("/?port=0&framework=django", headers={"HX-Request": "true"}).content.decode()
    assert "<strong>1 of 12</strong> answered<span" in invalid and "some answers need a fix" in invalid


def test_it_previews_a_shared_home_link_as_its_recommendation(client):
    assert 'og:title" content="Recommended: Gunicorn - Flask"' in client.get("/?framework=flask").content.decode()
    assert "og:title" not in client.get("/").content.decode()  # nothing answered: the site's own description


def test_it_allows_only_its_own_scripts_and_styles(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "nonce" not in policy
    assert "nonce=" not in response.content.decode()
