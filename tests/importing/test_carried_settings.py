"""Settings carried over from a team's current server: validated detail fields of the share link (a bad value is a
400 naming the field and what it allows), the same bundle from the same link, each setting translated into the
recommended server's own option or listed with why it has none, and the README's migration table."""

import hashlib
import importlib
import io
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from decisions.answers import ENV, NUMBER_SETTINGS, STATIC, Answers, Carried
from decisions.configs.carry import OPTIONS, WHY_NOT
from decisions.configs.plan import plan_for
from decisions.configs.render import ConfigError, server_bundle
from decisions.models import ConfigTemplate, CriteriaSnapshot, CriteriaVersion
from decisions.seeding import default_templates
from decisions.setups import SETTING_KEYS, read_setup
from decisions.setups.share import SIZED_BY_CORES, share_query
from tests.support.bundles import CRITERIA, SERVERS, TEMPLATES

CORPUS = Path(__file__).resolve().parent / "corpus"
EVERY_NUMBER = {
    "timeout": 12,
    "graceful_timeout": 20,
    "keepalive": 7,
    "max_requests": 40,
    "max_requests_jitter": 4,
    "backlog": 100,
    "limit_request_line": 4000,
    "limit_request_fields": 50,
    "limit_request_field_size": 2048,
}
CARRIED_QUERY = urlencode(
    [
        *EVERY_NUMBER.items(),
        ("static", "/media=storage/media"),
        ("env", "DATABASE_URL=postgres://app:s3cret@db:5432/app?sslmode=require"),
        ("from", "uwsgi"),
    ]
)


def carried(**numbers: int) -> Carried:
    return Carried(numbers=tuple((key, numbers[key]) for key in NUMBER_SETTINGS if key in numbers))


def migration_rows(server: str, carried_settings: Carried, **choices: str) -> dict[str, tuple[str, str]]:
    """Each carried setting's row: (where it went, the note), by the setting as the README names it."""
    plan = plan_for(CRITERIA.server(server), Answers(choices=choices, carried=carried_settings))
    return {row.setting.split(" = ")[0]: (row.became, row.note) for row in plan.migration}


def test_it_takes_the_canonical_keys_of_the_reader_as_its_parameters():
    # workers and threads have no field: the cores answer sizes them by each server's own rule
    assert set(NUMBER_SETTINGS) | {STATIC, ENV, "workers", "threads"} == set(SETTING_KEYS)


BAD_VALUES = [
    *((key, value) for key in NUMBER_SETTINGS for value in ("0", str(NUMBER_SETTINGS[key][1] + 1), "1.5", "-3", "x")),
    ("static", "/static"),  # no directory
    ("static", "static=staticfiles"),  # not a URL path
    ("static", "/=webroot"),  # the app is served at /
    ("static", "/a/../b=files"),
    ("static", "/files=../secrets"),
    ("static", "/files=dir;rm"),
    ("static", "/files=my files"),
    ("static", '/files=a"b'),
    ("static", "/files={dir}"),
    ("env", "NO_VALUE"),
    ("env", "1NAME=x"),
    ("env", "PATH=/opt/bin"),
    ("env", "HOME=$HOME"),
    ("env", 'QUOTE=a"b'),
    ("env", "QUOTE=it's"),
    ("env", "SLASH=a\\b"),
    ("env", "PERCENT=100%"),
    ("env", "SEMICOLON=a ;b"),
    ("env", "HASH=a #b"),
    ("env", "PIPE=a|b"),
    ("env", "TICK=`id`"),
    ("env", "LINE=a\nEnvironment=EVIL=1"),
    ("env", "TAB=a\tb"),
    ("env", "LONG=" + "a" * 1001),
    ("from", "apache"),
    ("from", "Gunicorn"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{field}={value!r}"[:60] for field, value in BAD_VALUES])
def test_it_answers_400_naming_a_bad_carried_field_and_what_it_allows(client, field, value):
    response = client.get(f"/recommend.json?{urlencode({'framework': 'django', field: value})}")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field]["message"] and errors[field]["allowed"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "static=/a=one&static=/a/=two",  # one prefix twice
        "env=A=1&env=A=2",  # one name twice
        urlencode([("static", f"/s{n}=d{n}") for n in range(9)]),  # more than 8
        "timeout=10&timeout=20",
    ],
)
def test_it_answers_400_for_repeated_or_too_many_values(client, query):
    response = client.get(f"/recommend.json?{query}")

    assert response.status_code == 400
    assert len(response.json()["errors"]) == 1


@pytest.mark.django_db
def test_it_answers_400_on_the_page_too(client):
    response = client.get("/recommend/?framework=django&env=PATH%3D%2Fx")
    assert response.status_code == 400
    assert b"NAME a shell identifier other than PATH" in response.content


@pytest.mark.django_db
def test_a_share_link_with_carried_settings_reproduces_the_same_bundle(client):
    data = client.get(f"/recommend.json?framework=django&deploy=supervisor&{CARRIED_QUERY}").json()
    assert data["answers"]["timeout"] == 12 and data["answers"]["from"] == "uwsgi"
    assert data["answers"]["static"] == [{"prefix": "/media/", "directory": "storage/media"}]
    permalink = data["permalink"]
    assert f"&{CARRIED_QUERY.replace('%2Fmedia%3D', '%2Fmedia%2F%3D')}&v=" in permalink  # canonical: prefix ends in /

    again = client.get(permalink.replace("/recommend/", "/recommend.json"), HTTP_HOST="testserver").json()
    first = client.get(data["bundle_url"])
    second = client.get(again["bundle_url"])

    assert again["permalink"] == permalink
    assert first.status_code == second.status_code == 200 and first.content == second.content
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        readme = archive.read("serverwise-gunicorn/README.md").decode()
    assert "## Migrating from uWSGI" in readme and "| `timeout = 12` | `harakiri` |" in readme


@pytest.mark.django_db
def test_the_response_key_and_the_etag_hold_the_carried_settings(client):
    base = "/recommend/bundle.zip?framework=django"
    plain, carried_once, carried_otherwise = (
        client.get(url)["ETag"] for url in (base, f"{base}&timeout=12", f"{base}&timeout=13")
    )
    env_once, env_otherwise = (client.get(f"{base}&env=A%3D{value}")["ETag"] for value in (1, 2))

    assert len({plain, carried_once, carried_otherwise, env_once, env_otherwise}) == 5


def test_each_server_takes_its_own_option_or_says_why_it_has_none():
    every = carried(**EVERY_NUMBER)
    for server in SERVERS:
        rows = migration_rows(server, every, framework="django")
        for key in NUMBER_SETTINGS:
            became, note = rows[key]
            assert became or note, (server, key)
            if key in OPTIONS[server]:
                assert OPTIONS[server][key] in became, (server, key)
            else:
                assert not became and note == WHY_NOT[server][key], (server, key)


@pytest.mark.parametrize(
    ("server", "choices", "key", "became", "note"),
    [
        ("uwsgi", {}, "timeout", "`uwsgi.ini`: `harakiri = 12`", "a request running longer is killed with its worker"),
        ("gunicorn", {"framework": "django"}, "timeout", "`gunicorn.conf.py`: `timeout = 12`", "a request running"),
        ("gunicorn", {"framework": "fastapi", "async": "yes"}, "timeout", "`timeout = 12`", "bounds a stuck worker"),
        ("gunicorn", {"framework": "fastapi", "async": "yes"}, "limit_request_line", "", "the Uvicorn worker"),
        ("uvicorn", {"framework": "fastapi", "async": "yes"}, "timeout", "", "Uvicorn has no limit"),
        ("uvicorn", {"framework": "fastapi", "async": "yes"}, "keepalive", "`--timeout-keep-alive 7`", ""),
        ("hypercorn", {"framework": "fastapi", "async": "yes"}, "timeout", "", "Hypercorn has no limit"),
        ("hypercorn", {"framework": "fastapi", "async": "yes"}, "keepalive", "`keep_alive_timeout = 7`", ""),
        ("granian", {"framework": "fastapi", "async": "yes"}, "backlog", "`--backlog 128`", "raised to Granian"),
        ("granian", {"framework": "fastapi", "async": "yes"}, "max_requests", "", "no request-count recycling"),
        ("uwsgi", {"realtime": "long-polling"}, "timeout", "", "harakiri would kill the requests you hold open"),
        ("gunicorn", {"realtime": "long-polling"}, "max_requests", "", "No recycling: replacing a worker would cut"),
        ("uwsgi", {}, "limit_request_field_size", "`buffer-size = 2048`", "all headers together"),
        ("uwsgi", {}, "keepalive", "", "http-socket closes each connection"),
    ],
)
def test_it_translates_a_setting_as_the_server_s_source_says(server, choices, key, became, note):
    row_became, row_note = migration_rows(server, carried(**EVERY_NUMBER), **choices)[key]

    assert became in row_became and (row_became == "") == (became == "")
    assert note in row_note


def test_the_files_hold_what_the_table_says():
    answers = Answers(
        choices={"framework": "django", "deploy": "supervisor"},
        carried=Carried(
            numbers=tuple(EVERY_NUMBER.items()),
            static=(("/media/", "storage/media"),),
            env=(("LANG", "C.UTF-8"),),
            migrated_from="uwsgi",
        ),
    )
    files = {f.filename: f.content for f in server_bundle(answers, "gunicorn", CRITERIA, TEMPLATES)}

    assert "timeout = 12\ngraceful_timeout = 20\nkeepalive = 7\nbacklog = 100\n" in files["gunicorn.conf.py"]
    assert "max_requests = 40\nmax_requests_jitter = 4\n" in files["gunicorn.conf.py"]
    assert "limit_request_field_size = 2048\n" in files["gunicorn.conf.py"]
    assert "location /media/ {\n        alias /srv/app/storage/media/;" in files["nginx.conf"]
    assert "location /static/" not in files["nginx.conf"]  # the carried locations replace the default one
    assert ',LANG="C.UTF-8"\n' in files["supervisor.conf"]
    assert "stopwaitsecs=30\n" in files["supervisor.conf"]  # the carried graceful stop, and the margin
    assert "- `cheaper`: uWSGI's cheaper subsystem" in files["README.md"]
    assert "| `env LANG` | `env` | `supervisor.conf`: `environment=` |" in files["README.md"]


def test_static_files_go_to_the_readme_where_no_nginx_is_beside_them():
    answers = Answers(
        choices={"framework": "flask", "deploy": "docker"}, carried=Carried(static=(("/media/", "storage/media"),))
    )
    files = {f.filename: f.content for f in server_bundle(answers, "gunicorn", CRITERIA, TEMPLATES)}

    assert "location /media/" not in files["nginx.conf"]
    assert '    app.add_files("storage/media", prefix="/media/")' in files["README.md"]


def test_the_environment_lands_in_each_deploy_file():
    env = Carried(env=(("LANG", "C.UTF-8"),))
    expected = {
        "systemd": ("app.service", 'Environment="LANG=C.UTF-8"\n'),
        "docker": ("Dockerfile", 'ENV LANG="C.UTF-8"\n'),
        "kubernetes": ("kubernetes.yaml", '          env:\n            - name: LANG\n              value: "C.UTF-8"\n'),
    }
    for deploy, (filename, text) in expected.items():
        answers = Answers(choices={"deploy": deploy}, carried=env)
        files = {f.filename: f.content for f in server_bundle(answers, "uvicorn", CRITERIA, TEMPLATES)}
        assert text in files[filename], deploy
    kubernetes = {
        f.filename: f.content
        for f in server_bundle(Answers(choices={"deploy": "kubernetes"}, carried=env), "uvicorn", CRITERIA, TEMPLATES)
    }
    assert "ENV LANG" not in kubernetes["Dockerfile"]  # the Deployment sets it: one image for every environment


def test_it_refuses_to_write_a_carried_value_the_form_would_refuse():
    for bad in (Carried(env=(("PATH", "/x"),)), Carried(static=(("/", "webroot"),)), carried(timeout=0)):
        with pytest.raises(ConfigError, match="carried settings"):
            server_bundle(Answers(carried=bad), "gunicorn", CRITERIA, TEMPLATES)


def test_a_share_link_carries_what_a_corpus_file_sets_and_lists_what_it_cannot():
    path = CORPUS / "ebmdatalab__thedatalab" / "Dockerfile"
    query, left_out = share_query(read_setup([(path.name, path.read_text())]))

    assert "timeout=300&static=%2Fmedia%2F%3Dstorage%2Fmedia&from=uwsgi" in query
    assert {(item.name, item.why) for item in left_out} == {
        ("workers", SIZED_BY_CORES),
        ("threads", SIZED_BY_CORES),
        ("static-map", "a static prefix must be a URL path other than / and the directory a plain path"),
    }


@pytest.mark.django_db
def test_migration_0014_brings_the_templates_no_admin_edited_up_to_the_seed_in_one_version():
    name = "0014_carried_settings"
    migration = importlib.import_module(f"decisions.migrations.{name}")
    historical = MigrationLoader(connection).project_state(("decisions", name)).apps
    seed = {row["filename"]: row["body"] for row in default_templates()}
    shipped = seed["hypercorn.toml"].replace("keep_alive_timeout = {{ keepalive }}", "keep_alive_timeout = 5")
    shipped = shipped.replace("{% if backlog %}\nbacklog = {{ backlog }}\n{% endif %}\n", "")
    assert hashlib.sha256(shipped.encode()).hexdigest() in migration.EARLIER_SEED_BODIES["hypercorn.toml"]
    edited = "# Ours.\n" + seed["nginx.conf"]
    for filename, body in (("hypercorn.toml", shipped), ("nginx.conf", edited)):
        ConfigTemplate.objects.filter(filename=filename).update(body=body)
    before = CriteriaVersion.objects.get().number

    migration.update(historical, None)
    migration.update(historical, None)  # a second run finds nothing left to bring up

    assert ConfigTemplate.objects.get(filename="hypercorn.toml").body == seed["hypercorn.toml"]
    assert ConfigTemplate.objects.get(filename="nginx.conf").body == edited
    assert CriteriaVersion.objects.get().number == before + 1
    assert CriteriaSnapshot.objects.get(number=before + 1).by == "migration 0014"
