"""The pages' repeated parts as the templates render them: the questions, the ranking and its reasons, the memory
table and chart, the start command and the starter files; every value an admin types, escaped."""

import re

import pytest

from decisions.models import CriteriaVersion, Effect, Option, Question, Server

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
FASTAPI = "framework=fastapi&async=yes&realtime=websockets"


def between(html: str, start: str, end: str) -> str:
    """The part of `html` from the first `start` to the `end` after it."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def test_it_escapes_every_value_an_admin_types(client):
    Question.objects.filter(slug="framework").update(text=HOSTILE, help_text=HOSTILE)
    Option.objects.filter(slug="fastapi").update(label=HOSTILE, help_text=HOSTILE)
    Effect.objects.filter(option__slug="fastapi").update(reason=HOSTILE)
    Server.objects.filter(slug="uvicorn").update(name=HOSTILE)
    CriteriaVersion.bump()
    home = client.get(f"/?{FASTAPI}").content.decode()
    result = client.get(f"/recommend/?{FASTAPI}").content.decode()
    for html in (home, result):
        assert "<script>alert" not in html and '"x"' not in html
    questionnaire = between(home, 'id="field-framework"', "</fieldset>")
    assert questionnaire.count(ESCAPED) == 4  # the question's text and help, the option's label and help
    ranking = between(result, '<ol class="ranking">', "</ol>")
    assert f'<span class="server-name">{ESCAPED}</span>' in ranking
    assert f'<strong>{ESCAPED}</strong> <span class="muted">({ESCAPED})</span><br>{ESCAPED}</span>' in ranking
    assert f'<th scope="row">{ESCAPED}</th>' in result
    assert f'<text x="0" y="15" class="chart-label">{ESCAPED}</text>' in result
    assert f" {ESCAPED} " in between(result, '<desc id="memory-chart-desc">', "</desc>")


def test_it_marks_each_reason_with_its_points(client):
    html = client.get("/recommend/?framework=fastapi&async=yes&memory=tight").content.decode()
    reasons = between(html, '<ul class="reasons">', "</ul>")
    assert '<li><span class="points plus">+3</span><span><strong>FastAPI</strong> <span class="muted">(' in reasons
    assert '<li><span class="points">+0</span><span><strong>Tight: every MiB counts</strong>' in html
    assert re.search(r'<li><span class="points minus">-\d+</span>', html)
    assert '<li><span class="points minus">✕</span>' in html  # uWSGI: no ASGI


def test_it_opens_the_first_server_only_and_says_what_rules_one_out(client):
    html = client.get(f"/recommend/?{FASTAPI}").content.decode()
    ranking = between(html, '<ol class="ranking">', "</ol>")
    assert ranking.count("<details open>") == 1 and ranking.index("<details open>") < ranking.index("server-name")
    ruled_out = between(ranking, '<li class="ranking-item ruled-out">', "</li>\n")
    assert '<span class="server-name">uWSGI</span> <span class="badge">ruled out</span>' in ruled_out
    assert '<span class="points minus">✕</span>' in ruled_out
    unmoved = client.get("/recommend/").content.decode()
    assert "None of your answers moves Gunicorn up or down." in unmoved


def test_it_writes_the_files_the_first_one_open_and_numbered_for_copying(client):
    html = client.get(f"/recommend/?{FASTAPI}&deploy=docker").content.decode()
    files = between(html, '<div class="config-files">', '<section class="panel share">')
    count = files.count('<details class="config-file"')
    assert count > 1 and files.count('<details class="config-file" open>') == 1
    assert f'data-copy="#config-{count}"' in files and f'<code id="config-{count}">' in files
    assert re.search(r'<a class="button" href="/recommend/configs/Dockerfile\?[^"]+" download="Dockerfile">', files)


def test_it_writes_the_start_command_a_word_per_span(client):
    html = client.get(f"/recommend/?{FASTAPI}").content.decode()
    command = between(html, '<code id="start-command">', "</code>")
    assert command.startswith('<code id="start-command"><span>uvicorn</span> <span>')
    assert "\n" not in command  # inside <pre>: a newline would show


def test_it_highlights_the_recommended_servers_memory_row(client):
    html = client.get("/recommend/?framework=flask&cores=4").content.decode()
    table = between(html, "<tbody>", "</tbody>")
    assert table.count("<tr") == 5 and table.count('<tr class="highlight">') == 1
    assert '<th scope="row">Gunicorn</th>' in between(table, '<tr class="highlight">', "</tr>")
    chart = between(html, "<svg", "</svg>")
    assert chart.count('class="chart-row') == 5 and chart.count('class="chart-row recommended"') == 1


def test_it_checks_the_chosen_option_or_else_skip(client):
    html = client.get("/?framework=flask").content.decode()
    framework = between(html, 'id="field-framework"', "</fieldset>")
    assert framework.count(" checked>") == 1
    assert '<input type="radio" id="q-framework-flask" name="framework" value="flask" checked>' in framework
    assert '<span class="question-number" aria-hidden="true">1</span>' in framework
    deploy = between(html, 'id="field-deploy"', "</fieldset>")
    assert deploy.count(" checked>") == 1 and 'value="" checked>' in deploy
