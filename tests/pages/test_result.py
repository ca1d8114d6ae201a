import pytest

from decisions.models import CriteriaVersion
from decisions.scoring import TIE_RULE, Sensitivity, rank

pytestmark = pytest.mark.django_db


def current_version() -> int:
    return CriteriaVersion.objects.get().number


def test_it_explains_the_recommendation(client):
    response = client.get("/recommend/?framework=fastapi&async=yes&realtime=websockets")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-recommended="uvicorn"' in html
    assert "Uvicorn is the standard choice for FastAPI." in html
    assert "Native WebSocket support." in html
    assert "Ruled out" in html and "uWSGI has no ASGI support" in html


def test_it_lists_all_five_servers_in_ranking_order(client):
    html = client.get("/recommend/?framework=django&async=no").content.decode()
    ranking = html[html.index('class="ranking"') :]
    positions = [ranking.index(f'<span class="server-name">{name}</span>') for name in ("Gunicorn", "uWSGI", "Granian")]
    assert positions == sorted(positions)
    assert ranking.count('class="server-name"') == 5


def test_it_shows_the_memory_table_with_sources_and_the_workers_estimate(client):
    html = client.get("/recommend/?framework=django&cores=4").content.decode()
    assert "~30 MB" in html and "9.7 MiB" in html
    assert "2 × 4 cores + 1 = 9" in html
    assert "~87 MiB measured" in html  # 9 workers x 9.7 MiB PSS
    assert "Approximate memory per worker" in html and "November 2026" in html


def test_it_offers_a_permalink_and_a_way_to_change_the_answers(client):
    html = client.get("/recommend/?deploy=docker&framework=flask&fbclid=x").content.decode()
    v = CriteriaVersion.objects.get().number
    assert f'value="http://testserver/recommend/?framework=flask&amp;deploy=docker&amp;v={v}"' in html
    assert 'data-copy="#permalink"' in html
    assert f'href="/?framework=flask&amp;deploy=docker&amp;v={v}"' in html
    assert "<dd>Flask</dd>" in html


def test_it_says_so_when_no_server_fits(client, nothing_fits):
    html = client.get(f"/recommend/?{nothing_fits}").content.decode()
    assert 'data-recommended=""' in html and "Every server is ruled out" in html


def test_it_shows_the_form_with_errors_for_bad_answers(client):
    response = client.get("/recommend/?cores=abc")
    assert response.status_code == 400
    assert 'id="error-cores">Give a whole number from 1 to 256.' in response.content.decode()


def test_it_returns_only_the_result_partial_to_htmx(client):
    html = client.get("/recommend/?framework=flask", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<article id="result"')


def test_it_draws_the_memory_figures_as_an_svg_chart_the_csp_allows(client):
    html = client.get("/recommend/?framework=django&cores=4").content.decode()
    chart = html[html.index('<svg class="chart"') : html.index("</svg>")]
    assert 'role="img"' in chart and 'aria-labelledby="memory-chart-title memory-chart-desc"' in chart
    assert '<title id="memory-chart-title">' in chart
    assert "Gunicorn 87 MiB measured, 270 MB by the article;" in chart  # 9 workers x 9.7 MiB, x 30 MB
    assert chart.count("<rect ") == 10 and 'width="54.0%"' in chart and 'width="72.0%"' in chart
    assert " style=" not in html and "<style" not in html  # style-src 'self': classes and SVG attributes only


def test_it_previews_as_the_recommendation_when_the_link_is_pasted(client):
    html = client.get("/recommend/?realtime=websockets&framework=fastapi&utm_source=x").content.decode()
    title = "Recommended: Uvicorn - FastAPI with WebSockets"
    assert f"<title>{title} · Serverwise</title>" in html
    assert f'<meta property="og:title" content="{title}">' in html
    assert f'<meta name="twitter:title" content="{title}">' in html
    assert (
        '<meta property="og:description" content="Uvicorn is the standard choice for FastAPI. Native WebSocket support.'
        in html
    )
    permalink = f"http://testserver/recommend/?framework=fastapi&amp;realtime=websockets&amp;v={current_version()}"
    assert (
        f'<meta property="og:url" content="{permalink}">' in html
        and f'<link rel="canonical" href="{permalink}">' in html
    )
    assert '<meta name="twitter:card" content="summary">' in html


def test_it_counts_the_answered_questions(client):
    html = client.get("/recommend/?framework=flask&tls=proxy").content.decode()
    assert "2 of 12 questions answered." in html


def test_it_shows_how_the_recommended_server_serves_the_app(client):
    html = client.get("/recommend/?framework=flask&realtime=websockets&cores=1").content.decode()
    assert "How Gunicorn serves your app" in html
    assert "Flask: the WSGI application at <code>app:app</code>" in html
    assert "Holds up to 96 requests or WebSockets at once" in html and "flask-sock" in html


def what_would_change(html: str) -> str:
    start = html.index('id="what-would-change"')
    return html[start : html.index("</section>", start)]


def test_it_says_how_close_the_call_is(client):
    section = what_would_change(
        client.get("/recommend/?framework=fastapi&async=yes&realtime=websockets").content.decode()
    )
    assert '<p class="lead-margin">Uvicorn leads Hypercorn by 3 points.</p>' in section
    section = what_would_change(client.get("/recommend/").content.decode())
    assert (
        '<p class="lead-margin close-call">Tied on points: Gunicorn and Uvicorn both score +0. The tie rule puts'
        " Gunicorn first: Gunicorn is proven, Uvicorn widely deployed.</p>" in section
    )
    assert f'<p class="muted tie-rule">{TIE_RULE}</p>' in section


def test_it_links_each_answer_that_would_flip_the_recommendation_to_that_result(client):
    html = client.get("/recommend/?framework=fastapi&async=yes&realtime=websockets&cores=4").content.decode()
    section = what_would_change(html)
    link = f"/recommend/?framework=fastapi&async=yes&realtime=websockets&http=http3&cores=4&v={current_version()}"
    assert (
        f'<a href="{link.replace("&", "&amp;")}">If you answered <strong>HTTP/3 (QUIC)</strong>: Hypercorn</a>'
        in section
    )
    assert 'data-recommended="hypercorn"' in client.get(link).content.decode()
    assert "If you answered <strong>Another WSGI framework</strong>: no server fits</a>" in section
    assert "Trio</strong>: Hypercorn" in section and "Starlette" not in section  # Starlette keeps Uvicorn


def test_it_groups_the_changes_by_question_in_question_order(client):
    section = what_would_change(client.get("/recommend/?framework=django&http=http3").content.decode())
    assert section.count("<dt>") == 2
    framework = section.index("<dt>Which framework does your app use?</dt>")
    http = section.index("<dt>Which HTTP version must the app server itself speak?</dt>")
    assert framework < section.index("If you left it unanswered: Hypercorn") < http
    link = f'<a href="/recommend/?framework=django&amp;v={current_version()}">If you left it unanswered: Gunicorn</a>'
    assert http < section.index(link)
    assert "lead-margin" not in section  # no server fits, so nothing leads


def test_it_says_so_when_no_single_answer_changes_the_recommendation(client, monkeypatch):
    # No seeded answer set keeps every single change from flipping the result (leaving the framework unanswered or
    # answering Django over HTTP/3 flips most), so this renders a sensitivity without changes.
    monkeypatch.setattr(
        "decisions.views.what_would_change", lambda choices, criteria: Sensitivity(rank(choices, criteria), (), "", "")
    )
    section = what_would_change(client.get("/recommend/?framework=flask").content.decode())
    assert "No single answer, changed or left unanswered, would recommend another server." in section
