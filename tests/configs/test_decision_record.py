"""The decision record: a MADR 4.0 file that a real CommonMark parser reads section by section. No database."""

from datetime import date

import pytest

from decisions.configs.render import recommended_bundle
from decisions.decision_record import DecisionRecord, code, decision_record, text
from decisions.domain import from_data
from decisions.scoring import what_would_change
from decisions.seeding import default_criteria
from tests.support.bundles import CRITERIA, TEMPLATES, answers
from tests.support.markdown import headings, items, parsed, section, shown

RESULT_URL = "https://serverwise.example/recommend/"
TODAY = date(2026, 11, 30)
FASTAPI = {"framework": "fastapi", "async": "yes", "realtime": "websockets", "deploy": "kubernetes"}
MADR_SECTIONS = [
    (2, "Context and Problem Statement"),
    (2, "Decision Drivers"),
    (2, "Considered Options"),
    (2, "Decision Outcome"),
    (3, "Consequences"),
    (3, "Confirmation"),
    (2, "Pros and Cons of the Options"),
]


def record(criteria=CRITERIA, **choices) -> DecisionRecord:
    given = answers(**choices)
    sensitivity = what_would_change(given.choices, criteria)
    bundle = recommended_bundle(given, sensitivity.ranking, TEMPLATES)
    filenames = [file.filename for file in bundle.files]
    return decision_record(given, criteria, sensitivity, bundle.plan, filenames, RESULT_URL, TODAY)


def test_it_has_the_front_matter_and_every_madr_section_in_order():
    front_matter, tokens = parsed(record(**FASTAPI).text)
    assert front_matter == {"status": "proposed", "date": TODAY}
    servers = ["Uvicorn", "Hypercorn", "Granian", "Gunicorn", "uWSGI"]
    assert headings(tokens) == [
        (1, "Use Uvicorn for our FastAPI app"),
        *MADR_SECTIONS,
        *[(3, server) for server in servers],
        (2, "More Information"),
    ]
    assert items(section(tokens, "Considered Options")) == servers


@pytest.mark.parametrize(
    ("choices", "filename"),
    [
        (FASTAPI, "0001-use-uvicorn-for-our-fastapi-app.md"),
        ({"framework": "other-wsgi"}, "0001-use-gunicorn-for-our-wsgi-app.md"),
        ({}, "0001-use-gunicorn-for-our-app.md"),
        ({"http": "http3"}, "0001-use-hypercorn-for-our-app.md"),
    ],
)
def test_it_names_the_file_after_the_server_and_the_framework(choices, filename):
    assert record(**choices).filename == filename


def test_it_drives_the_decision_by_the_answered_questions():
    _, tokens = parsed(record(**FASTAPI).text)
    assert items(section(tokens, "Decision Drivers")) == [
        "FastAPI (Which framework does your app use?)",
        "Yes, it is async (Does your code use async views or endpoints?)",
        "WebSockets (Does it hold real-time connections open?)",
        "Kubernetes (Where will it run?)",
    ]
    _, unanswered = parsed(record().text)
    assert shown(section(unanswered, "Decision Drivers")[1]).startswith("No question was answered")


def test_it_gives_the_outcome_with_its_consequences_and_the_memory_estimate():
    given = answers(**FASTAPI)
    plan = recommended_bundle(given, what_would_change(given.choices, CRITERIA).ranking, TEMPLATES).plan
    _, tokens = parsed(record(**FASTAPI).text)
    outcome = [shown(token) for token in section(tokens, "Decision Outcome") if token.type == "inline"]
    assert (
        outcome[0] == 'Chosen option: "Uvicorn", because it fits every answer and comes out best, with +7'
        " (see Pros and Cons of the Options)."
    )
    assert outcome[1] == "Uvicorn leads Hypercorn by 3 points."
    consequences = items(section(tokens, "Consequences"))
    assert consequences[0] == "Good, because Uvicorn is the standard choice for FastAPI. (FastAPI: +3)"
    assert f"Neutral, because it needs about 256 MiB of memory per instance: {plan.memory_formula}." in consequences
    assert "Neutral, because it installs uvicorn[standard]==0.54.0." in consequences


def test_it_says_when_the_chosen_server_is_the_only_one_that_fits():
    _, tokens = parsed(record(http="http3").text)
    outcome = [shown(token) for token in section(tokens, "Decision Outcome") if token.type == "inline"]
    assert outcome[0] == 'Chosen option: "Hypercorn", because it is the only one that fits every answer.'


@pytest.mark.parametrize(
    ("choices", "checks"),
    [
        (
            FASTAPI,
            [
                "Dockerfile: hadolint",
                "kubernetes.yaml: kubernetes-validate --strict",
                "nginx.conf: nginx -t",
                "the start command uvicorn main:app --host 0.0.0.0 --port 8000 --workers 2 --proxy-headers"
                " --forwarded-allow-ips '*' --timeout-graceful-shutdown 30: uvicorn (click)",
            ],
        ),
        (
            {"framework": "django"},
            [
                "gunicorn.conf.py: gunicorn --check-config",
                "app.service: systemd-analyze verify",
                "nginx.conf: nginx -t",
                "the start command gunicorn -c gunicorn.conf.py: gunicorn argument parser",
            ],
        ),
        (
            {"framework": "flask", "current": "uwsgi", "deploy": "supervisor"},
            ["uwsgi.ini: uwsgi --strict", "supervisor.conf: supervisord (ServerOptions.realize)"],
        ),
        ({"http": "http3", "deploy": "docker"}, ["hypercorn.toml: hypercorn Config.from_toml", "Dockerfile: hadolint"]),
    ],
)
def test_it_confirms_with_the_validators_of_the_bundles_files(choices, checks):
    _, tokens = parsed(record(**choices).text)
    confirmation = section(tokens, "Confirmation")
    assert set(checks) <= set(items(confirmation))
    assert not any(check.startswith(("README.md", ".dockerignore")) for check in items(confirmation))
    links = [
        child.attrs["href"]
        for token in confirmation
        if token.type == "inline"
        for child in token.children
        if child.type == "link_open"
    ]
    query = "&".join(f"{key}={value}" for key, value in [*choices.items(), ("v", CRITERIA.version)])
    assert links == [f"{RESULT_URL}?{query}"]


def test_it_weighs_each_option_by_its_reasons_and_exclusions():
    _, tokens = parsed(record(**FASTAPI).text)
    uwsgi = section(tokens, "uWSGI")
    assert shown(uwsgi[1]).endswith("Ruled out by these answers.")
    assert items(uwsgi) == [
        "Bad, because uWSGI has no ASGI support, and FastAPI is an ASGI framework. (FastAPI rules it out)",
        "Bad, because WebSockets only through uWSGI's own API,"
        " which neither ASGI frameworks nor Flask's flask-sock use."
        " (WebSockets rules it out)",
        "Bad, because No ASGI support: async code runs only inside a synchronous request, as Flask's async views do."
        " (Yes, it is async: -2)",
    ]
    gunicorn = items(section(tokens, "Gunicorn"))
    assert [item.partition(",")[0] for item in gunicorn] == ["Good", "Neutral", "Bad"]
    assert shown(section(tokens, "Uvicorn")[1]).endswith("Chosen: score +7, ranked 1 of 5.")
    _, unanswered = parsed(record().text)
    assert items(section(unanswered, "Granian")) == ["Neutral, because none of these answers moves it up or down."]


def test_it_lists_what_would_change_the_recommendation_with_links():
    _, tokens = parsed(record(**FASTAPI).text)
    more = section(tokens, "More Information")
    assert shown(more[1]) == "Uvicorn leads Hypercorn by 3 points."
    http3 = next(token for token in more if token.type == "inline" and "HTTP/3" in token.content)
    assert (
        shown(http3) == "Which HTTP version must the app server itself speak? If you answered HTTP/3 (QUIC): Hypercorn"
    )
    assert http3.children[-3].attrs["href"] == (
        f"{RESULT_URL}?framework=fastapi&async=yes&realtime=websockets&http=http3&deploy=kubernetes&v={CRITERIA.version}"
    )
    assert "If you answered Another WSGI framework: no server fits" in "\n".join(items(more))


def hostile_criteria():
    data = default_criteria()
    fastapi = next(
        o for q in data["questions"] if q["slug"] == "framework" for o in q["options"] if o["slug"] == "fastapi"
    )
    fastapi["effects"]["uvicorn"]["reason"] = (
        "# Owned\n## Injected section\n<script>alert(1)</script> [x](javascript:alert(1))"
    )
    fastapi["effects"]["hypercorn"]["reason"] = "1. not a list\n- nor this\n> nor a quote\n```\nnor code"
    fastapi["label"] = "**FastAPI** | ---"
    granian = next(s for s in data["servers"] if s["slug"] == "granian")
    granian["name"] = "## Granian"
    granian["summary"] = "===\n---\n    indented <b>bold</b> &lt;i&gt;"
    return from_data(data)


def test_admin_text_cannot_add_structure_or_markup():
    markdown = record(criteria=hostile_criteria(), **FASTAPI).text
    _, tokens = parsed(markdown)
    assert [level for level, _ in headings(tokens)] == [1, 2, 2, 2, 2, 3, 3, 2, 3, 3, 3, 3, 3, 2]
    assert (3, "## Granian") in headings(tokens)
    kinds = {token.type for token in tokens} | {child.type for token in tokens for child in token.children or ()}
    assert not kinds & {
        "html_block",
        "html_inline",
        "fence",
        "code_block",
        "blockquote_open",
        "ordered_list_open",
        "hr",
    }
    hrefs = [child.attrs["href"] for token in tokens for child in token.children or () if child.type == "link_open"]
    assert all(href.startswith(RESULT_URL) for href in hrefs)
    uvicorn = items(section(tokens, "Uvicorn"))
    assert uvicorn[0] == (
        "Good, because # Owned ## Injected section <script>alert(1)</script> [x](javascript:alert(1))"
        " (**FastAPI** | ---: +3)"
    )
    assert shown(section(tokens, "## Granian")[1]).startswith("=== --- indented <b>bold</b> &lt;i&gt;")


def test_it_escapes_every_character_markdown_reads_and_fences_code_around_backticks():
    assert (
        text("a\\b `c` *d* _e_ [f] <g> #h |i ~j &k")
        == "a\\\\b \\`c\\` \\*d\\* \\_e\\_ \\[f\\] \\<g\\> \\#h \\|i \\~j \\&k"
    )
    assert [text(line) for line in ("- x", "+ x", "= x", "12. x", "3) x", "4 x")] == [
        "\\- x",
        "\\+ x",
        "\\= x",
        "12\\. x",
        "3\\) x",
        "4 x",
    ]
    assert code("a ``b`` c") == "```a ``b`` c```" and code("`x") == "`` `x ``"
