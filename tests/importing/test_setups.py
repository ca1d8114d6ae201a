"""decisions.setups with hostile and unusual input, and the forms each kind of file takes. Pure: no Django."""

import dataclasses
import time

import pytest

from decisions import setups
from decisions.setups import MAX_BYTES, MAX_FILES, read_setup


def read(name, text):
    return read_setup([(name, text)])


def test_it_never_runs_a_gunicorn_conf(tmp_path):
    marker = tmp_path / "ran"
    conf = f"""
import pathlib
pathlib.Path({str(marker)!r}).write_text("ran")
raise SystemExit("imported")
workers = __import__("os").cpu_count() * 2 + 1
timeout = 45
"""
    reading = read("gunicorn.conf.py", conf)

    assert not marker.exists()
    assert reading.problems == ()
    assert [(s.key, s.value) for s in reading.settings] == [("timeout", 45)]
    assert [(c.name, c.expression) for c in reading.computed] == [("workers", '__import__("os").cpu_count() * 2 + 1')]


def test_it_says_a_binary_file_is_binary_and_names_it():
    reading = read("uwsgi.ini", b"[uwsgi]\nmaster = true\n\x00\x01\x02\x03")
    assert [str(problem) for problem in reading.problems] == ["uwsgi.ini line 3: binary, not text: character 0x00"]
    assert reading.answers == {}


def test_it_refuses_ten_megabytes_at_once_without_reading_them():
    started = time.monotonic()
    reading = read("Procfile", b"web: gunicorn app:app\n" * (10 * 1024 * 1024 // 22))
    assert time.monotonic() - started < 1
    assert len(reading.problems) == 1
    assert reading.problems[0].file == "Procfile"
    assert reading.problems[0].message.startswith("too large: ")


def test_it_reads_a_file_of_exactly_the_limit_and_refuses_one_byte_more():
    line = b"web: gunicorn app:app\n"
    padding = b"#" * (MAX_BYTES - len(line) - 1) + b"\n"
    assert read("Procfile", line + padding).answers["current"] == "gunicorn"
    assert read("Procfile", line + padding + b"#").problems[0].message.startswith("too large")


def test_it_says_which_line_is_not_utf8():
    reading = read("requirements.txt", "django\nflask\ncaf\xe9\n".encode("latin-1"))
    assert [str(problem) for problem in reading.problems] == ["requirements.txt line 3: not UTF-8 text: byte 0xe9"]


def test_it_reads_utf16_with_its_byte_order_mark():
    assert read("requirements.txt", "Flask==3.1\n".encode("utf-16")).answers == {"framework": "flask"}


def test_it_reads_at_most_eight_files_and_names_the_others():
    files = [(f"requirements-{index}.txt", "django\n") for index in range(MAX_FILES + 2)]
    reading = read_setup(files)
    assert [str(problem) for problem in reading.problems] == [
        "requirements-8.txt: not read: at most 8 files at once",
        "requirements-9.txt: not read: at most 8 files at once",
    ]
    assert reading.answers == {"framework": "django"}


def test_it_shows_a_file_name_without_its_folders_or_control_characters():
    reading = read("../../etc/\x1b[31mProcfile", "web: gunicorn app:app")
    assert reading.sources["current"].file == "[31mProcfile"


def test_it_lists_unknown_keys_with_their_line():
    reading = read_setup(
        [
            ("uwsgi.ini", "[uwsgi]\nmodule = app:app\nharakiri_verbose = true\nfrobnicate = 3\n"),
            ("gunicorn.conf.py", "bind = ':8000'\nwrokers = 4\n"),
            ("hypercorn.toml", 'bind = "0.0.0.0:8000"\nkeepalive_timeout = 5\n'),
            ("Procfile", "web: gunicorn --wrokers 4 app:app\n"),
        ]
    )
    assert [(item.name, item.source.file, item.source.line, item.why) for item in reading.not_understood] == [
        ("harakiri_verbose", "uwsgi.ini", 3, "not a uWSGI option; uWSGI's options are spelled with hyphens"),
        ("frobnicate", "uwsgi.ini", 4, "not a uWSGI option"),
        ("wrokers", "gunicorn.conf.py", 2, "not a Gunicorn setting"),
        ("keepalive_timeout", "hypercorn.toml", 2, "not a Hypercorn setting"),
        ("--wrokers", "Procfile", 1, "not a flag of gunicorn"),
        ("4", "Procfile", 1, "an argument gunicorn does not take here"),
    ]


@pytest.mark.parametrize(
    "name, text, message, line",
    [
        ("gunicorn.conf.py", "workers = (4\n", "not valid Python", 1),
        ("gunicorn.conf.py", "x = " + "(" * 5000 + ")" * 5000, "not valid Python", 1),
        ("hypercorn.toml", 'bind = "0.0.0.0:8000"\nworkers = = 2\n', "not valid TOML", 2),
        ("pyproject.toml", "[project\n", "not valid TOML", 1),
        ("Procfile", "release: migrate\nweb: gunicorn 'app:app\n", "could not split the command line", 2),
        ("uwsgi.ini", "[app:main]\nuse = egg:myapp\n", "no [uwsgi] section", 0),
        ("notes.txt", "Hello, here is how we deploy.\n", "not a kind of file this reader knows", 0),
        ("Procfile", "web: gunicorn --bind\n", "--bind has no value", 1),
    ],
)
def test_it_reports_a_file_it_cannot_read_as_a_problem(name, text, message, line):
    (problem,) = read(name, text).problems
    assert (problem.file, problem.line) == (name, line)
    assert problem.message.startswith(message)


def test_it_folds_literal_arithmetic_but_never_builds_huge_numbers():
    reading = read(
        "gunicorn.conf.py",
        "timeout = 3 * 60\nlimit_request_field_size = 8190 * 4\nworkers = 10 ** 10 ** 10\n"
        "backlog = 99999999 * 99999999 * 99999999\nkeepalive = f'{5}'\n",
    )
    assert sorted((s.key, s.value) for s in reading.settings) == [("limit_request_field_size", 32760), ("timeout", 180)]
    assert sorted(c.name for c in reading.computed) == ["backlog", "keepalive", "workers"]


def test_it_keeps_gunicorns_last_assignment_and_sees_annotations_assign_nothing():
    reading = read("gunicorn.conf.py", 'worker_class = "eventlet"\nworker_class = "sync"\nworkers: 3\n')
    assert reading.answers["async"] == "no"
    assert reading.sources["async"].line == 2
    assert [(item.name, item.why) for item in reading.not_understood] == [
        ("workers", "an annotation, which assigns nothing: Gunicorn sees no value")
    ]


def test_it_reads_settings_assigned_inside_code_as_computed():
    reading = read("gunicorn.conf.py", "import os\nif os.environ.get('TLS'):\n    certfile = '/tls/cert.pem'\n")
    assert "tls" not in reading.answers
    assert [(c.name, c.expression) for c in reading.computed] == [("certfile", "assigned inside `if`")]


@pytest.mark.parametrize(
    "command",
    [
        "gunicorn -w 5 -b 127.0.0.1:9000 -k gthread --threads=4 -t 60 mysite.wsgi",
        "gunicorn --workers=5 --bind 127.0.0.1:9000 --worker-class gthread --threads 4 --timeout=60 mysite.wsgi",
        "exec env DJANGO_DEBUG=0 poetry run python -m gunicorn -w5 -b 127.0.0.1:9000 --threads 4 -t60 mysite.wsgi",
    ],
)
def test_it_reads_long_short_and_attached_flags_alike(command):
    reading = read(None, command)
    assert reading.answers == {
        "host": "127.0.0.1",
        "port": "9000",
        "current": "gunicorn",
        "app": "mysite.wsgi:application",
        "async": "no",
        "framework": "django",
        "cores": "2",
    }
    assert sorted((s.key, s.value) for s in reading.settings) == [("threads", 4), ("timeout", 60), ("workers", 5)]


def test_it_reads_a_pasted_command_after_blank_lines_and_comments():
    assert read(None, "\n# how we run it\nexec gunicorn \\\n  -w 3 app:app\n").answers["cores"] == "1"


def test_it_tells_the_source_of_each_answer_by_line():
    procfile = "release: python manage.py migrate\nweb: gunicorn -k uvicorn.workers.UvicornWorker main:app\n"
    reading = read("Procfile", procfile)
    assert reading.explain("async") == 'async: from "-k uvicorn.workers.UvicornWorker" (Procfile line 2)'
    assert reading.explain("app") == 'app: from "main:app" (Procfile line 2)'


def test_it_runs_a_dockerfiles_entrypoint_with_its_cmd_in_the_last_stage_only():
    dockerfile = """FROM python:3.13 AS build
CMD ["uwsgi", "--http", ":9000", "--module", "build:app"]
FROM python:3.13-slim
ENTRYPOINT ["tini", "--", "granian", "--interface", "wsgi"]
CMD ["--port", "8080", \\
     "--workers", "3", \\
     "blog.app:app"]
"""
    reading = read("Dockerfile", dockerfile)
    assert reading.answers == {
        "port": "8080",
        "current": "granian",
        "app": "blog.app:app",
        "async": "no",
        "deploy": "docker",
        "cores": "3",
    }
    assert reading.sources["port"].line == 5
    assert reading.sources["cores"].line == 6


def test_it_reads_a_shell_form_cmd_through_sh_c():
    reading = read(
        "Dockerfile", 'FROM python\nCMD sh -c "python manage.py migrate && exec uvicorn --port 80 api:app"\n'
    )
    assert reading.answers["current"] == "uvicorn"
    assert reading.answers["port"] == "80"


def test_it_fills_uwsgi_placeholders_and_lists_environment_values_as_computed():
    ini = """[uwsgi]
project = shop
module = %(project).wsgi:application
http-socket = :$(PORT)
processes = 3
static-map = /static=/srv/%(project)/static
static-map = /media=%d/media
env = DJANGO_SETTINGS_MODULE=%(project).settings
"""
    reading = read("uwsgi.ini", ini)
    assert reading.answers["app"] == "shop.wsgi:application"
    assert reading.answers["cores"] == "1"
    assert [(s.key, s.value) for s in reading.settings if s.key in ("static", "env")] == [
        ("static", ("/static", "/srv/shop/static")),
        ("env", ("DJANGO_SETTINGS_MODULE", "shop.settings")),
    ]
    assert [(c.name, c.expression) for c in reading.computed] == [
        ("http-socket", ":$(PORT)"),
        ("static-map", "/media=%d/media"),
    ]
    assert [(item.name, item.why) for item in reading.not_carried] == [
        ("project", "a placeholder of this file's own, used as %(project)")
    ]


def test_it_reads_tls_in_the_app_server_from_each_servers_own_option():
    assert read(None, "uwsgi --https :443,cert.pem,key.pem --module app:app").answers["tls"] == "app"
    assert read(None, "uvicorn --ssl-certfile c.pem --ssl-keyfile k.pem main:app").answers["tls"] == "app"
    assert read(None, "granian --ssl-certificate c.pem --ssl-keyfile k.pem main:app").answers["tls"] == "app"
    assert (
        read(None, "daphne -e ssl:443:privateKey=k.pem:certKey=c.pem mysite.asgi:application").answers["tls"] == "app"
    )
    assert "tls" not in read("gunicorn.conf.py", "certfile = None\n").answers


def test_it_reads_trio_from_hypercorns_worker_class_before_the_dependencies():
    reading = read_setup([(None, "hypercorn -k trio -b 0.0.0.0:8000 app:app"), ("requirements.txt", "quart\n")])
    assert reading.answers["asynclib"] == "trio"
    assert reading.answers["framework"] == "other-asgi"
    assert reading.sources["asynclib"].text == "-k trio"


def test_it_follows_the_first_server_started_and_says_why_it_skips_another():
    reading = read_setup([("Procfile", "web: uvicorn main:app --workers 2\n"), ("gunicorn.conf.py", "timeout = 90\n")])
    assert reading.answers["current"] == "uvicorn"
    assert reading.settings[0].key == "workers"
    assert ("server", "gunicorn") in [(item.name, item.value) for item in reading.not_carried]
    assert ("timeout", "90") in [(item.name, item.value) for item in reading.not_carried]


def test_it_reads_poetry_and_pep621_dependencies_and_requirement_forms():
    pyproject = '[tool.poetry.dependencies]\npython = "^3.12"\nFastAPI = "^0.115"\n"Flask-Sock" = "*"\n'
    assert read("pyproject.toml", pyproject).answers == {"framework": "fastapi", "realtime": "websockets"}
    requirements = (
        "-r base.txt\n--hash=sha256:abc\nstarlette[full]>=0.40 ; python_version > '3.8'\ntrio==0.27  # async\n"
    )
    assert read("requirements.txt", requirements).answers == {"framework": "starlette", "asynclib": "trio"}


@pytest.mark.parametrize(
    "text, kind",
    [
        ("[uwsgi]\nmodule = app:app\n", "uwsgi"),
        ("web: gunicorn app:app\n", "gunicorn"),
        ('FROM python\nCMD ["hypercorn", "app:app"]\n', "hypercorn"),
        ("[Service]\nExecStart=/usr/bin/uvicorn app:app\n", "uvicorn"),
        ("[program:web]\ncommand=granian --interface asgi app:app\n", "granian"),
        ('bind = "0.0.0.0:8000"\nkeep_alive_timeout = 5\n', "hypercorn"),
        ('bind = "0.0.0.0:8000"\ntimeout = 30\n', "gunicorn"),
    ],
)
def test_it_tells_the_kind_of_pasted_text_from_its_content(text, kind):
    assert read(None, text).server == kind


def test_its_results_are_frozen():
    reading = read(None, "gunicorn app:app")
    for value in (reading, reading.sources["current"]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.file = "other"  # type: ignore[misc]


def test_it_defines_every_setting_key_once_with_its_meaning():
    assert set(setups.SETTING_KEYS) >= {
        "timeout", "graceful_timeout", "keepalive", "max_requests", "max_requests_jitter", "backlog",
        "limit_request_line", "limit_request_fields", "limit_request_field_size", "static", "env", "workers", "threads",
    }  # fmt: skip
    assert all(meaning.strip() for meaning in setups.SETTING_KEYS.values())
