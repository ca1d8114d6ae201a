"""Every file Serverwise renders passes the real tool that reads it, and so does every start command.

Each server x deploy target x answer profile renders its bundle from the seed templates (no database); each file
goes through validate.validate() and the start command through validate_command() in a folder holding the
bundle. The same file or command often comes out of several cases: each is checked once (`file_verdict` and
`command_verdict` remember their verdicts).
"""

import dataclasses
import functools

import pytest

from decisions.answers import Answers, Carried
from decisions.configs.plan import plan_for
from decisions.configs.render import SAMPLE_PERMALINK, ConfigFile, server_bundle
from decisions.configs.validate import Verdict, validate, validate_command
from tests.support.bundles import CRITERIA, SERVERS, TEMPLATES

pytestmark = pytest.mark.slow  # runs the real tools that read the files

DEPLOYS = ("systemd", "supervisor", "docker", "kubernetes")
PROFILES = {
    "unanswered": Answers(),
    "django-sync-tls-at-proxy": Answers(
        choices={"framework": "django", "async": "no", "http": "http2", "tls": "proxy"}
    ),
    "fastapi-websockets-http2-tls-in-app": Answers(
        choices={"framework": "fastapi", "async": "yes", "realtime": "websockets", "http": "http2", "tls": "app"},
        port=443,
    ),
    "flask-long-polling-high-concurrency": Answers(
        choices={"framework": "flask", "realtime": "long-polling", "workload": "high-concurrency", "tls": "proxy"}
    ),
    "trio-http3-websockets": Answers(
        choices={
            "framework": "other-asgi",
            "asynclib": "trio",
            "http": "http3",
            "realtime": "websockets",
            "tls": "proxy",
        }
    ),
    "django-async-ipv6-own-app": Answers(
        choices={"framework": "django", "async": "yes"},
        cores=4,
        port=9090,
        host="::",
        app="project.web.asgi:application",
    ),
    "wsgi-on-one-address": Answers(
        choices={"framework": "other-wsgi", "memory": "tight"}, cores=1, port=8080, host="192.0.2.10", app="wsgi:app"
    ),
    # Settings carried over from a team's current server (issue 20): every whole number, static files, and
    # environment values with the characters the share link allows, for each server and deploy file
    "django-carried-from-uwsgi": Answers(
        choices={"framework": "django", "async": "no"},
        carried=Carried(
            numbers=(
                ("timeout", 45),
                ("graceful_timeout", 20),
                ("keepalive", 7),
                ("max_requests", 500),
                ("max_requests_jitter", 25),
                ("backlog", 100),
                ("limit_request_line", 4000),
                ("limit_request_fields", 50),
                ("limit_request_field_size", 16384),
            ),
            static=(("/media/", "storage/media"), ("/assets/", "/var/www/assets")),
            env=(
                ("LANG", "C.UTF-8"),
                ("DATABASE_URL", "postgres://app:s3cret@db:5432/app?sslmode=require&x=a,b"),
                ("ODD", "a b !&()*+,-./:<=>?@[]^_{}~"),
                ("EMPTY", ""),
            ),
            migrated_from="uwsgi",
        ),
    ),
    "fastapi-carried-from-gunicorn": Answers(
        choices={"framework": "fastapi", "async": "yes"},
        carried=Carried(
            numbers=(("timeout", 60), ("keepalive", 35), ("max_requests", 10000), ("backlog", 64)),
            static=(("/static/", "static"),),
            env=(("SETTINGS", "production"),),
            migrated_from="gunicorn",
        ),
    ),
}
NOT_VALIDATED = {"README.md", ".dockerignore"}  # prose and a list of globs: no tool reads them


@functools.cache
def bundle(server: str, deploy: str, profile: str) -> tuple[ConfigFile, ...]:
    return server_bundle(answers(deploy, profile), server, CRITERIA, TEMPLATES, SAMPLE_PERMALINK)


def answers(deploy: str, profile: str) -> Answers:
    base = PROFILES[profile]
    return dataclasses.replace(base, choices=base.choices | {"deploy": deploy})


@functools.cache
def file_verdict(filename: str, content: str) -> Verdict:
    return validate(filename, content)


@functools.cache
def command_verdict(command: str, files: tuple[tuple[str, str], ...]) -> Verdict:
    return validate_command(command, dict(files))


CASES = [(server, deploy, profile) for profile in PROFILES for server in SERVERS for deploy in DEPLOYS]
FILE_CASES = [
    pytest.param(server, deploy, profile, file.filename, id=f"{server}-{deploy}-{profile}-{file.filename}")
    for server, deploy, profile in CASES
    for file in bundle(server, deploy, profile)
]


@pytest.mark.parametrize(("server", "deploy", "profile", "filename"), FILE_CASES)
def test_each_generated_file_passes_its_real_validator(server, deploy, profile, filename):
    file = next(f for f in bundle(server, deploy, profile) if f.filename == filename)

    verdict = file_verdict(file.filename, file.content)

    assert verdict.ok, "\n".join(verdict.messages) + f"\n--- {filename}:\n{file.content}"
    assert (verdict.tool == "none") == (filename in NOT_VALIDATED), verdict


@pytest.mark.parametrize(("server", "deploy", "profile"), [pytest.param(*case, id="-".join(case)) for case in CASES])
def test_each_start_command_passes_its_servers_parser_beside_its_bundle(server, deploy, profile):
    command = plan_for(CRITERIA.server(server), answers(deploy, profile)).start_command
    files = tuple((f.filename, f.content) for f in bundle(server, deploy, profile))

    verdict = command_verdict(command, files)

    assert verdict.ok, "\n".join(verdict.messages)


# What each profile is there for: if the templates or the criteria change so that no profile reaches one of these
# branches any more, the validation above stops covering it, and this says which.
BRANCHES = [
    ("gunicorn.conf.py", 'worker_class = "sync"'),
    ("gunicorn.conf.py", 'worker_class = "gthread"'),
    ("gunicorn.conf.py", 'worker_class = "asgi"'),
    ("gunicorn.conf.py", 'worker_class = "uvicorn_worker.UvicornWorker"'),
    ("gunicorn.conf.py", 'http_protocols = "h2,h1"'),
    ("gunicorn.conf.py", 'bind = "[::]:9090"'),
    ("uwsgi.ini", "https-socket = "),
    ("uwsgi.ini", "threads = 32"),
    ("uwsgi.ini", "harakiri = 30"),
    ("gunicorn.conf.py", "max_requests = 0"),
    ("hypercorn.toml", 'worker_class = "trio"'),
    ("hypercorn.toml", "quic_bind = "),
    ("hypercorn.toml", "keyfile = "),
    ("hypercorn.toml", "alt_svc_headers = "),
    ("nginx.conf", "listen 443 ssl http2;"),
    ("nginx.conf", "map $http_upgrade $app_connection_upgrade"),
    ("nginx.conf", "proxy_read_timeout 1h;"),
    ("nginx.conf", "server 192.0.2.10:8080;"),
    ("nginx.conf", "location /static/"),
    ("app.service", "Type=notify"),
    ("app.service", "AmbientCapabilities=CAP_NET_BIND_SERVICE"),
    ("supervisor.conf", "--ssl-certificate"),
    ("Dockerfile", "AS build"),
    ("Dockerfile", "/udp"),
    ("kubernetes.yaml", "scheme: HTTPS"),
    ("kubernetes.yaml", "protocol: UDP"),
    ("start command", "--blocking-threads"),
    ("start command", "--http auto"),
    ("start command", "--interface wsgi"),
    ("start command", "--ws"),
    ("gunicorn.conf.py", "limit_request_field_size = 16384"),
    ("gunicorn.conf.py", "backlog = 64"),
    ("uwsgi.ini", "harakiri = 45"),
    ("uwsgi.ini", "listen = 100"),
    ("uwsgi.ini", "buffer-size = 16384"),
    ("hypercorn.toml", "keep_alive_timeout = 35"),
    ("hypercorn.toml", "backlog = 100"),
    ("nginx.conf", "location /assets/"),
    ("app.service", 'Environment="ODD='),
    ("supervisor.conf", ',ODD="'),
    ("Dockerfile", 'ENV ODD="'),
    ("kubernetes.yaml", "- name: ODD"),
    ("start command", "--timeout-keep-alive 35"),
    ("start command", "--backlog 128"),
]


def test_the_profiles_reach_every_branch_of_the_templates():
    texts: dict[str, list[str]] = {}
    for server, deploy, profile in CASES:
        for file in bundle(server, deploy, profile):
            texts.setdefault(file.filename, []).append(file.content)
        texts.setdefault("start command", []).append(
            plan_for(CRITERIA.server(server), answers(deploy, profile)).start_command
        )

    missing = [(name, fragment) for name, fragment in BRANCHES if not any(fragment in t for t in texts[name])]

    assert not missing


# validate() checks what the real tools let through (docs/sources.md, "How each file is validated"): these prove
# that it does so on the files Serverwise writes, not only on hand-written samples.
def generated(server: str, deploy: str, filename: str) -> str:
    return next(f.content for f in bundle(server, deploy, "unanswered") if f.filename == filename)


def test_a_pod_label_that_misses_the_selector_fails_the_generated_deployment():
    pod_label = "\n        app.kubernetes.io/name: app\n"
    content = generated("gunicorn", "kubernetes", "kubernetes.yaml")
    assert content.count(pod_label) == 1

    verdict = validate("kubernetes.yaml", content.replace(pod_label, "\n        app.kubernetes.io/name: web\n"))

    assert not verdict.ok
    assert any("does not match spec.template.metadata.labels" in m for m in verdict.messages), verdict.messages
    assert any("which no pod in this file carries" in m for m in verdict.messages), verdict.messages


def test_a_misspelt_setting_fails_the_generated_gunicorn_conf():
    content = generated("gunicorn", "systemd", "gunicorn.conf.py")
    assert "\nmax_requests_jitter = " in content

    verdict = validate("gunicorn.conf.py", content.replace("\nmax_requests_jitter = ", "\nmax_request_jitter = "))

    assert not verdict.ok
    assert any("unknown setting 'max_request_jitter'" in m for m in verdict.messages), verdict.messages
