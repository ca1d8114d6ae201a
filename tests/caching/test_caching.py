"""A result is a pure function of (answers, criteria version): ETags, 304s, cache and query counts."""

import gzip

import pytest

from decisions.models import CriteriaVersion, Effect

pytestmark = pytest.mark.django_db
ALL_ANSWERED = (
    "framework=fastapi&async=yes&realtime=websockets&http=http2&current=none&bottleneck=no"
    "&workload=high-concurrency&memory=tight&priority=proven&deploy=docker&tls=proxy&asynclib=asyncio"
)
PAGES = ["/", "/recommend/", "/recommend.json", "/recommend/configs/README.md", "/recommend/bundle.zip"]
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
HOT = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"


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
    query = ALL_ANSWERED
    client.get(f"{page}?{query}")
    with django_assert_num_queries(1):  # the criteria version
        assert client.get(f"{page}?{query}&cores=3").status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_it_reloads_changed_criteria_in_a_fixed_number_of_queries(
    client, page, fresh_store, django_assert_max_num_queries
):
    query = ALL_ANSWERED
    # the version, then servers, options with their questions and effects in one join, config templates, and for a
    # page or the JSON the measuring run the version shows
    with django_assert_max_num_queries(5 if page in ("/", "/recommend/", "/recommend.json") else 4):
        assert client.get(f"{page}?{query}").status_code == 200


def test_it_compresses_pages_and_still_answers_repeat_visits_with_304(client):
    first = client.get("/?framework=flask", headers=GZIP)
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    assert first["ETag"].startswith('W/"')  # compression makes the ETag weak; If-None-Match compares weakly
    repeat = client.get("/?framework=flask", headers=GZIP | {"If-None-Match": first["ETag"]})
    assert repeat.status_code == 304


@pytest.mark.parametrize("page", PAGES)
def test_it_answers_a_result_seen_before_with_the_bytes_sent_without_templates_gzip_or_orm(
    client, page, django_assert_num_queries, monkeypatch
):
    first = client.get(f"{page}?{HOT}", headers=GZIP)
    monkeypatch.setattr("guide.compression.GZipMiddleware.process_response", lambda *args: pytest.fail("gzip again"))
    with django_assert_num_queries(1):  # the criteria version, read raw
        repeat = client.get(f"{page}?{HOT}", headers=GZIP)
    assert repeat.status_code == 200 and not repeat.templates
    assert repeat.content == first.content
    for header in ("ETag", "Vary", "Content-Type", "Content-Encoding", "Content-Length", "Content-Security-Policy"):
        assert repeat.get(header) == first.get(header)


@pytest.mark.parametrize("page", ["/", "/recommend/", "/recommend.json"])
def test_it_stores_each_content_encoding_apart(client, page):
    plain = [client.get(f"{page}?{HOT}") for _ in range(2)]
    packed = [client.get(f"{page}?{HOT}", headers=GZIP) for _ in range(2)]
    assert "Content-Encoding" not in plain[1] and packed[1]["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed[1].content) == plain[1].content == plain[0].content
    assert packed[1]["ETag"] == f"W/{plain[1]['ETag']}"
    assert "Accept-Encoding" in plain[1]["Vary"] and "Accept-Encoding" in packed[1]["Vary"]


def test_it_stores_htmx_partials_apart_from_pages(client):
    page = [client.get(f"/?{HOT}") for _ in range(2)]
    partial = [client.get(f"/?{HOT}", headers={"HX-Request": "true"}) for _ in range(2)]
    assert b"<html" in page[1].content and b"<html" not in partial[1].content
    assert page[1]["Vary"] == partial[1]["Vary"] == "HX-Request, Accept-Encoding"
    assert partial[1]["HX-Replace-Url"] == partial[0]["HX-Replace-Url"]


def test_it_shows_an_edit_made_elsewhere_at_once(client):
    """Another worker or instance changes the criteria: only the version row tells this one."""
    before = [client.get("/recommend/?framework=django", headers=GZIP) for _ in range(2)]
    Effect.objects.filter(option__question__slug="framework", option__slug="django", server__slug="uwsgi").update(
        points=9
    )
    CriteriaVersion.bump()
    after = client.get("/recommend/?framework=django", headers=GZIP | {"If-None-Match": before[1]["ETag"]})
    assert after.status_code == 200 and after["ETag"] != before[1]["ETag"]
    assert 'data-recommended="gunicorn"' in gzip.decompress(before[1].content).decode()
    assert 'data-recommended="uwsgi"' in gzip.decompress(after.content).decode()


def test_it_stores_no_error(client):
    assert client.get("/recommend/?cores=0").status_code == 400
    assert client.get("/recommend/?cores=0").templates  # rendered again


@pytest.mark.parametrize("page", PAGES)
def test_it_answers_head_like_get_from_the_same_entry(client, page):
    head = client.head(f"{page}?{HOT}", headers=GZIP)
    get = client.get(f"{page}?{HOT}", headers=GZIP)
    assert head.status_code == get.status_code == 200 and not get.templates  # the HEAD stored it
    assert head.content == b"" and get.content and head["ETag"] == get["ETag"]
    assert client.head(f"{page}?{HOT}", headers=GZIP)["Content-Length"] == get["Content-Length"]
