"""What a first visit costs on the wire when gunicorn and WhiteNoise serve as in production.

A size check, not a timing check: the bytes a browser receives do not depend on the machine's speed.
"""

import re

from tests.browser.harness import PUBLIC_PAGES

BUDGET_BYTES = 40_000
FOREVER = "max-age=315360000, public, immutable"
HASHED_STATIC = re.compile(r"/static/.+\.[0-9a-f]{12}\.\w+$")


def first_visit(new_tab, production_server, path: str = "/"):
    tab = new_tab(base_url=production_server, extra_http_headers={"Accept-Encoding": "gzip, br"})
    responses = []
    tab.page.on("response", lambda response: responses.append(response))
    tab.open(path)
    tab.page.wait_for_load_state("networkidle")
    return tab, responses


def test_it_costs_at_most_40_kb_compressed_on_a_first_visit(new_tab, production_server):
    tab, responses = first_visit(new_tab, production_server)
    entries = tab.page.evaluate(
        """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
            .map(entry => ({url: entry.name, encoded: entry.encodedBodySize, decoded: entry.decodedBodySize}))"""
    )
    assert {entry["url"] for entry in entries} == {response.url for response in responses}  # nothing uncounted
    assert all(response.request.all_headers()["accept-encoding"] == "gzip, br" for response in responses)
    kinds = {re.sub(r".*\.", "", entry["url"].split("?")[0]) for entry in entries}
    assert {"css", "js"} <= kinds and len(entries) >= 4  # the page, the stylesheet, htmx and site.js
    total = sum(entry["encoded"] for entry in entries)
    breakdown = "\n".join(f"{e['encoded']:>7} (of {e['decoded']:>7}) {e['url']}" for e in entries)
    assert total <= BUDGET_BYTES, f"{total} bytes on the wire:\n{breakdown}"
    assert sum(entry["decoded"] for entry in entries) > 2 * total  # it was compressed


def test_it_compresses_every_page_stylesheet_and_script(new_tab, production_server):
    tab, responses = first_visit(new_tab, production_server, PUBLIC_PAGES["result"][0])
    text = [r for r in responses if re.match(r"text/html|text/css|text/javascript", r.all_headers()["content-type"])]
    assert len(text) >= 4
    for response in text:
        headers = response.all_headers()
        assert headers.get("content-encoding") in {"gzip", "br"}, f"{response.url}: {headers}"
        assert "accept-encoding" in headers.get("vary", "").lower(), response.url


def test_it_lets_browsers_keep_hashed_static_files_forever(new_tab, production_server):
    tab, responses = first_visit(new_tab, production_server)
    static = [response for response in responses if "/static/" in response.url]
    assert len(static) >= 3
    for response in static:
        assert HASHED_STATIC.search(response.url), response.url
        assert response.all_headers()["cache-control"] == FOREVER, response.url
    # A name without a hash may change under the same URL: browsers must ask again soon.
    unhashed = tab.page.request.get(f"{production_server}/static/css/site.css")
    assert unhashed.ok and unhashed.headers["cache-control"] == "max-age=60, public"
