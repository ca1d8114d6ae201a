"""Every public page and htmx partial passes the Nu HTML Checker (vnu.jar from npm, run with Debian's Java)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.support.imports import SAME_SITE, UWSGI_INI, corpus_text, imported_page
from tests.support.pinned import QUERY, edit_as_admin, number

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
VNU = Path(settings.BASE_DIR) / "node_modules/vnu-jar/build/dist/vnu.jar"
HTMX = {"HTTP_HX_REQUEST": "true"}
# vnu checks documents, not fragments: a partial goes into the smallest valid document, so every error reported
# for it is the partial's own.
FRAGMENT_DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partial</title></head><body>{}</body></html>'
)


def fetch(client, url: str, status: int = 200, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def test_every_public_page_and_partial_is_valid_html(client, admin_client, tmp_path):
    assert shutil.which("java"), "Java is missing: `make test` installs Debian's default-jre-headless"
    assert VNU.exists(), "vnu.jar is missing: `make node-deps` installs it from npm"
    v = number()
    pages = {
        "home-blank": fetch(client, "/"),
        "home-answered": fetch(client, f"/?{QUERY}"),
        "home-errors": fetch(client, "/?framework=nope&workers=lots", 400),
        "result": fetch(client, f"/recommend/?{QUERY}"),
        "servers": fetch(client, "/servers/"),
        "measured": fetch(client, "/measured/"),
        "home-import-errors": client.post("/import/", {"text": "nothing\n"}, headers=SAME_SITE).content.decode(),
        "home-carried-errors": fetch(client, "/?framework=flask&timeout=0&static=/media=m&env=A=b&from=uwsgi", 400),
        "404": fetch(client, "/no-such-page/", 404),
        # Django's handler500: the 500 template rendered without a request context.
        "500": server_error(RequestFactory().get("/")).content.decode(),
    }
    partials = {
        "home-blank-partial": fetch(client, "/", **HTMX),
        "home-answered-partial": fetch(client, f"/?{QUERY}", **HTMX),
        "home-errors-partial": fetch(client, "/?framework=nope&workers=lots", 400, **HTMX),
        "result-partial": fetch(client, f"/recommend/?{QUERY}", **HTMX),
    }
    redirect, imported = imported_page(client, text=corpus_text(UWSGI_INI))
    pages["home-imported"] = imported.content.decode()
    pages["result-carried"] = fetch(client, redirect["Location"].replace("/?", "/recommend/?"))
    assert 'id="imported"' in pages["home-imported"] and 'id="migration-title"' in pages["result-carried"]
    edit_as_admin(admin_client)
    pages["changes"] = fetch(client, "/changes/")
    pages["result-outdated"] = fetch(client, f"/recommend/?{QUERY}&v={v}")
    partials["result-outdated-partial"] = fetch(client, f"/recommend/?{QUERY}&v={v}", **HTMX)
    assert 'id="outdated"' in pages["result-outdated"] and 'id="outdated"' in partials["result-outdated-partial"]

    documents = pages | {name: FRAGMENT_DOCUMENT.format(html) for name, html in partials.items()}
    files = [tmp_path / f"{name}.html" for name in documents]
    for path, html in zip(files, documents.values(), strict=True):
        path.write_text(html)
    # One JVM for every file: it takes seconds to start.
    run = subprocess.run(
        ["java", "-jar", VNU, "--errors-only", "--format", "json", *files], capture_output=True, text=True, timeout=240
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] != "info"
    ]
    print("\n".join(errors))
    assert not errors, f"{len(errors)} vnu errors:\n" + "\n".join(errors)
