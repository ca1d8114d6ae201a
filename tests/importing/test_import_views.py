"""Start from your current setup, through the site: the form's POST and its 303 to the share link, the page that
says where each answer was read (the visitor's alone: never stored or shared), POST /import.json for every kind of
file in the corpus, and hostile input answered with a clear 400 that names the field, nothing run, nothing on disk."""

import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client, RequestFactory

from decisions.setups import MAX_BYTES, MAX_FILES
from decisions.uploads import HeldInMemory
from tests.support.imports import (
    CORPUS,
    MANIFEST,
    PROCFILE,
    REQUIREMENTS,
    SAME_SITE,
    UWSGI_INI,
    corpus_text,
    imported_page,
)

pytestmark = pytest.mark.django_db
TEN_MB = 10 * 1024 * 1024


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name.rsplit("/", 1)[-1], content if content is not None else (CORPUS / name).read_bytes())


def errors_of(response) -> dict:
    assert response.status_code == 400, response.content.decode()[:500]
    assert response["Cache-Control"] == "private, no-store"
    return response.json()["errors"]


# The form


def test_it_answers_the_form_with_a_303_to_the_share_link_of_what_it_read(client):
    redirect, page = imported_page(client, text=corpus_text(UWSGI_INI))
    location = urlsplit(redirect["Location"])
    assert location.path == "/"
    assert parse_qs(location.query) == {
        "framework": ["django"],
        "async": ["no"],
        "current": ["uwsgi"],
        "app": ["hc.wsgi:application"],
        "timeout": ["10"],
        "limit_request_field_size": ["32768"],
        "from": ["uwsgi"],
        "v": [parse_qs(location.query)["v"][0]],
    }
    assert page.status_code == 200


def test_it_refuses_the_form_posted_from_another_site(client):
    text = {"text": corpus_text(UWSGI_INI)}
    assert client.post("/import/", text, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/import/", text, headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
    assert client.post("/import/", text, headers={"Origin": "https://elsewhere.example"}).status_code == 403
    assert client.post("/import/", text, headers={"Origin": "http://testserver"}).status_code == 303
    assert client.get("/import/").status_code == 405


def test_it_needs_no_token_so_the_pages_that_hold_the_form_stay_one_page_for_everyone(client):
    strict = Client(enforce_csrf_checks=True)
    home = strict.get("/")
    assert 'action="/import/"' in home.content.decode() and "csrfmiddlewaretoken" not in home.content.decode()
    assert not home.cookies and home["Cache-Control"].startswith("public")
    assert strict.post("/import/", {"text": corpus_text(UWSGI_INI)}, headers=SAME_SITE).status_code == 303


def test_it_prefills_the_questionnaire_from_a_pasted_uwsgi_ini_and_says_where_each_answer_was_read(client):
    redirect, page = imported_page(client, text=corpus_text(UWSGI_INI))
    html = page.content.decode()
    assert 'value="django" checked' in html and 'value="uwsgi" checked' in html and 'value="no" checked' in html
    assert (
        "Read from <code>module = hc.wsgi:application</code> (uwsgi.ini line 21, Django&#39;s project layout)" in html
    )
    assert "Read from <code>[uwsgi]</code> (uwsgi.ini line 2, uWSGI&#39;s Python plugin serves WSGI)" in html
    assert html.count('class="read-from"') == 4  # framework, async, current and the app path
    assert '<section class="panel imported" id="imported"' in html
    assert "<strong>timeout</strong> 10, from <code>harakiri = 10</code>" in html
    assert "<summary>Read, not carried: 20</summary>" in html and "<strong>processes</strong> 4" in html
    # the carried settings are the questionnaire's detail fields: answering again keeps them
    assert 'name="timeout" type="number" value="10"' in html and 'name="from" type="text" value="uwsgi"' in html


def test_it_gives_a_pasted_uwsgi_ini_a_bundle_that_carries_its_settings_and_the_readmes_table(client):
    redirect, _ = imported_page(client, text=corpus_text(UWSGI_INI))
    query = urlsplit(redirect["Location"]).query
    bundle = client.get(f"/recommend/bundle.zip?{query}")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        files = {name.split("/", 1)[1]: archive.read(name).decode() for name in archive.namelist()}
    assert "harakiri = 10" in files["uwsgi.ini"] and "buffer-size = 32768" in files["uwsgi.ini"]
    assert "## Migrating from uWSGI" in files["README.md"]
    assert "| `timeout = 10` | `harakiri` | `uwsgi.ini`: `harakiri = 10` |" in files["README.md"]
    # the same link with another answer: the settings become the newly recommended server's own
    leaving = query.replace("current=uwsgi", "current=none")
    assert client.get(f"/recommend.json?{leaving}").json()["recommended"] == "gunicorn"
    with zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/bundle.zip?{leaving}").content)) as archive:
        config = archive.read("serverwise-gunicorn/gunicorn.conf.py").decode()
        readme = archive.read("serverwise-gunicorn/README.md").decode()
    assert "timeout = 10" in config and "limit_request_field_size = 32768" in config
    assert "| `timeout = 10` | `harakiri` | `gunicorn.conf.py`: `timeout = 10` |" in readme
    assert "`cheaper`" in readme  # what uWSGI has and Gunicorn has not, with why


def test_it_reads_a_procfile_and_requirements_uploaded_together(client):
    _, page = imported_page(client, file=[upload(PROCFILE), upload(REQUIREMENTS)])
    html = page.content.decode()
    assert "Read from <code>-k uvicorn.workers.UvicornWorker</code> (Procfile line 5)" in html
    assert "Read from <code>channels==3.0.4</code> (requirements.txt line 8)" in html


def test_it_takes_the_kind_of_pasted_text_when_the_text_could_be_either(client):
    text = corpus_text("pgjones__tozo/hypercorn.toml")  # valid Python too: told, it is read as Hypercorn's
    redirect, page = imported_page(client, text=text, kind="hypercorn.toml")
    assert "current=hypercorn" in redirect["Location"]
    assert "(hypercorn.toml line" in page.content.decode()


def test_it_shows_the_forms_errors_on_the_home_page_with_what_was_pasted(client):
    response = client.post("/import/", {"text": "nothing a server reads\n"}, headers=SAME_SITE)
    html = response.content.decode()
    assert response.status_code == 400 and response["Cache-Control"] == "private, no-store"
    assert 'id="import-errors"' in html and "Nothing could be read" in html
    assert ">nothing a server reads\n</textarea>" in html
    assert 'id="questionnaire"' in html  # the questionnaire is still there to answer by hand


# The page with sources is the visitor's alone


def test_the_page_with_sources_is_never_stored_nor_shared(client):
    someone_else = Client()
    location = imported_page(client, text=corpus_text(UWSGI_INI))[0]["Location"]
    # asked first by the importer: not stored for anyone
    mine = client.get(location, headers={"Accept-Encoding": "gzip"})
    assert mine["Cache-Control"] == "private, no-store" and "ETag" not in mine
    theirs = someone_else.get(location)
    assert "Read from" not in theirs.content.decode() and theirs["Cache-Control"].startswith("public")
    # asked first by someone else, then stored: the importer still gets their own page, even revalidating
    again = client.get(location, headers={"If-None-Match": theirs["ETag"]})
    assert again.status_code == 200 and "Read from" in again.content.decode()
    assert "Read from" not in someone_else.get(location).content.decode()


def test_it_forgets_the_import_once_the_visitor_answers_otherwise(client):
    location = imported_page(client, text=corpus_text(UWSGI_INI))[0]["Location"]
    moved_on = client.get(location.replace("framework=django", "framework=flask"))
    assert "Read from" not in moved_on.content.decode()
    assert moved_on.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 0  # the session cookie is dropped
    assert "Read from" not in client.get(location).content.decode()


# The questionnaire keeps carried settings


def test_the_questionnaire_keeps_a_links_carried_settings_and_links_a_bad_one_to_its_field(client):
    page = client.get("/?framework=flask&timeout=30&static=/media=storage/media&env=LANG=C.UTF-8&from=uwsgi")
    html = page.content.decode()
    for name, value in (("timeout", "30"), ("static", "/media/=storage/media"), ("env", "LANG=C.UTF-8")):
        assert f'name="{name}"' in html and f'value="{value}"' in html
    bad = client.get("/?framework=flask&timeout=0&max_requests=9")
    html = bad.content.decode()
    assert bad.status_code == 400 and 'href="#field-timeout"' in html and 'id="field-timeout"' in html
    assert 'value="0"' in html and 'id="field-max_requests"' in html


# POST /import.json


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_it_reads_every_corpus_file_as_json(client, name):
    response = client.post("/import.json", {"file": upload(name)})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["answers"] == MANIFEST[name]["answers"]
    assert set(data["sources"]) == set(data["answers"])
    assert all(source["file"] and source["line"] >= 1 for source in data["sources"].values())
    assert data["problems"] == []
    assert data["recommend_url"].startswith("http://testserver/recommend/?")
    assert all(set(item) >= {"setting", "why"} for item in data["not_carried"])
    assert all(set(item) >= {"from", "to", "value"} for item in data["settings"])


def test_it_says_what_each_carried_setting_becomes_on_the_recommended_server(client):
    data = client.post("/import.json", {"text": corpus_text(UWSGI_INI)}).json()
    assert data["sources"]["app"] == {
        "shown": 'from "module = hc.wsgi:application" (uwsgi.ini line 21)',
        "file": "uwsgi.ini",
        "line": 21,
        "text": "module = hc.wsgi:application",
        "note": "",
    }
    assert data["settings"][0] == {
        "setting": "timeout",
        "value": "10",
        "from": "harakiri",
        "to": "uwsgi.ini: harakiri = 10",
        "note": "a request running longer is killed with its worker",
    }
    assert {"setting": "threads", "value": "1"}.items() <= next(
        item for item in data["not_carried"] if item["setting"] == "threads"
    ).items()
    assert client.get(data["recommend_url"]).status_code == 200


def test_it_needs_something_to_read(client):
    assert set(errors_of(client.post("/import.json", {}))) == {"text"}
    errors = errors_of(client.post("/import.json", {"text": "x", "kind": "setup.exe"}))
    assert "uwsgi.ini" in errors["kind"]["allowed"]


# Hostile input


def test_it_names_a_binary_file_and_its_line(client):
    errors = errors_of(client.post("/import.json", {"file": upload("app.ini", b"[uwsgi]\nmodule = a:b\n\x00\x01")}))
    assert errors["file"]["message"] == "Nothing could be read: app.ini line 3: binary, not text: character 0x00."
    assert "at most 8 files" in errors["file"]["allowed"][0]
    errors = errors_of(client.post("/import.json", {"file": upload("uwsgi.ini", b"[uwsgi]\n\xff\xfe\xfa")}))
    assert "uwsgi.ini" in errors["file"]["message"] and "not UTF-8" in errors["file"]["message"]


def test_it_refuses_a_ten_megabyte_upload_clearly(client):
    errors = errors_of(client.post("/import.json", {"file": upload("uwsgi.ini", b"a" * TEN_MB)}))
    assert errors["file"]["message"] == f"uwsgi.ini is {TEN_MB} bytes: at most {MAX_BYTES} bytes a file."
    page = client.post("/import/", {"file": upload("uwsgi.ini", b"a" * TEN_MB)}, headers=SAME_SITE)
    assert page.status_code == 400 and f"uwsgi.ini is {TEN_MB} bytes" in page.content.decode()


def test_it_refuses_too_much_pasted_text_clearly(client):
    errors = errors_of(client.post("/import.json", {"text": "a" * (MAX_BYTES + 1)}))
    assert errors["text"]["message"] == f"The text is {MAX_BYTES + 1} bytes: paste at most {MAX_BYTES}."
    errors = errors_of(client.post("/import.json", {"text": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}))
    assert "paste at most" in errors["text"]["message"]


def test_it_refuses_too_many_files_clearly(client):
    files = [upload(f"requirements-{n}.txt", b"django\n") for n in range(MAX_FILES + 1)]
    errors = errors_of(client.post("/import.json", {"file": files}))
    assert errors["file"]["message"] == f"Give at most {MAX_FILES} files at once, not {MAX_FILES + 1}."
    flood = [upload(f"r{n}.txt", b"x") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    errors = errors_of(client.post("/import.json", {"file": flood}))
    assert errors["file"]["message"].startswith("More than 100 files were sent")


def test_it_runs_nothing_a_gunicorn_conf_py_says(client, tmp_path):
    marker = tmp_path / "ran"
    code = (
        f"import os\nos.system('touch {marker}')\nopen('{marker}', 'w').write('x')\n"
        f"workers = __import__('os').system('touch {marker}') or 4\nbind = '0.0.0.0:9000'\ntimeout = 45\n"
    )
    for response in (
        client.post("/import.json", {"file": upload("gunicorn.conf.py", code.encode())}),
        client.post("/import/", {"text": code, "kind": "gunicorn.conf.py"}, headers=SAME_SITE, follow=True),
    ):
        assert response.status_code == 200
    data = client.post("/import.json", {"file": upload("gunicorn.conf.py", code.encode())}).json()
    assert not marker.exists()
    assert data["answers"]["port"] == "9000" and data["settings"][0]["value"] == "45"
    assert [item["setting"] for item in data["computed"]] == ["workers"]
    assert "__import__" in data["computed"][0]["expression"]


def test_it_never_writes_an_upload_to_disk(client, monkeypatch, tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    spooled = []

    class Spooled(TemporaryUploadedFile):
        def __init__(self, *args, **kwargs):
            spooled.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", Spooled)
    # the check itself: Django's own handlers spool a large upload to a file in the temporary folder
    request = RequestFactory().post("/", {"file": upload("big.ini", b"a" * (3 * 1024 * 1024))})
    request.FILES["file"].close()
    assert spooled == ["big.ini"]
    spooled.clear()
    response = client.post("/import.json", {"file": [upload("big.ini", b"a" * TEN_MB), upload(UWSGI_INI)]})
    assert response.status_code == 400
    assert [type(handler) for handler in response.wsgi_request.upload_handlers] == [HeldInMemory]
    assert spooled == [] and list(tmp_path.iterdir()) == []


def test_the_result_shows_what_each_carried_setting_became(client):
    location = imported_page(client, text=corpus_text(UWSGI_INI))[0]["Location"]
    html = client.get(location.replace("/?", "/recommend/?").replace("current=uwsgi", "current=none")).content.decode()
    assert 'id="migration-title">Settings carried over from uwsgi, and what each became:' in html
    assert (
        "<td><code>timeout = 10</code></td><td><code>harakiri</code></td>"
        "<td><code>gunicorn.conf.py</code>: <code>timeout = 10</code></td>"
    ) in html
    assert '<table class="migration">' not in client.get("/recommend/?framework=flask").content.decode()


def test_it_tells_pasted_requirements_from_a_settings_file(client):
    redirect, page = imported_page(client, text=corpus_text(REQUIREMENTS))
    assert "framework=django" in redirect["Location"] and "realtime=websockets" in redirect["Location"]
