"""The decision record on the web: its download, the result page's button and the JSON's link."""

import datetime

import pytest

from decisions.models import CriteriaVersion, Effect
from tests.support.markdown import headings, parsed

pytestmark = pytest.mark.django_db
QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"
URL = f"/recommend/decision.md?{QUERY}"


def test_it_downloads_the_record_as_a_markdown_attachment(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="0001-use-uvicorn-for-our-fastapi-app.md"'
    front_matter, tokens = parsed(response.content.decode())
    assert front_matter == {"status": "proposed", "date": CriteriaVersion.objects.get().changed_at.date()}
    assert headings(tokens)[0] == (1, "Use Uvicorn for our FastAPI app")
    assert (
        f"<http://testserver/recommend/?{QUERY}&v={CriteriaVersion.objects.get().number}>" in response.content.decode()
    )


def test_it_answers_like_the_other_downloads_when_no_server_fits_or_an_answer_is_bad(client):
    response = client.get("/recommend/decision.md?framework=django&http=http3")
    assert response.status_code == 404
    assert response.json() == {"error": "No server fits every answer, so there are no starter configs."}
    response = client.get("/recommend/decision.md?framework=rails")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"framework"}


def test_a_hostile_reason_from_the_admin_adds_no_heading(client):
    before = headings(parsed(client.get(URL).content.decode())[1])
    Effect.objects.filter(option__slug="fastapi", server__slug="uvicorn").update(
        reason="# Owned\n## Injected\n<b>x</b>"
    )
    Effect.objects.filter(option__slug="fastapi", server__slug="hypercorn").update(reason="## Also injected")
    CriteriaVersion.bump()
    markdown = client.get(URL).content.decode()
    assert headings(parsed(markdown)[1]) == before
    assert "because \\# Owned \\#\\# Injected \\<b\\>x\\</b\\>" in markdown


def test_it_is_dated_by_the_criteria_version_it_stands_on(client):
    CriteriaVersion.objects.update(changed_at=datetime.datetime(2026, 10, 3, 12, tzinfo=datetime.UTC))
    front_matter, _ = parsed(client.get(URL).content.decode())
    assert front_matter["date"] == datetime.date(2026, 10, 3)


def test_the_result_page_offers_the_record_beside_the_zip(client):
    html = client.get(f"/recommend/?{QUERY}").content.decode()
    downloads = html[html.index('class="config-downloads"') :]
    downloads = downloads[: downloads.index("</p>")]
    assert "Download all (zip)" in downloads
    pinned = f"{URL}&v={CriteriaVersion.objects.get().number}".replace("&", "&amp;")
    assert f'<a class="button" href="{pinned}" download>Download the decision record' in downloads


def test_the_json_links_the_record(client):
    data = client.get(f"/recommend.json?{QUERY}").json()
    assert data["decision_record_url"] == f"http://testserver{URL}&v={CriteriaVersion.objects.get().number}"
    assert client.get(data["decision_record_url"]).status_code == 200
    assert client.get("/recommend.json?framework=django&http=http3").json()["decision_record_url"] is None


def test_it_costs_one_query_while_the_criteria_are_unchanged(client, django_assert_num_queries):
    client.get(URL)
    with django_assert_num_queries(1):  # the criteria version
        assert client.get(f"{URL}&cores=3").status_code == 200
