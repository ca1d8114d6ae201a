"""What a shared cache (a CDN, nginx's proxy_cache) may keep: decisions.caching.cache_control, read by every
response. tests/caching/test_cdn.py runs a real nginx proxy_cache in front of an instance."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from decisions import caching
from decisions.models import CriteriaVersion

pytestmark = pytest.mark.django_db
QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"
DOWNLOADS = ["/recommend/bundle.zip", "/recommend/configs/README.md", "/recommend/decision.md"]
PAGES = ["/", "/recommend/", "/recommend.json"]
GZIP = {"Accept-Encoding": "gzip"}
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = f"public, max-age=0, s-maxage={settings.SHARED_CACHE_SECONDS}, stale-while-revalidate=30"


def v() -> int:
    return CriteriaVersion.objects.get().number


def test_the_caching_doc_states_the_policy_the_site_sends():
    doc = (Path(settings.BASE_DIR) / "docs" / "caching.md").read_text()
    assert f"| `{SHORT}` |" in doc and f"`{IMMUTABLE}`" in doc
    assert f"within **{settings.SHARED_CACHE_SECONDS * 3 // 2} seconds**" in doc


@pytest.mark.parametrize("page", DOWNLOADS)
def test_a_pinned_download_is_kept_for_a_year_by_everyone(client, page):
    url = f"{page}?{QUERY}&v={v()}"
    first = client.get(url, headers=GZIP)
    again = client.get(url, headers=GZIP)  # replayed from the sent-response cache
    assert first.status_code == again.status_code == 200
    assert first["Cache-Control"] == again["Cache-Control"] == IMMUTABLE
    not_modified = client.get(url, headers=GZIP | {"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304 and not_modified["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("page", DOWNLOADS + PAGES + ["/servers/", "/changes/"])
def test_a_current_response_is_kept_briefly_by_a_shared_cache_and_revalidated(client, page):
    first = client.get(f"{page}?{QUERY}")
    assert first.status_code == 200 and first["Cache-Control"] == SHORT and first["ETag"]
    assert client.get(f"{page}?{QUERY}")["Cache-Control"] == SHORT
    not_modified = client.get(f"{page}?{QUERY}", headers={"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304 and not_modified["Cache-Control"] == SHORT


@pytest.mark.parametrize("page", PAGES)
def test_a_pinned_page_is_not_immutable_because_its_notice_is_not(client, page):
    """A pinned page and its JSON say when newer criteria exist: that changes with every edit."""
    response = client.get(f"{page}?{QUERY}&v={v()}")
    assert response.status_code == 200 and response["Cache-Control"] == SHORT


def test_the_304_of_the_view_itself_says_it_too(client):
    """The first request's 304 comes from the view's condition(), before anything was stored."""
    etag = client.get(f"/recommend/bundle.zip?{QUERY}&v={v()}")["ETag"]
    caching.forget()
    cache.clear()
    response = client.get(f"/recommend/bundle.zip?{QUERY}&v={v()}", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize(
    "url",
    [
        f"/recommend/?{QUERY}&cores=0",
        f"/recommend.json?{QUERY}&v=99999",
        f"/recommend/bundle.zip?{QUERY}&v=abc",
        f"/recommend/configs/nothing.txt?{QUERY}&v=3",
        "/no-such-page/",
    ],
)
def test_an_error_is_never_stored(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404) and response["Cache-Control"] == "private, no-store"


def test_a_server_error_is_never_stored(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr("decisions.views.render", broken)
    client.raise_request_exception = False
    response = client.get(f"/recommend/?{QUERY}")
    assert response.status_code == 500 and response["Cache-Control"] == "private, no-store"


def test_a_method_not_allowed_is_never_stored(client):
    assert client.post(f"/recommend/?{QUERY}")["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("page", ["/admin/login/", "/admin/", "/admin/decisions/question/"])
def test_the_admin_is_never_stored_by_a_shared_cache(admin_client, client, page):
    for response in (client.get(page), admin_client.get(page)):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (page, response["Cache-Control"])


def test_what_no_key_describes_is_never_stored(client):
    assert client.get("/health")["Cache-Control"] == "private, no-store"


def test_a_response_that_sets_a_cookie_is_not_public():
    key = caching.ResponseKey("7-0", "", True, "framework=flask", "http://testserver/", ())
    response = HttpResponse("x")
    assert caching.cache_control(key, response) == IMMUTABLE
    response.set_cookie("sessionid", "secret")
    assert caching.cache_control(key, response) == "private, no-store"
    varied = HttpResponse("x", headers={"Vary": "Cookie"})
    assert caching.cache_control(key, varied) == "private, no-store"


def test_one_key_feeds_the_etag_and_the_stored_entry(client):
    """The ETag is the key's, and the sent-response cache stores under the same key."""
    response = client.get(f"/recommend/?{QUERY}", headers=GZIP)
    key = response.wsgi_request.response_key
    assert response["ETag"] == f'W/"{key.etag}"'
    assert cache.get(key.storage_key("gzip")) is not None and cache.get(key.storage_key("identity")) is None
