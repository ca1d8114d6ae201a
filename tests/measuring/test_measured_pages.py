"""The measured run where the choice is made: /measured/, the result's Measured section and the JSON's `measured`;
the run each criteria version shows, so pinned links keep theirs; the cache keys and query counts."""

import json
import re
from html import unescape

import pytest
from django.core.management import call_command

from decisions import store
from decisions.charts import speed_chart
from decisions.measured import HELD, figures_of, groups, parse_run
from decisions.models import CriteriaSnapshot, CriteriaVersion, MeasurementRun
from tests.support.measurements import django_run, run_data
from tests.support.pinned import edit_as_admin, number

pytestmark = pytest.mark.django_db
HELD_DJANGO = "framework=django&workload=high-concurrency"


@pytest.fixture
def second_run(tmp_path, fresh_store):
    """Imports the made-up run of tests/support (started after the shipped one), which the pages then show."""

    def imported(data: dict | None = None) -> MeasurementRun:
        path = tmp_path / "run.json"
        path.write_text(json.dumps(data or django_run(), indent=1))
        call_command("import_measurements", str(path))
        return MeasurementRun.objects.get(source=path.read_text())

    return imported


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_it_shows_the_shipped_run_with_its_method_machine_and_claims(client):
    response = client.get("/measured/")
    page, html = text(response), response.content.decode()
    assert response.status_code == 200
    for fact in ("AMD EPYC, 2 cores, 23.5 GiB of memory", "5 Dec 2026, 07:30 UTC", "Python 3.13.0", "granian 2.8.7"):
        assert fact in page, fact
    assert "servers on cores 1, load generator on cores 0 (taskset)" in page
    assert "lab/measure.py" in page and "docs/measuring.md" in page
    run = MeasurementRun.current().run
    assert [f'id="{group.anchor}"' in html for group in groups(run)] == [True] * len(groups(run)) and groups(run)
    assert "1 worker per server; recycling off: no worker is replaced during the run" in page
    assert "with 5 rounds, a second run's median falls outside them for about 17% of the cells" in page
    claim = "Measured here: Django on Uvicorn 6.56x (6.43-6.58) Django on gunicorn gthread 32 threads"
    assert "ASGI servers are 2-4x faster" in page and claim in page
    assert "That is more than the article's 2-4x." in page and page.count("The measurement disagrees.") == 3


def test_it_says_a_run_is_noisy_where_it_began_on_a_busy_machine_and_not_where_it_began_on_a_quiet_one(
    client, second_run
):
    assert "This run is noisy." not in text(client.get("/measured/"))  # the shipped run: load average 0.48

    second_run(django_run() | {"load": {"before": "up 3:00, load average: 5.14, 2.0, 1.0", "after": "x"}})

    page = text(client.get("/measured/"))
    assert "This run is noisy." in page and "a load average of 5.14 over the last minute on 2 cores" in page


def test_it_calls_a_run_noisy_by_the_load_before_it_per_core():
    quiet = parse_run(run_data([], load={"before": "up 3:00, load average: 0.40, 0.3, 0.2", "after": "x"}))
    busy = parse_run(run_data([], load={"before": "up 3:00, load average: 1.20, 0.3, 0.2", "after": "x"}))
    unknown = parse_run(run_data([], load={"before": "uptime failed", "after": "x"}))
    assert (quiet.noisy, busy.noisy, unknown.noisy) == (False, True, False)
    assert busy.load_before_minute == 1.2 and busy.cores == 2


def test_it_draws_each_group_as_a_chart_with_its_text_alternative(client, second_run):
    second_run()
    html = client.get("/measured/").content.decode()
    held = html[html.index('id="django-held"') :]
    held = held[: held.index("</section>")]
    assert 'role="img" aria-labelledby="django-held-chart-title django-held-chart-desc"' in held
    desc = re.search(r'<desc id="django-held-chart-desc">([^<]+)</desc>', held).group(1)
    assert desc == (
        "Median over the rounds, lowest to highest: gunicorn gthread 32 threads 30 (30 to 30);"
        " uvicorn 90 (84 to 96); granian wsgi 32 threads 30 (30 to 30)."
    )
    assert "3.00x" in held and "(2.80–3.20)" in held  # Uvicorn's ratio in the table


def test_it_lays_out_the_speed_chart_on_one_scale():
    run = parse_run(django_run())
    group = next(g for g in groups(run) if (g.framework, g.workload.slug) == ("django", HELD))
    chart = speed_chart(group.rows)
    assert [(row.label, row.median_percent, row.low_percent, row.high_percent) for row in chart.rows] == [
        ("gunicorn gthread 32 threads", "22.5", "22.5", "22.5"),
        ("uvicorn", "67.5", "63.0", "72.0"),
        ("granian wsgi 32 threads", "22.5", "22.5", "22.5"),
    ]
    assert [row.top for row in chart.rows] == [0, 44, 88] and chart.height == 132
    assert figures_of(run, group.rows[1].cell).errors == 0


def test_it_shows_the_answers_measured_cells_on_the_result(client, second_run):
    second_run()
    response = client.get(f"/recommend/?{HELD_DJANGO}")
    html = response.content.decode()
    section = html[html.index('id="measured"') : html.index("</section>", html.index('id="measured"'))]
    assert 'href="/measured/#django-held"' in section and "6 Dec 2026" in section
    assert "uvicorn" in section and "3.00x" in section and "of gunicorn gthread 32 threads" in section
    recommended = re.search(r'data-recommended="([a-z]+)"', html).group(1)
    assert re.search(rf'<tr class="highlight">\s*<th scope="row">{recommended}', section)


@pytest.mark.parametrize(
    "query, workloads",
    [
        (HELD_DJANGO, {"held"}),
        ("framework=django&realtime=long-polling&workload=minimal-logic", {"hello", "held"}),
        ("framework=fastapi&async=yes&workload=request-response", {"io"}),
        ("framework=django", set()),
    ],
)
def test_it_gives_the_same_figures_in_the_json(client, second_run, query, workloads):
    row = second_run()
    data = client.get(f"/recommend.json?{query}").json()
    assert {item["workload"] for item in data["measured"]} == workloads
    assert data["measurement_run"] == {
        "id": row.pk,
        "started_at": "2026-12-06T03:00:00+00:00",
        "url": "http://testserver/measured/",
    }
    eligible = [r["server"] for r in data["ranking"] if r["eligible"]]
    for workload in workloads:
        servers = [item["server"] for item in data["measured"] if item["workload"] == workload]
        assert servers == [server for server in eligible if server in servers]  # best ranked first
    if query == HELD_DJANGO:
        uvicorn = next(item for item in data["measured"] if item["server"] == "uvicorn")
        assert uvicorn == {
            "server": "uvicorn",
            "setup": "uvicorn",
            "workload": "held",
            "rps": {"median": 90.0, "low": 84.0, "high": 96.0},
            "p50_ms": 10.0,
            "p99_ms": 21.0,
            "errors": 0,
            "requests": 540,
            "pss_mib": 30.0,
            "ratio": {"median": 3.0, "low": 2.8, "high": 3.2},
            "baseline": "gunicorn gthread 32 threads",
            "url": "http://testserver/measured/#django-held",
        }


def test_it_says_nothing_of_a_framework_the_run_did_not_measure_or_an_unanswered_one(client, second_run):
    second_run()  # Django and FastAPI only
    for query in ("framework=flask&workload=high-concurrency", "workload=high-concurrency"):
        assert "measured" not in client.get(f"/recommend.json?{query}").json()
        assert 'id="measured"' not in client.get(f"/recommend/?{query}").content.decode()
    html = client.get("/recommend/?framework=django").content.decode()
    assert "Answer the workload question" in html and 'href="/measured/#django-hello"' in html


def test_it_shows_no_run_when_none_is_loaded(client, fresh_store):
    CriteriaSnapshot.objects.update(measurement_run=None)
    MeasurementRun.objects.all().delete()
    assert client.get("/measured/").status_code == 200
    assert "No measuring run is loaded yet." in text(client.get("/measured/"))
    for page in ("/", "/recommend/"):
        response = client.get(f"{page}?{HELD_DJANGO}")
        assert response.status_code == 200 and 'id="measured"' not in response.content.decode()
    data = client.get(f"/recommend.json?{HELD_DJANGO}").json()
    assert "measured" not in data and "measurement_run" not in data


def test_a_pinned_link_keeps_showing_the_run_it_was_made_with(client, second_run):
    v, shipped = number(), MeasurementRun.current()
    pinned_before = client.get(f"/recommend.json?{HELD_DJANGO}&v={v}").json()
    page_before = text(client.get(f"/recommend/?{HELD_DJANGO}&v={v}"))
    assert pinned_before["measurement_run"]["id"] == shipped.pk
    new = second_run()
    assert number() == v + 1 and CriteriaSnapshot.objects.get(number=v + 1).measurement_run == new
    pinned_after = client.get(f"/recommend.json?{HELD_DJANGO}&v={v}").json()
    assert pinned_after.pop("current")["criteria_version"] == v + 1
    assert pinned_after == pinned_before  # the shipped run's figures, byte for byte
    page_after = text(client.get(f"/recommend/?{HELD_DJANGO}&v={v}"))
    section = page_after[page_after.index(" Measured ") :]
    assert section[:2000] == page_before[page_before.index(" Measured ") :][:2000]
    current = client.get(f"/recommend.json?{HELD_DJANGO}").json()
    assert current["measurement_run"]["id"] == new.pk != shipped.pk
    assert current["measured"] != pinned_before["measured"]


def test_a_pinned_result_links_to_the_measured_page_of_its_version_which_names_the_current_run(client, second_run):
    v = number()
    second_run()
    pinned = client.get(f"/recommend.json?{HELD_DJANGO}&v={v}").json()
    assert pinned["measurement_run"]["url"] == f"http://testserver/measured/?v={v}"
    assert {row["url"] for row in pinned["measured"]} == {f"http://testserver/measured/?v={v}#django-held"}
    assert f'href="/measured/?v={v}#django-held"' in client.get(f"/recommend/?{HELD_DJANGO}&v={v}").content.decode()
    assert (
        client.get(f"/recommend.json?{HELD_DJANGO}").json()["measurement_run"]["url"] == "http://testserver/measured/"
    )

    then, now = client.get(f"/measured/?v={v}"), client.get("/measured/")

    assert then.status_code == now.status_code == 200
    assert "5 Dec 2026, 07:30 UTC" in text(then) and "6 Dec 2026, 03:00 UTC" in text(now)
    notice = f"This is the run criteria version {v} showed, which the link you followed was made with."
    assert notice in text(then) and "The current run is of 6 Dec 2026." in text(then)
    assert "This is the run criteria version" not in text(now)
    assert "This is the run criteria version" not in text(client.get(f"/measured/?v={v + 1}"))  # the current one


def test_it_says_when_the_pinned_version_showed_no_run(client):
    before_runs = CriteriaSnapshot.objects.filter(measurement_run=None).latest("number").number
    page = text(client.get(f"/measured/?v={before_runs}"))
    assert (
        f"Criteria version {before_runs}, which the link you followed was made with, showed no measuring run." in page
    )
    assert "The current run is of 5 Dec 2026." in page and "No measuring run is loaded yet." not in page


@pytest.mark.parametrize("v", ["abc", "99999", "0"])
def test_it_answers_a_bad_version_with_a_400_naming_v(client, v):
    response = client.get(f"/measured/?v={v}")
    assert response.status_code == 400
    page = text(response)
    assert "v :" in page and "a criteria version number that /changes/ lists" in page
    assert "No measuring run is loaded yet." not in page


def test_an_admin_edit_keeps_the_run_and_an_older_run_changes_nothing(admin_client, second_run):
    new = second_run()
    edit_as_admin(admin_client)
    v = number()
    assert CriteriaSnapshot.objects.get(number=v).measurement_run == new
    second_run(django_run() | {"started_at": "2026-01-01T00:00:00+00:00", "host": "older"})
    assert number() == v and MeasurementRun.current() == new


def test_it_makes_a_new_response_key_when_a_run_is_imported(client, second_run):
    first = {page: client.get(f"{page}?{HELD_DJANGO}") for page in ("/recommend/", "/recommend.json")}
    measured = client.get("/measured/")
    second_run()
    for page, response in first.items():
        again = client.get(f"{page}?{HELD_DJANGO}", headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 200 and again["ETag"] != response["ETag"], page
    assert "3.00x" in text(client.get(f"/recommend/?{HELD_DJANGO}"))
    again = client.get("/measured/", headers={"If-None-Match": measured["ETag"]})
    assert again.status_code == 200 and "Test CPU" in text(again)


@pytest.mark.parametrize("page", ["/measured/", f"/recommend/?{HELD_DJANGO}", f"/recommend.json?{HELD_DJANGO}"])
def test_it_costs_one_query_while_the_criteria_are_unchanged(client, page, django_assert_num_queries):
    client.get(page)
    with django_assert_num_queries(1):  # the criteria version
        assert client.get(f"{page}{'&' if '?' in page else '?'}cores=3").status_code == 200


def test_a_pinned_page_loads_its_run_with_its_snapshot(client, second_run, django_assert_num_queries):
    v = number()
    second_run()
    store.forget()
    client.get(f"/recommend/?{HELD_DJANGO}")  # today's criteria and run loaded
    with django_assert_num_queries(2):  # the version, the snapshot with its run
        assert client.get(f"/recommend/?{HELD_DJANGO}&v={v}").status_code == 200
    assert CriteriaVersion.objects.get().number == v + 1
