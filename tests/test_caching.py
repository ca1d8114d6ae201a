"""A result is a pure function of (answers, criteria version): ETags, 304s, cache and query counts."""

import pytest

from decisions.models import Effect

pytestmark = pytest.mark.django_db
PAGES = ["/", "/recommend/", "/recommend.json", "/recommend/configs/README.md", "/recommend/bundle.zip"]


@pytest.mark.parametrize("page", PAGES)
def test_it_answers_a_repeat_visit_with_304(client, page):
    first = client.get(f"{page}?framework=flask")
    assert first.status_code == 200 and first["ETag"]
    repeat = client.get(f"{page}?framework=flask", headers={"If-None-Match": first["ETag"]})
    assert repeat.status_code == 304


def test_it_gives_equivalent_queries_the_same_etag(client):
    a = client.get("/recommend/?framework=flask&deploy=docker")["ETag"]
    b = client.get("/recommend/?deploy=docker&utm_source=x&framework=flask&cores=2")["ETag"]
    assert a == b != client.get("/recommend/?framework=django")["ETag"]


def test_it_gives_htmx_requests_their_own_etag(client):
    full = client.get("/?framework=flask")["ETag"]
    partial = client.get("/?framework=flask", headers={"HX-Request": "true"})["ETag"]
    assert full != partial


def test_it_changes_the_etag_and_the_answer_when_criteria_change(client):
    before = client.get("/recommend.json?framework=django")
    effect = Effect.objects.get(option__question__slug="framework", option__slug="django", server__slug="uwsgi")
    effect.points = 9
    effect.save()  # the save bumps the criteria version
    after = client.get("/recommend.json?framework=django", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert before.json()["recommended"] == "gunicorn" and after.json()["recommended"] == "uwsgi"


@pytest.mark.parametrize("page", PAGES)
def test_it_costs_one_query_while_the_criteria_are_unchanged(client, page, django_assert_num_queries):
    query = "framework=fastapi&async=yes&realtime=websockets&http=http2&current=none&bottleneck=no&workload=high-concurrency&memory=tight&priority=proven&deploy=docker&tls=proxy&asynclib=asyncio"
    client.get(f"{page}?{query}")
    with django_assert_num_queries(1):  # the criteria version
        assert client.get(f"{page}?{query}&cores=3").status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_it_reloads_changed_criteria_in_a_fixed_number_of_queries(client, page, fresh_store, django_assert_max_num_queries):
    query = "framework=fastapi&async=yes&realtime=websockets&http=http2&current=none&bottleneck=no&workload=high-concurrency&memory=tight&priority=proven&deploy=docker&tls=proxy&asynclib=asyncio"
    # the version, then servers, options with their questions and effects in one join, config templates
    with django_assert_max_num_queries(4):
        assert client.get(f"{page}?{query}").status_code == 200


def test_it_compresses_pages_and_still_answers_repeat_visits_with_304(client):
    gzip = {"Accept-Encoding": "gzip, br"}
    first = client.get("/?framework=flask", headers=gzip)
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    assert first["ETag"].startswith('W/"')  # compression makes the ETag weak; If-None-Match compares weakly
    repeat = client.get("/?framework=flask", headers=gzip | {"If-None-Match": first["ETag"]})
    assert repeat.status_code == 304
