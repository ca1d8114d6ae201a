"""Links pinned to a criteria version (v=): the result, the JSON and every download as they were when the link was
made, a notice when a newer version exists, 400 for a v that names no stored version."""

import datetime
import io
import zipfile

import pytest
from django.conf import settings
from django.utils import timezone

from decisions import store
from decisions.models import ConfigTemplate
from tests.support.pinned import QUERY, edit_as_admin, number

pytestmark = pytest.mark.django_db
DOWNLOADS = ["/recommend/bundle.zip", "/recommend/configs/README.md", "/recommend/configs/kubernetes.yaml"]


def test_every_link_carries_the_version(client):
    v = number()
    data = client.get(f"/recommend.json?{QUERY}").json()
    assert data["criteria_version"] == v and "current" not in data
    assert data["permalink"].endswith(f"?{QUERY}&v={v}")
    assert all(url.endswith(f"&v={v}") for url in [data["bundle_url"], data["decision_record_url"]])
    readme = client.get(f"/recommend/configs/README.md?{QUERY}").content.decode()
    assert f"http://testserver/recommend/?{QUERY}&v={v}" in readme
    record = client.get(f"/recommend/decision.md?{QUERY}").content.decode()
    assert f"<http://testserver/recommend/?{QUERY}&v={v}>" in record


def test_every_downloaded_file_names_the_pinned_link_at_its_top(client):
    for deploy in ("kubernetes", "systemd", "supervisor"):
        query = QUERY.replace("kubernetes", deploy)
        link = f"http://testserver/recommend/?{query}&v={number()}"
        for config in client.get(f"/recommend.json?{query}").json()["configs"]:
            content = client.get(config["url"]).content.decode()
            if config["filename"] == "README.md":
                assert link in content
            else:
                assert content.splitlines()[0] == f"# Made with Serverwise, for these answers: {link}", config


def test_an_old_link_gives_the_same_bytes_after_an_admin_edit(client, admin_client):
    v = number()
    before = {page: client.get(f"{page}?{QUERY}&v={v}") for page in DOWNLOADS + ["/recommend/decision.md"]}
    json_before = client.get(f"/recommend.json?{QUERY}&v={v}").json()
    edit_as_admin(admin_client)
    assert number() == v + 2
    for page, response in before.items():
        again = client.get(f"{page}?{QUERY}&v={v}")
        assert again.status_code == 200 and again.content == response.content, page
        assert again["ETag"] == response["ETag"], page  # a file holds no notice: its ETag stays valid
    json_after = client.get(f"/recommend.json?{QUERY}&v={v}").json()
    assert json_after.pop("current") == {
        "criteria_version": v + 2,
        "recommended": "hypercorn",
        "permalink": f"http://testserver/recommend/?{QUERY}&v={v + 2}",
    }
    assert json_after == json_before
    current = client.get(f"/recommend.json?{QUERY}").json()
    assert current["recommended"] == "hypercorn" and current["criteria_version"] == v + 2
    assert b"Edited README" in client.get(f"/recommend/configs/README.md?{QUERY}").content
    assert b"Edited README" not in before["/recommend/configs/README.md"].content


def test_an_old_link_gives_the_same_bytes_on_a_later_day(client, monkeypatch):
    v = number()
    before = {page: client.get(f"{page}?{QUERY}&v={v}") for page in DOWNLOADS + ["/recommend/decision.md"]}
    later = timezone.now() + datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(timezone, "localdate", lambda: later.date())
    for page, response in before.items():
        again = client.get(f"{page}?{QUERY}&v={v}", headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304, page
        again = client.get(f"{page}?{QUERY}&v={v}")
        assert again.content == response.content and again["ETag"] == response["ETag"], page


def test_an_old_link_says_the_criteria_changed_and_what_that_changes(client, admin_client):
    v = number()
    assert 'id="outdated"' not in client.get(f"/recommend/?{QUERY}&v={v}").content.decode()
    edit_as_admin(admin_client)
    html = client.get(f"/recommend/?{QUERY}&v={v}").content.decode()
    assert 'data-recommended="uvicorn"' in html
    notice = html[html.index('id="outdated"') : html.index("</aside>")]
    assert html.index('id="outdated"') < html.index('class="verdict"')
    assert "The criteria changed since this link was made" in notice
    assert f"(version {v + 2};" in notice and 'href="/changes/"' in notice
    assert "Today's criteria recommend Hypercorn instead." in notice
    assert "Uvicorn: now ruled out: Ruled out for the test." in notice
    assert f'href="http://testserver/recommend/?{QUERY.replace("&", "&amp;")}&amp;v={v + 2}"' in notice
    assert 'data-recommended="hypercorn"' in client.get(f"/recommend/?{QUERY}").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'<a href="/changes/#v{v + 2}">Criteria last changed</a>' in footer and f"(version {v + 2})" in footer


def test_the_questionnaire_asks_today_s_questions_above_a_pinned_result(client, admin_client):
    v = number()
    edit_as_admin(admin_client)
    response = client.get(f"/?{QUERY}&v={v}", headers={"HX-Request": "true"})
    assert 'data-recommended="uvicorn"' in response.content.decode() and 'id="outdated"' in response.content.decode()
    assert response["HX-Replace-Url"] == f"/?{QUERY}&v={v}"
    assert client.get(f"/?{QUERY}").status_code == 200


def test_a_notice_appears_at_once_on_a_page_seen_before_the_edit(client, admin_client):
    v = number()
    first = client.get(f"/recommend/?{QUERY}&v={v}")
    edit_as_admin(admin_client)
    again = client.get(f"/recommend/?{QUERY}&v={v}", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and 'id="outdated"' in again.content.decode()


@pytest.mark.parametrize("given", ["abc", "0", "-1", "99999", "1.5"])
@pytest.mark.parametrize("page", ["/recommend/", "/", "/recommend.json", "/recommend/bundle.zip"])
def test_it_refuses_a_v_that_names_no_stored_version(client, page, given):
    response = client.get(f"{page}?{QUERY}&v={given}")
    assert response.status_code == 400
    if page in ("/recommend.json", "/recommend/bundle.zip"):
        error = response.json()["errors"]["v"]
        assert "criteria version number" in error["message"] and error["allowed"]
    else:
        html = response.content.decode()
        assert "v: " in html and "criteria version number" in html
        assert '<li><a href="/changes/">v: ' in html  # the versions there are, not an anchor the page lacks


def test_it_refuses_several_vs(client):
    v = number()
    error = client.get(f"/recommend.json?{QUERY}&v={v}&v={v}").json()["errors"]["v"]
    assert error["message"].startswith(f"Give one v, not several ({v}, {v}).")


def test_a_version_before_the_first_snapshot_is_refused(client):
    assert number() > 1  # the migrations made versions 1 and 2 before snapshots were kept
    assert client.get(f"/recommend.json?{QUERY}&v=1").status_code == 400


def test_a_pinned_old_page_costs_one_more_query_the_first_time_only(
    client, admin_client, fresh_store, django_assert_num_queries
):
    v = number()
    edit_as_admin(admin_client)
    client.get(f"/recommend/?{QUERY}")  # today's criteria loaded
    fresh_store._snapshots.clear()
    with django_assert_num_queries(2):  # the version, the snapshot
        assert client.get(f"/recommend/?{QUERY}&v={v}").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/recommend/?{QUERY}&v={v}&cores=3").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/recommend/bundle.zip?{QUERY}&v={v}&cores=3").status_code == 200


def test_the_changelog_lists_every_version_newest_first(client, admin_client):
    v = number()
    edit_as_admin(admin_client)
    html = client.get("/changes/").content.decode()
    assert html.index(f'id="v{v + 2}"') < html.index(f'id="v{v + 1}"') < html.index(f'id="v{v}"')
    assert "Uvicorn: FastAPI (framework) now rules it out" in html
    assert "README.md (every server): body changed" in html
    assert "admin" not in html  # who edited is for the admin's eyes
    footer = client.get("/").content.decode()
    assert f'<a href="/changes/#v{v + 2}">Criteria last changed</a>' in footer


def test_the_changelog_is_stored_once_sent_and_shows_a_new_version_at_once(
    client, admin_client, django_assert_num_queries
):
    first = client.get("/changes/")
    with django_assert_num_queries(1):  # the criteria version
        assert client.get("/changes/").content == first.content
    assert client.get("/changes/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    edit_as_admin(admin_client)
    assert f'id="v{number()}"' in client.get("/changes/", headers={"If-None-Match": first["ETag"]}).content.decode()


def test_the_api_doc_documents_every_json_key_and_v(client, admin_client):
    v = number()
    edit_as_admin(admin_client)
    data = client.get(f"/recommend.json?{QUERY}&v={v}").json()
    readme = (settings.BASE_DIR / "docs" / "pages-and-api.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `/recommend.json"))
    assert [name for name in [*data, *data["current"]] if f"`{name}`" not in row and f'"{name}"' not in row] == []
    assert "## Pinned links: `v`" in readme and "| `/changes/` |" in readme


def test_the_store_keeps_the_last_used_snapshots_only(
    admin_client, fresh_store, monkeypatch, django_assert_num_queries
):
    first = number()
    edit_as_admin(admin_client)
    monkeypatch.setattr(fresh_store, "SNAPSHOTS_KEPT", 2)
    with django_assert_num_queries(3):
        versions = [fresh_store.version(n) for n in (first, first + 1, first + 2)]
    assert [criteria.version for criteria, _ in versions] == [first, first + 1, first + 2]
    with django_assert_num_queries(0):
        assert fresh_store.version(first + 2) is versions[2] and fresh_store.version(first + 1) is versions[1]
    with django_assert_num_queries(1):  # the least recently used was dropped
        assert fresh_store.version(first) == versions[0]
    assert fresh_store.version(first + 99) is None


def test_a_link_pinned_before_a_template_was_added_keeps_its_files(client):
    """compare.py joined the bundle in migration 0013: a link pinned to a version without it, as every link made
    before then is, downloads the files it did, with no compare.py."""
    store.forget()  # the store keeps snapshots by number, and another test's version of this number may be in it
    kit = ConfigTemplate.objects.get(filename="compare.py")
    kit.delete()
    v = number()
    before = {page: client.get(f"{page}?{QUERY}&v={v}").content for page in DOWNLOADS}
    kit.pk = None
    kit.save()
    assert number() == v + 1
    for page, content in before.items():
        assert client.get(f"{page}?{QUERY}&v={v}").content == content, page
    with zipfile.ZipFile(io.BytesIO(before["/recommend/bundle.zip"])) as archive:
        assert not [name for name in archive.namelist() if name.endswith("/compare.py")]
    with zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/bundle.zip?{QUERY}").content)) as archive:
        assert [name for name in archive.namelist() if name.endswith("/compare.py")]
