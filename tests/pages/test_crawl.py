"""A crawler from the pages a visitor lands on: every link, stylesheet, script, icon and form on each page it
reaches must answer, and every #fragment must name an element of the page it points into. Result pages link to
each other without end (what would change links to other results), so it reads at most PAGE_LIMIT pages; the
files, downloads and other resources of every page read are all fetched."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
LANDINGS = {
    "/": 200,
    "/servers/": 200,
    "/changes/": 200,
    "/measured/": 200,
    "/?framework=fastapi&async=yes&realtime=websockets&deploy=docker&tls=app": 200,
    "/recommend/?framework=django&deploy=kubernetes&cores=4": 200,
    "/recommend/?framework=flask&deploy=supervisor&http=http3": 200,
    "/recommend/?framework=nope&cores=0": 400,  # a mistyped shared link: its fix-it page must link soundly too
    "/no-such-page/": 404,
}
PAGE_LIMIT = 40
ADMIN_PAGE_LIMIT = 80
# Where each kind of element names what the browser fetches or goes to.
URL_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action"}


class Page(HTMLParser):
    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.ids: set[str] = set()
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "form" and (values.get("method") or "get").lower() != "get":
            return  # a form that posts changes something: a crawler only reads
        reference = values.get(URL_ATTRIBUTES.get(tag, ""))
        if reference is not None:
            self.references.append(urljoin(self.url, reference))


def same_site(url: str) -> str | None:
    """The path and query of a URL on this site, or None for another site's or a non-HTTP one (mailto:)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


def crawl(
    client, landings: dict[str, int], page_limit: int, within: str = "/"
) -> tuple[dict[str, int], dict[str, Page], dict[str, int], list[str]]:
    """Every address under `within` reached from the landings, with its status; the pages read; the links that do
    not answer 200, named "page it is on -> address"; the links whose #fragment names no element of their page."""
    statuses: dict[str, int] = {}
    pages: dict[str, Page] = {}
    fragments: list[tuple[str, str, str]] = []  # (page linked from, page linked to, fragment)
    linked_from: dict[str, str] = {}
    queue = deque(landings)
    while queue:
        path = queue.popleft()
        if path in statuses:
            continue
        response = client.get(path)
        statuses[path] = response.status_code
        if not is_html(response) or len(pages) >= page_limit:
            continue
        page = pages[path] = Page(ORIGIN + path)
        page.feed(response.content.decode())
        for reference in page.references:
            address, fragment = urldefrag(reference)
            target = same_site(address)
            if target is None or not target.startswith(within):
                continue
            if fragment:
                fragments.append((path, target, fragment))
            linked_from.setdefault(target, path)
            queue.append(target)
    broken = {
        f"{linked_from[path]} -> {path}": status
        for path, status in statuses.items()
        if path not in landings and status != 200
    }
    missing = [
        f"{source} -> {target}#{fragment}"
        for source, target, fragment in fragments
        if target in pages and fragment not in pages[target].ids
    ]
    return statuses, pages, broken, missing


def test_it_finds_every_link_answering_and_every_fragment_on_its_page(client):
    statuses, pages, broken, missing = crawl(client, LANDINGS, PAGE_LIMIT)

    assert len(pages) == PAGE_LIMIT  # the crawl went past the landings, into the results they link to
    assert {path: statuses[path] for path in LANDINGS} == LANDINGS
    assert broken == {}
    assert missing == []
    fetched = " ".join(statuses)
    for kind in (
        "/recommend/configs/",
        "/recommend/bundle.zip?",
        "/recommend/decision.md?",
        "/static/css/",
        "/static/js/",
    ):
        assert kind in fetched


@pytest.mark.slow  # 80 admin pages, whose template previews run the real validators: about 15 s
def test_it_finds_every_link_of_the_admin_answering(admin_client):
    statuses, pages, broken, missing = crawl(admin_client, {"/admin/": 200}, ADMIN_PAGE_LIMIT, within="/admin/")

    assert len(pages) == ADMIN_PAGE_LIMIT
    assert broken == {}
    assert missing == []
    fetched = " ".join(statuses)
    for kind in ("/admin/decisions/question/", "/scoring/", "/admin/decisions/configtemplate/", "/history/"):
        assert kind in fetched
