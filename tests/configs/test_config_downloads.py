"""The starter configs on the web: file and zip downloads, the result page's previews and the JSON links."""

import io
import zipfile

import pytest
from markupsafe import escape

from decisions.answers import Answers
from decisions.configs.plan import plan_for
from decisions.models import ConfigTemplate, CriteriaVersion
from decisions.views import PREVIEW_CHARACTERS
from tests.support.bundles import CRITERIA

pytestmark = pytest.mark.django_db
QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes&tls=proxy"
FILES = ["Dockerfile", ".dockerignore", "kubernetes.yaml", "nginx.conf", "compare.py", "README.md"]


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("Dockerfile", "text/plain; charset=utf-8"),
        (".dockerignore", "text/plain; charset=utf-8"),
        ("kubernetes.yaml", "application/yaml; charset=utf-8"),
        ("nginx.conf", "text/plain; charset=utf-8"),
        ("README.md", "text/markdown; charset=utf-8"),
    ],
)
def test_it_downloads_each_file_as_an_attachment(client, filename, content_type):
    response = client.get(f"/recommend/configs/{filename}?{QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.content.decode().endswith("\n") and response["ETag"]


def test_it_downloads_the_servers_own_config(client):
    response = client.get("/recommend/configs/gunicorn.conf.py?framework=django")
    assert response["Content-Type"] == "text/x-python; charset=utf-8"
    assert 'wsgi_app = "mysite.wsgi:application"' in response.content.decode()
    toml = client.get("/recommend/configs/hypercorn.toml?http=http3")
    assert toml["Content-Type"] == "application/toml; charset=utf-8" and "quic_bind" in toml.content.decode()


def test_the_download_is_the_file_the_page_previews(client):
    html = client.get(f"/recommend/?{QUERY}").content.decode()
    readme = client.get(f"/recommend/configs/README.md?{QUERY}").content.decode()
    assert "Your answers and the full ranking: http://testserver/recommend/?framework=fastapi" in readme

    assert escape(readme) in html


def test_it_answers_404_for_a_file_that_is_not_in_this_bundle(client):
    for filename in ("uwsgi.ini", "app.service", "passwd", ".."):
        response = client.get(f"/recommend/configs/{filename}?{QUERY}")
        assert response.status_code == 404, filename
        assert response.json()["files"] == FILES
    assert client.get(f"/recommend/configs/..%2Fsettings.py?{QUERY}").status_code == 404
    assert client.get("/recommend/configs/nginx.conf?tls=app").status_code == 404  # TLS in the app: no proxy site


def test_the_downloads_answer_400_naming_each_bad_field(client):
    for url in ("/recommend/configs/README.md", "/recommend/bundle.zip"):
        response = client.get(f"{url}?framework=rails&port=0")
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert set(errors) == {"framework", "port"} and "django" in errors["framework"]["allowed"]


def test_a_hostile_value_never_reaches_a_file(client):
    for query in (
        "host=evil%0AExecStartPre=/bin/sh",
        "app=main:app%0A[program:x]",
        "host=a%22;b",
        "app=main:app%20--reload",
    ):
        for url in ("/recommend/configs/README.md", "/recommend/bundle.zip"):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, query
            assert "ExecStartPre" not in response.content.decode() and "program:x" not in response.content.decode()


def test_the_downloads_answer_404_when_no_server_fits(client, nothing_fits):
    assert client.get(f"/recommend/bundle.zip?{nothing_fits}").status_code == 404
    assert client.get(f"/recommend/configs/README.md?{nothing_fits}").json()["error"].startswith("No server fits")
    html = client.get(f"/recommend/?{nothing_fits}").content.decode()
    assert "there are no starter configs" in html


def test_the_zip_holds_every_file_in_one_folder(client):
    response = client.get(f"/recommend/bundle.zip?{QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="serverwise-uvicorn.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    record = "docs/decisions/0001-use-uvicorn-for-our-fastapi-app.md"
    assert archive.namelist() == [f"serverwise-uvicorn/{name}" for name in [*FILES, record]]
    for name in FILES:
        single = client.get(f"/recommend/configs/{name}?{QUERY}").content
        assert archive.read(f"serverwise-uvicorn/{name}") == single
    assert archive.read(f"serverwise-uvicorn/{record}") == client.get(f"/recommend/decision.md?{QUERY}").content
    assert client.get(f"/recommend/bundle.zip?{QUERY}").content == response.content  # same answers, same bytes


def test_the_downloads_honour_their_etag(client):
    for url in (f"/recommend/bundle.zip?{QUERY}", f"/recommend/configs/Dockerfile?{QUERY}"):
        first = client.get(url)
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert (
        client.get(f"/recommend/bundle.zip?{QUERY}")["ETag"]
        != client.get(f"/recommend/configs/Dockerfile?{QUERY}")["ETag"]
    )


def test_the_json_links_the_files_the_zip_and_the_start_command(client):
    data = client.get(f"/recommend.json?{QUERY}").json()
    pinned = f"{QUERY}&v={CriteriaVersion.objects.get().number}"
    assert data["configs"] == [
        {"filename": name, "url": f"http://testserver/recommend/configs/{name}?{pinned}"} for name in FILES
    ]
    assert data["bundle_url"] == f"http://testserver/recommend/bundle.zip?{pinned}"
    answers = Answers(choices=dict(pair.split("=") for pair in QUERY.split("&")))
    assert data["start_command"] == plan_for(CRITERIA.server("uvicorn"), answers).start_command
    assert data["configs_error"] is None
    for entry in data["configs"]:
        assert client.get(entry["url"]).status_code == 200


def test_the_result_page_previews_each_file_with_copy_and_download(client):
    html = client.get(f"/recommend/?{QUERY}").content.decode()
    section = html[html.index('id="starter-configs"') :]
    pinned = f"{QUERY}&v={CriteriaVersion.objects.get().number}".replace("&", "&amp;")
    assert "Starter configs for Uvicorn" in section
    for number, name in enumerate(FILES, start=1):
        assert f"<summary><code>{name}</code></summary>" in section
        assert f'href="/recommend/configs/{name}?{pinned}" download="{name}"' in section
        previewed = name != "compare.py"
        assert (f'data-copy="#config-{number}"' in section) == previewed
        assert (f'<code id="config-{number}">' in section) == previewed
    assert f'href="/recommend/bundle.zip?{pinned}" download>Download all (zip)</a>' in section
    assert 'data-copy="#start-command"' in section and "<span>uvicorn</span> <span>main:app</span>" in section
    assert "proxy_set_header Upgrade $http_upgrade;" in section  # the nginx preview, escaped as text
    assert "<script" not in section and "style=" not in section  # CSP: no inline script or style


def test_a_file_too_long_to_show_is_offered_for_download_only(client):
    html = client.get(f"/recommend/?{QUERY}").content.decode()
    kit = html[html.index("<summary><code>compare.py</code></summary>") :].split("</details>")[0]
    download = client.get(f"/recommend/configs/compare.py?{QUERY}").content.decode()
    assert len(download) > PREVIEW_CHARACTERS and "def main(" in download
    assert f"{round(len(download.encode()) / 1000)} kB, too long to show here: download it to read it." in kit
    assert "def main(" not in kit and "data-copy" not in kit and 'download="compare.py"' in kit


def test_the_htmx_partial_carries_the_configs_too(client):
    html = client.get(f"/?{QUERY}", headers={"HX-Request": "true"}).content.decode()
    assert 'id="starter-configs"' in html and "Download all (zip)" in html


def break_a_template():
    """An edit that slipped past clean(), e.g. a direct database update."""
    ConfigTemplate.objects.filter(filename="nginx.conf").update(body="server {\n{{ upstream_host }}\n}\n")

    CriteriaVersion.bump()


def test_a_broken_template_gives_a_clear_400_for_downloads(client):
    break_a_template()
    for url in ("/recommend/configs/README.md", "/recommend/configs/nginx.conf", "/recommend/bundle.zip"):
        response = client.get(f"{url}?{QUERY}")
        assert response.status_code == 400
        assert response.json() == {
            "error": "Template 'nginx site' (nginx.conf), line 2: unknown variable 'upstream_host'."
        }


def test_a_broken_template_leaves_the_result_and_the_json_readable(client):
    break_a_template()
    page = client.get(f"/recommend/?{QUERY}")
    assert page.status_code == 200
    assert "unknown variable &#39;upstream_host&#39;" in page.content.decode()
    assert 'data-recommended="uvicorn"' in page.content.decode()
    data = client.get(f"/recommend.json?{QUERY}").json()
    assert data["recommended"] == "uvicorn" and data["configs"] == [] and data["bundle_url"] is None
    assert data["configs_error"] == "Template 'nginx site' (nginx.conf), line 2: unknown variable 'upstream_host'."
