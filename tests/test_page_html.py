"""The result page's repeated parts, written in Python (decisions/templatetags/pages.py). No database."""

from dataclasses import replace

from bundles import CRITERIA, answers
from django.template import Context, Template

from decisions.charts import memory_chart
from decisions.configs.plan import plan_for
from decisions.forms import FieldError
from decisions.scoring import Change, Reason, ServerResult
from decisions.templatetags import pages as results

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
SERVER = replace(CRITERIA.servers[0], name=HOSTILE)


def reason(points: int = 2, text: str = "It fits.") -> Reason:
    return Reason("framework", "django", text, points, "Which framework?", "Django")


def test_it_escapes_every_value_it_writes():
    hostile_reason = Reason("q", "o", HOSTILE, 1, HOSTILE, HOSTILE)
    result = ServerResult(SERVER, 1, (hostile_reason,), ())
    plan = plan_for(SERVER, answers())
    written = [
        results.reason_items([hostile_reason]),
        results.exclusion_items([hostile_reason]),
        results.ranking_items([result, ServerResult(SERVER, 0, (), ())]),
        results.change_groups([(Change("q", "o", HOSTILE, HOSTILE, SERVER), f"/recommend/?x={HOSTILE}")]),
        results.memory_rows([replace(plan, model=HOSTILE, rule=HOSTILE, worker_class=HOSTILE)], ""),
        results.chart_rows(memory_chart([plan], None)),
        results.command_words([HOSTILE]),
        results.config_files([{"filename": HOSTILE, "url": HOSTILE, "content": HOSTILE}]),
    ]
    for html in written:
        assert "<script>" not in html and '"x"' not in html
        assert ESCAPED in html
    description = Template("{% load pages %}{% chart_description chart %}").render(
        Context({"chart": memory_chart([plan], None)})
    )
    assert description.startswith(f" {ESCAPED} ")  # a plain string: the template engine escapes it


def test_it_marks_each_reason_with_its_points():
    html = results.reason_items([reason(2), reason(-3), reason(0)])
    assert html.count("<li>") == 3
    assert '<span class="points plus">+2</span>' in html
    assert '<span class="points minus">-3</span>' in html
    assert '<span class="points ">+0</span>' in html
    assert '<strong>Django</strong> <span class="muted">(Which framework?)</span><br>It fits.' in html
    assert '<span class="points minus">✕</span>' in results.exclusion_items([reason()])


def test_it_opens_the_first_server_only_and_says_what_rules_one_out():
    first, ruled_out, unmoved = (
        ServerResult(CRITERIA.servers[0], 3, (reason(3),), ()),
        ServerResult(CRITERIA.servers[1], 0, (), (reason(0, "Not here."),)),
        ServerResult(CRITERIA.servers[2], 0, (), ()),
    )
    html = results.ranking_items([first, ruled_out, unmoved])
    assert html.count("<details open>") == 1 and html.index("<details open>") < html.index(CRITERIA.servers[1].name)
    assert '<span class="score">+3</span>' in html
    assert '<li class="ranking-item ruled-out"><details>' in html and '<span class="badge">ruled out</span>' in html
    assert "Not here." in html
    assert f"None of your answers moves {CRITERIA.servers[2].name} up or down." in html


def test_it_groups_the_changes_by_question_in_their_order():
    gunicorn = CRITERIA.servers[0]
    links = [
        (Change("framework", "flask", "Which framework?", "Flask", gunicorn), "/a"),
        (Change("framework", None, "Which framework?", "", None), "/b"),
        (Change("deploy", "docker", "Where?", "Docker", gunicorn), "/c"),
    ]
    html = results.change_groups(links)
    assert html.count("<dt>") == 2 and html.index("Which framework?") < html.index("Where?")
    assert f'<li><a href="/a">If you answered <strong>Flask</strong>: {gunicorn.name}</a></li>' in html
    assert '<li><a href="/b">If you left it unanswered: no server fits</a></li>' in html


def test_it_writes_the_files_the_first_one_open_and_numbered_for_copying():
    files = [{"filename": name, "url": f"/f/{name}", "content": "x = 1\n"} for name in ("a.py", "b.py")]
    html = results.config_files(files)
    assert html.count("<details") == 2 and html.count(" open>") == 1
    assert 'data-copy="#config-2"' in html and '<code id="config-2">x = 1\n</code>' in html
    assert '<a class="button" href="/f/a.py" download="a.py">' in html


def test_it_highlights_the_recommended_servers_memory_row():
    plans = [plan_for(server, answers(cores=4)) for server in CRITERIA.servers]
    html = results.memory_rows(plans, CRITERIA.servers[1].slug)
    assert html.count("<tr") == 5 and html.count('class="highlight"') == 1
    assert html.index('class="highlight"') > html.index(CRITERIA.servers[0].name)


def question_field(chosen: str | None = None, error: FieldError | None = None) -> dict:
    return {"name": "framework", "question": CRITERIA.question("framework"), "chosen": chosen, "error": error}


def test_it_checks_the_chosen_option_or_else_skip():
    answered = results.question_fieldset(question_field("flask"), 1)
    assert answered.count(" checked>") == 1
    assert '<input type="radio" id="q-framework-flask" name="framework" value="flask" checked>' in answered
    unanswered = results.question_fieldset(question_field(), 1)
    assert unanswered.count(" checked>") == 1 and 'value="" checked>' in unanswered
    options = CRITERIA.question("framework").options
    assert answered.count('<label class="option"') == len(options)
    assert '<span class="question-number" aria-hidden="true">1</span>' in answered


def test_it_escapes_the_questions_and_names_their_error():
    question = replace(
        CRITERIA.question("framework"),
        text=HOSTILE,
        help_text=HOSTILE,
        options=(replace(CRITERIA.question("framework").options[0], label=HOSTILE, help_text=HOSTILE),),
    )
    field = question_field(error=FieldError(HOSTILE, ()))
    html = results.question_fieldset(field | {"question": question}, 3)
    assert "<script>" not in html and html.count(ESCAPED) == 5  # text, help, option label and help, error
    assert 'aria-describedby="help-framework"' in html
    assert f'<p class="field-error" id="error-framework">{ESCAPED}</p>' in html


def test_it_sends_a_field_error_out_of_band_and_clears_it_with_an_empty_one():
    assert results.field_error(question_field(), out_of_band=True) == (
        '<p class="field-error" id="error-framework" data-hx-swap-oob="true"></p>'
    )
