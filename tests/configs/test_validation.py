"""The validators run the real tools: good samples pass, and each kind of mistake fails, named."""

from pathlib import Path

import pytest

from decisions.configs.validate import Verdict, command_tool_for, stand_in_app, tool_for, validate, validate_command
from decisions.configs.validate import checks as validation

pytestmark = pytest.mark.slow  # runs the real tools that read the files

SAMPLES = Path(__file__).parent / "samples"
ARTICLE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
spec:
  replicas: 3
  template:
    metadata:
      labels:
        app: myapp
    spec:
      containers:
      - name: myapp
        image: myapp:latest
        ports:
        - containerPort: 8000
"""


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def mutated(name: str, old: str, new: str) -> str:
    content = sample(name)
    assert old in content, f"{old!r} is not in the sample {name}"
    return content.replace(old, new)


def says(verdict: Verdict, fragment: str) -> bool:
    return any(fragment in message for message in verdict.messages)


@pytest.mark.parametrize(
    ("filename", "tool"),
    [
        ("gunicorn.conf.py", "gunicorn --check-config"),
        ("uwsgi.ini", "uwsgi --strict"),
        ("hypercorn.toml", "hypercorn Config.from_toml"),
        ("Dockerfile", "hadolint"),
        ("kubernetes.yaml", "kubernetes-validate --strict"),
        ("app.service", "systemd-analyze verify"),
        ("supervisor.conf", "supervisord (ServerOptions.realize)"),
        ("nginx.conf", "nginx -t"),
    ],
)
def test_it_passes_each_good_sample_with_its_real_tool(filename, tool):
    verdict = validate(filename, sample(filename))

    assert (verdict.ok, verdict.tool, verdict.filename) == (True, tool, filename), verdict.messages
    assert tool_for(filename) == tool


@pytest.mark.parametrize(
    ("filename", "old", "new", "problem"),
    [
        ("gunicorn.conf.py", "worker_class =", "worker_clas =", "unknown setting 'worker_clas'"),
        ("gunicorn.conf.py", "workers = 5", 'workers = "abc"', "Invalid value for workers: abc"),
        (
            "gunicorn.conf.py",
            '"sync"',
            '"uvicorn_worker.UvicornWorkr"',
            "'uvicorn_worker.UvicornWorkr' cannot be loaded",
        ),
        ("gunicorn.conf.py", "timeout = 30", "timeout = (30", "line 8: invalid syntax"),
        (
            "gunicorn.conf.py",
            "accesslog",
            "certfile = '/etc/ssl/elsewhere/cert.pem'\naccesslog",
            "certfile '/etc/ssl/elsewhere/cert.pem' does not exist",
        ),
        ("uwsgi.ini", "processes = 5", "procesess = 5", "unknown config directive: procesess"),
        ("uwsgi.ini", "processes = 5", "processes = abc", "processes = 'abc' is not a whole number"),
        ("uwsgi.ini", "[uwsgi]", "[uswgi]", "no [uwsgi] section"),
        ("hypercorn.toml", "workers = 2", "workers = 2\nh2_enabled = true", "unknown setting 'h2_enabled'"),
        (
            "hypercorn.toml",
            "keep_alive_timeout = 5",
            'keep_alive_timeout = "5"',
            "keep_alive_timeout = '5': Hypercorn expects float",
        ),
        ("hypercorn.toml", '"asyncio"', '"gevent"', "worker_class 'gevent' is not one of asyncio, uvloop, trio"),
        (
            "hypercorn.toml",
            "workers = 2",
            f'workers = 2\ncertfile = "{validation.CERT_PATH}"',
            "certfile and keyfile go together",
        ),
        ("Dockerfile", "python:3.13-slim", "python:latest", "DL3007 (warning)"),
        ("Dockerfile", "EXPOSE 8000", "EXPOSE 8000\nRUN", "DL1000 (error)"),
        (
            "kubernetes.yaml",
            "        app: app\n    spec:",
            "        app: web\n    spec:",
            "does not match spec.template.metadata.labels {'app': 'web'}",
        ),
        (
            "kubernetes.yaml",
            "  selector:\n    app: app",
            "  selector:\n    app: api",
            "Service app selects {'app': 'api'}, which no pod",
        ),
        (
            "kubernetes.yaml",
            "containerPort: 8000",
            "containerPort: 8000\n              protocl: TCP",
            "('protocl' was unexpected)",
        ),
        ("app.service", "Restart=on-failure", "Restrat=on-failure", "Unknown key 'Restrat' in section [Service]"),
        ("app.service", "bin/gunicorn", "bin/gunicron", "gunicron is not installed here"),
        ("supervisor.conf", "autorestart=true", "autorestart=maybe", "invalid 'autorestart' value 'maybe'"),
        ("supervisor.conf", "stopsignal=", "stopsignl=", "unknown option 'stopsignl'"),
        ("nginx.conf", "proxy_pass ", "proxy_pas ", 'unknown directive "proxy_pas"'),
        ("nginx.conf", "listen 443 ssl http2;", "listen 443 ssl;\n    http2 on;", 'unknown directive "http2"'),
        (
            "nginx.conf",
            "ssl_certificate /etc/ssl/serverwise",
            "ssl_certificate /etc/ssl/elsewhere",
            "cannot load certificate",
        ),
    ],
)
def test_it_fails_a_broken_file_and_names_the_problem(filename, old, new, problem):
    verdict = validate(filename, mutated(filename, old, new))

    assert not verdict.ok
    assert says(verdict, problem), verdict.messages


def test_it_fails_the_articles_deployment_for_its_missing_selector():
    verdict = validate("kubernetes.yaml", ARTICLE_DEPLOYMENT)

    assert not verdict.ok
    assert says(verdict, "'selector' is a required property"), verdict.messages


@pytest.mark.parametrize("filename", ["hypercorn.toml", "gunicorn.conf.py"])
def test_it_checks_tls_settings_against_a_throwaway_pair_and_says_so(filename):
    lines = f'certfile = "{validation.CERT_PATH}"\nkeyfile = "{validation.KEY_PATH}"\n'

    verdict = validate(filename, sample(filename) + lines)

    assert verdict.ok, verdict.messages
    assert says(verdict, "a throwaway self-signed pair stood in for them")


def test_it_says_which_stand_ins_the_check_used():
    nginx = validate("nginx.conf", sample("nginx.conf"))
    unit = validate("app.service", sample("app.service"))

    assert says(nginx, "a throwaway self-signed pair stood in")
    assert says(unit, "/srv/app/.venv/bin/gunicorn is not here")


def test_it_takes_gunicorns_app_from_the_caller_when_the_file_names_none():
    content = mutated("gunicorn.conf.py", 'wsgi_app = "app:application"', "")

    without_app = validate("gunicorn.conf.py", content)
    with_app = validate("gunicorn.conf.py", content, app="myproject.wsgi:application")

    assert not without_app.ok and says(without_app, "No application module specified")
    assert with_app.ok and says(with_app, "stand-in app was written at myproject.wsgi:application"), with_app.messages


def test_it_reports_info_findings_of_hadolint_without_failing():
    verdict = validate("Dockerfile", mutated("Dockerfile", "USER 10001", "USER app"))

    assert verdict.ok
    assert says(verdict, "DL3066 (info)")


@pytest.mark.parametrize("filename", [".dockerignore", "README.md"])
def test_it_says_plainly_what_it_does_not_validate(filename):
    verdict = validate(filename, sample(filename))

    assert (verdict.ok, verdict.tool) == (True, "none")
    assert verdict.messages == (f"{filename} is not validated: no tool checks this kind of file",)
    assert tool_for(filename) == "none"


def test_it_fails_a_file_it_has_no_validator_for():
    verdict = validate("settings.json", "{}")

    assert (verdict.ok, verdict.tool) == (False, "none")


def test_it_turns_a_missing_tool_into_a_failed_verdict(monkeypatch, tmp_path):
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))

    verdict = validate("Dockerfile", sample("Dockerfile"))

    assert verdict == Verdict("Dockerfile", False, "hadolint", ("hadolint is not installed here",))


def test_it_turns_a_tool_that_hangs_into_a_failed_verdict(monkeypatch):
    monkeypatch.setattr(validation, "TIMEOUT_SECONDS", 0.001)

    verdict = validate("Dockerfile", sample("Dockerfile"))

    assert not verdict.ok
    assert says(verdict, "hadolint did not finish within 0.001 s")


BUNDLE = {path.name: path.read_text() for path in SAMPLES.iterdir()}


@pytest.mark.parametrize(
    "command",
    [
        "gunicorn -c gunicorn.conf.py",
        "/srv/app/.venv/bin/gunicorn -c gunicorn.conf.py",
        "gunicorn -k uvicorn_worker.UvicornWorker -w 2 main:app",
        "uwsgi --ini uwsgi.ini",
        "hypercorn -c hypercorn.toml main:app",
        "uvicorn main:app --host 127.0.0.1 --port 8000 --workers 2",
        "granian --interface asgi --host 127.0.0.1 --port 8000 --workers 2 main:app",
        f"granian --interface wsgi --ssl-certificate {validation.CERT_PATH}"
        f" --ssl-keyfile {validation.KEY_PATH} app:application",
    ],
)
def test_it_passes_good_start_commands(command):
    verdict = validate_command(command, BUNDLE)

    assert verdict.ok, verdict.messages
    assert command_tool_for(command.split()[0].rpartition("/")[2]) == verdict.tool != "none"


def test_it_names_no_command_parser_for_another_server():
    assert command_tool_for("daphne") == "none"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("granian --host 127.0.0.1 --port 8000 main:app", "no --interface"),
        ("uvicorn main:app --workers abc", "Invalid value for '--workers': 'abc' is not a valid integer"),
        ("uvicorn --version", "shows help or a version and exits"),
        ("gunicorn -c gunicorn.conf.py -w abc", "argument -w/--workers: invalid int value: 'abc'"),
        ("gunicorn -c gunicorn-prod.py", "names gunicorn-prod.py, which is not among the files"),
        ("gunicorn --bind", "expected one argument"),
        ("uwsgi --ini uwsgi.ini --procesess 3", "unrecognized option '--procesess'"),
        ("uwsgi --ini missing.ini", "realpath() of missing.ini failed"),
        ("hypercorn -c missing.toml main:app", "No such file or directory: 'missing.toml'"),
        ("hypercorn --workers abc main:app", "argument -w/--workers: invalid int value: 'abc'"),
        ("daphne main:app", "not a Gunicorn, uWSGI, Uvicorn, Hypercorn or Granian command"),
        ("gunicorn 'main:app", "the command does not parse"),
    ],
)
def test_it_fails_a_bad_start_command_and_names_the_problem(command, problem):
    verdict = validate_command(command, BUNDLE)

    assert not verdict.ok
    assert says(verdict, problem), verdict.messages


def test_it_needs_the_bundle_for_a_command_that_reads_a_config_file():
    assert not validate_command("hypercorn -c hypercorn.toml main:app").ok
    assert validate_command("uvicorn main:app").ok


def test_it_writes_a_stand_in_app_for_any_import_path():
    files = stand_in_app("project.web.wsgi:create()", "wsgi")

    assert set(files) == {"project/__init__.py", "project/web/__init__.py", "project/web/wsgi.py"}
    assert "def create():" in files["project/web/wsgi.py"]
    assert "async def _app" in stand_in_app("main:app", "asgi")["main.py"]


def test_it_refuses_a_stand_in_for_something_that_is_not_an_import_path():
    with pytest.raises(ValueError, match="not an import path"):
        stand_in_app("../evil:app")
