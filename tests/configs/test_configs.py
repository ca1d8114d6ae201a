"""Starter configs rendered from the seed templates: the right files, the right settings. No database.

These check what Serverwise writes; the real tools' verdicts on the files live in the validation tests.
"""

import configparser
import dataclasses
import json
import re
import shlex
import tomllib

import pytest
import yaml

from decisions.answers import Answers
from decisions.configs import render as configs
from decisions.configs.paths import CERT_PATH, KEY_PATH
from decisions.configs.render import ConfigError, recommended_bundle
from decisions.domain import TemplateInfo
from decisions.scoring import rank
from tests.support.bundles import (
    CRITERIA,
    NOTHING_FITS,
    SERVERS,
    TEMPLATES,
    answers,
    bundle,
    bundle_files,
    criteria_where_nothing_fits,
    plan,
    start_command,
)

DEPLOYS = ("systemd", "supervisor", "docker", "kubernetes")
SERVER_FILES = {"gunicorn": {"gunicorn.conf.py"}, "uwsgi": {"uwsgi.ini"}, "hypercorn": {"hypercorn.toml"}}
DEPLOY_FILES = {
    "systemd": {"app.service"},
    "supervisor": {"supervisor.conf"},
    "docker": {"Dockerfile", ".dockerignore"},
    "kubernetes": {"Dockerfile", ".dockerignore", "kubernetes.yaml"},
}
ANSWER_SETS = {
    "none": {},
    "django-sync-threads": {"framework": "django", "workload": "high-concurrency", "tls": "proxy"},
    "django-async-websockets": {"framework": "django", "async": "yes", "realtime": "websockets", "http": "http2"},
    "fastapi-tls-in-app": {"framework": "fastapi", "tls": "app", "http": "http2"},
    "starlette-http3-trio": {"framework": "starlette", "http": "http3", "asynclib": "trio", "tls": "proxy"},
    "flask-long-polling": {"framework": "flask", "realtime": "long-polling", "tls": "proxy"},
}


def every_bundle():
    for name, choices in ANSWER_SETS.items():
        for server in SERVERS:
            for deploy in DEPLOYS:
                yield name, server, deploy, bundle(server, **choices, deploy=deploy)


ALL_BUNDLES = list(every_bundle())


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("deploy", DEPLOYS)
def test_it_renders_the_right_files_for_every_server_and_deploy_target(server, deploy):
    files = bundle_files(server, deploy=deploy)
    expected = SERVER_FILES.get(server, set()) | DEPLOY_FILES[deploy] | {"nginx.conf", "compare.py", "README.md"}
    assert {f.filename for f in files} == expected
    assert files[0].filename in SERVER_FILES.get(server, DEPLOY_FILES[deploy])  # the server's own file comes first
    assert files[-1].filename == "README.md"


@pytest.mark.parametrize(
    "filename, first_line",
    [
        ("gunicorn.conf.py", "# Made with Serverwise, for these answers: https://example.com/recommend/?v=3"),
        ("app.service", "# Made with Serverwise, for these answers: https://example.com/recommend/?v=3"),
        ("uwsgi.ini", "# Made with Serverwise, for these answers: https://example.com/recommend/?v=3"),
        ("notes.json", "{}"),
    ],
)
def test_it_names_the_link_at_the_top_of_each_file_in_its_comment_syntax(filename, first_line):
    template = TemplateInfo("Notes", filename, (), (), "{}\n", "text/plain", 0)
    [file] = configs.render_bundle(
        plan("gunicorn"), rank({}, CRITERIA), [template], "https://example.com/recommend/?v=3"
    )
    assert file.content.splitlines()[0] == first_line


def test_a_dockerfile_keeps_its_parser_directives_first():
    template = TemplateInfo(
        "Dockerfile", "Dockerfile", (), (), "# syntax=docker/dockerfile:1\nFROM python\n", "text/plain", 0
    )
    [file] = configs.render_bundle(plan("gunicorn"), rank({}, CRITERIA), [template], "https://example.com/r/?v=3")
    assert file.content.splitlines() == [
        "# syntax=docker/dockerfile:1",
        "# Made with Serverwise, for these answers: https://example.com/r/?v=3",
        "FROM python",
    ]


def test_every_file_is_tidy():
    for name, server, deploy, files in ALL_BUNDLES:
        for filename, content in files.items():
            where = f"{filename} for {server} on {deploy} ({name})"
            assert content.endswith("\n") and not content.endswith("\n\n"), where
            # PEP 8 puts two blank lines between a Python file's functions and classes, never more
            assert ("\n\n\n\n" if filename.endswith(".py") else "\n\n\n") not in content, where
            assert not re.search(r"[ \t]+\n", content), where
            assert not re.search(r"\{[{%#]|[}%#]\}|[\x1e\x1f]", content.replace("${", "")), where


def test_it_uses_the_real_setting_names_never_the_articles():
    for name, server, deploy, files in ALL_BUNDLES:
        text = "\n".join(files.values())
        assert "uvicorn.workers" not in text, (name, server, deploy)
        assert "h2_enabled" not in text, (name, server, deploy)


def test_it_sets_quic_bind_if_and_only_if_hypercorn_serves_http3():
    for name, server, _deploy, files in ALL_BUNDLES:
        if server == "hypercorn":
            settings = tomllib.loads(files["hypercorn.toml"])
            assert ("quic_bind" in settings) == (ANSWER_SETS[name].get("http") == "http3"), name
    settings = tomllib.loads(bundle("hypercorn", http="http3", asynclib="trio")["hypercorn.toml"])
    assert settings["quic_bind"] == settings["bind"] == ["0.0.0.0:8000"]
    assert settings["certfile"] == CERT_PATH and settings["keyfile"] == KEY_PATH
    assert settings["worker_class"] == "trio"
    assert list(plan("hypercorn", http="http3", asynclib="trio").pip_packages) == ["hypercorn[h3,trio]==0.18.0"]


def test_hypercorn_serving_quic_stops_within_dockers_grace():
    # Hypercorn 0.18 with quic_bind waits graceful_timeout at every SIGTERM, even idle (seen on this machine:
    # 30 s; systemd's TimeoutStopSec is 30 and Docker's stop timeout 10, then SIGKILL skips the app's shutdown).
    quic = tomllib.loads(bundle("hypercorn", http="http3")["hypercorn.toml"])
    tcp_only = tomllib.loads(bundle("hypercorn", http="http2")["hypercorn.toml"])
    assert quic["graceful_timeout"] < 10
    assert tcp_only["graceful_timeout"] == 30


def test_hypercorn_leaves_http2_on_by_default():
    settings = tomllib.loads(bundle("hypercorn", http="http2", framework="fastapi")["hypercorn.toml"])
    assert settings == settings | {"worker_class": "asyncio", "workers": 2}
    assert "alpn_protocols" not in settings and "certfile" not in settings


@pytest.mark.parametrize(
    ("choices", "worker_class", "workers", "threads"),
    [
        ({"framework": "django", "cores": 3}, "sync", 7, None),
        ({"framework": "flask", "workload": "high-concurrency"}, "gthread", 5, 32),  # a thread per held request
        ({"framework": "django", "async": "yes", "cores": 4}, "asgi", 4, None),
        ({"framework": "fastapi", "cores": 4}, "uvicorn_worker.UvicornWorker", 4, None),
        ({"framework": "starlette"}, "uvicorn_worker.UvicornWorker", 2, None),
        # Gunicorn speaking HTTP/2 itself: the sync and Uvicorn workers cannot (tests/configs/test_boot.py shows why).
        ({"framework": "django", "http": "http2", "tls": "app"}, "gthread", 5, 4),
        ({"framework": "fastapi", "http": "http2", "tls": "app", "cores": 4}, "asgi", 4, None),
        ({"framework": "fastapi", "http": "http2", "tls": "proxy"}, "uvicorn_worker.UvicornWorker", 2, None),
    ],
)
def test_gunicorn_sizes_its_workers_by_their_kind(choices, worker_class, workers, threads):
    settings = {}
    exec(bundle("gunicorn", **choices)["gunicorn.conf.py"], {}, settings)
    assert settings["worker_class"] == worker_class
    assert settings["workers"] == workers
    assert settings.get("threads") == threads
    assert settings["max_requests"] == 1000 and settings["max_requests_jitter"] == 50
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert ("uvicorn-worker==0.4.0" in list(plan("gunicorn", **choices).pip_packages)) == (
        worker_class == "uvicorn_worker.UvicornWorker"
    )


def test_gunicorn_speaks_http2_only_with_tls_in_the_app():
    settings = {}
    exec(bundle("gunicorn", http="http2", tls="app")["gunicorn.conf.py"], {}, settings)
    assert settings["http_protocols"] == "h2,h1"
    assert settings["certfile"] == CERT_PATH and settings["keyfile"] == KEY_PATH
    assert list(plan("gunicorn", http="http2", tls="app").pip_packages) == ["gunicorn[http2]==27.0.1"]
    assert "http_protocols" not in bundle("gunicorn", http="http2", tls="proxy")["gunicorn.conf.py"]


def test_gunicorn_opens_no_control_socket_in_a_home_its_service_user_cannot_write():
    # www-data and the image's uid 10001 cannot write $HOME/.gunicorn: Gunicorn would log an error at each start
    # (tests/configs/test_boot.py boots it with such a HOME).
    settings = {}
    exec(bundle("gunicorn")["gunicorn.conf.py"], {}, settings)
    assert settings["control_socket_disable"] is True


def test_uwsgi_ini_uses_its_own_names():
    ini = configparser.ConfigParser()
    ini.read_string(bundle("uwsgi", framework="django", workload="high-concurrency", cores=3)["uwsgi.ini"])
    settings = dict(ini["uwsgi"])
    assert settings | {"processes": "7", "threads": "32", "module": "mysite.wsgi:application"} == settings
    assert settings["max-requests"] == "1000" and settings["max-requests-delta"] == "50"
    assert settings["http-socket"] == "127.0.0.1:8000" and "https-socket" not in settings  # only nginx reaches it
    tls = configparser.ConfigParser()
    tls.read_string(bundle("uwsgi", tls="app")["uwsgi.ini"])
    assert tls["uwsgi"]["https-socket"] == f"0.0.0.0:8000,{CERT_PATH},{KEY_PATH}"


START_COMMANDS = {
    "gunicorn": "gunicorn -c gunicorn.conf.py",
    "uwsgi": "uwsgi --ini uwsgi.ini",
    "hypercorn": "hypercorn -c hypercorn.toml main:app",
    "uvicorn": "uvicorn main:app --host 127.0.0.1 --port 8000 --workers 2 --proxy-headers --forwarded-allow-ips"
    " 127.0.0.1,::1 --timeout-graceful-shutdown 30",
    "granian": "granian --interface asgi --host 127.0.0.1 --port 8000 --workers 2 --http 1 --no-ws"
    " --workers-lifetime 3600 --workers-kill-timeout 30 --respawn-failed-workers --access-log main:app",
}


@pytest.mark.parametrize("server", SERVERS)
def test_it_gives_the_exact_start_command(server):
    assert start_command(server, framework="fastapi") == START_COMMANDS[server]


def test_granian_always_gets_an_interface():
    for name, choices in ANSWER_SETS.items():
        argv = shlex.split(start_command("granian", **choices))
        expected = plan("granian", **choices).interface
        assert argv[argv.index("--interface") + 1] == expected, name
    assert "--interface wsgi" in start_command("granian", framework="django")
    assert "--workers-lifetime 3600" in start_command(
        "granian",
    )  # Granian accepts 60 s or more


def test_uvicorn_and_granian_take_tls_and_http2_on_the_command_line():
    uvicorn = start_command("uvicorn", framework="fastapi", tls="app", cores=3)
    assert "--workers 3 " in uvicorn and "--host 0.0.0.0 " in uvicorn  # clients reach it directly
    assert f"--ssl-certfile {CERT_PATH} --ssl-keyfile {KEY_PATH}" in uvicorn
    # Uvicorn never gets zttp: it is ruled out where it would have to speak HTTP/2 itself (test_appmodel.py).
    assert "zttp" not in start_command("uvicorn", http="http2", tls="app")
    assert list(plan("uvicorn", http="http2", tls="app").pip_packages) == ["uvicorn[standard]==0.54.0"]
    granian = shlex.split(start_command("granian", framework="fastapi", tls="app", http="http2", realtime="websockets"))
    assert f"--ssl-certificate {CERT_PATH} --ssl-keyfile {KEY_PATH}" in shlex.join(granian) and "--ws" in granian
    assert granian[granian.index("--http") + 1] == "auto"  # h2 by ALPN, HTTP/1.1 for the rest


@pytest.mark.parametrize("deploy", DEPLOYS)
def test_the_deploy_files_start_the_server_with_the_start_command(deploy):
    for server in SERVERS:
        files, command = (
            bundle(server, framework="fastapi", deploy=deploy),
            start_command(server, framework="fastapi", deploy=deploy),
        )
        if deploy == "systemd":
            assert f"ExecStart=/srv/app/.venv/bin/{command}\n" in files["app.service"]
            assert "WorkingDirectory=/srv/app\n" in files["app.service"]
        elif deploy == "supervisor":
            program = configparser.ConfigParser(interpolation=None)
            program.read_string(files["supervisor.conf"])
            assert program["program:app"]["command"] == f"/srv/app/.venv/bin/{command}"
            assert program["program:app"]["directory"] == "/srv/app"
        else:
            cmd = next(line for line in files["Dockerfile"].splitlines() if line.startswith("CMD "))
            assert json.loads(cmd.removeprefix("CMD ")) == shlex.split(command)
            assert "FROM python:3.13-slim\n" in files["Dockerfile"] and "WORKDIR /app\n" in files["Dockerfile"]
            assert (
                f"requirements.txt {shlex.join(plan(server, framework='fastapi', deploy=deploy).pip_packages)}\n"
                in files["Dockerfile"]
                or (
                    server == "uwsgi"
                    and "pip wheel --no-cache-dir --wheel-dir /wheels uwsgi==2.0.31\n" in files["Dockerfile"]
                )
            )


def test_the_kubernetes_deployment_is_consistent():
    files = bundle("gunicorn", framework="django", cores=4, port=9000, deploy="kubernetes")
    deployment, service = yaml.safe_load_all(files["kubernetes.yaml"])
    assert (deployment["kind"], service["kind"]) == ("Deployment", "Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels == service["spec"]["selector"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "app:latest"
    localhost = [{"name": "Host", "value": "localhost"}]  # the pod's IP as Host: Django's ALLOWED_HOSTS says 400
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": 9000, "httpHeaders": localhost}
    assert container["livenessProbe"]["tcpSocket"] == {"port": 9000}
    # 9 sync workers x (9.7 MiB PSS + 22.6 MiB for Django + 64 MiB allowance) + 32 MiB = 898.7, rounded up to 960
    assert plan("gunicorn", framework="django", cores=4, port=9000, deploy="kubernetes").memory_limit_mib == 960
    assert container["resources"] == {"requests": {"cpu": "4", "memory": "960Mi"}, "limits": {"memory": "960Mi"}}
    assert service["spec"]["ports"][0]["targetPort"] == 9000


def test_kubernetes_mounts_the_certificate_when_tls_ends_in_the_app():
    deployment, _ = yaml.safe_load_all(bundle("uvicorn", tls="app", deploy="kubernetes")["kubernetes.yaml"])
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["volumeMounts"][0]["mountPath"] == "/etc/ssl/serverwise"
    assert pod["containers"][0]["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert {item["path"] for item in pod["volumes"][0]["secret"]["items"]} == {"cert.pem", "key.pem"}


def test_nginx_passes_websocket_upgrades_if_and_only_if_the_app_holds_websockets():
    for name, server, _deploy, files in ALL_BUNDLES:
        if "nginx.conf" in files:
            upgrades = "proxy_set_header Upgrade $http_upgrade;" in files["nginx.conf"]
            assert upgrades == (ANSWER_SETS[name].get("realtime") == "websockets"), (name, server)


def test_nginx_ends_tls_if_and_only_if_the_proxy_does():
    for name, server, _deploy, files in ALL_BUNDLES:
        tls = ANSWER_SETS[name].get("tls")
        in_app = tls == "app" or (server == "hypercorn" and ANSWER_SETS[name].get("http") == "http3")
        assert ("nginx.conf" in files) == (not in_app), (name, server)
        if not in_app:
            has_tls = "listen 443 ssl http2;" in files["nginx.conf"]
            assert has_tls == (tls == "proxy"), (name, server)
            assert (f"ssl_certificate {CERT_PATH};" in files["nginx.conf"]) == has_tls


def test_nginx_sends_the_proxy_headers_to_the_app():
    site = bundle("gunicorn", tls="proxy", host="::", port=8123)["nginx.conf"]
    assert "upstream app_server {\n    server 127.0.0.1:8123;\n}" in site
    headers = (
        "Host $host",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
        "X-Real-IP $remote_addr",
    )
    for header in headers:
        assert f"proxy_set_header {header};" in site
    assert "events" not in site and "http {" not in site


def test_it_brackets_ipv6_binds():
    settings = {}
    exec(bundle("gunicorn", host="::1", port=8080)["gunicorn.conf.py"], {}, settings)
    assert settings["bind"] == "[::1]:8080"
    assert "--host ::1 --port 8080" in start_command("uvicorn", host="::1", port=8080)


def test_the_readme_names_every_file_and_the_start_command():
    for name, server, deploy, files in ALL_BUNDLES:
        readme = files["README.md"]
        for filename in files:
            assert f"`{filename}`" in readme, (name, server, deploy, filename)
        assert start_command(server, **ANSWER_SETS[name], deploy=deploy) in readme
    assert "assumes a Linux server with systemd" in bundle("gunicorn")["README.md"]
    assert "assumes" not in bundle("gunicorn", deploy="systemd")["README.md"]


def test_the_readme_gives_the_reasons_and_says_when_the_server_is_ruled_out():
    readme = bundle("gunicorn", framework="django")["README.md"]
    assert "Serverwise recommends Gunicorn" in readme and "Gunicorn is the default choice for Django." in readme
    ruled_out = bundle("uwsgi", framework="fastapi")["README.md"]
    assert "Serverwise rules uWSGI out for your answers" in ruled_out and "uWSGI has no ASGI support" in ruled_out


def test_recommended_bundle_renders_the_recommended_server_or_nothing():
    docker = answers(framework="fastapi", deploy="docker")
    files = recommended_bundle(docker, rank(docker.choices, CRITERIA), TEMPLATES).files
    assert (
        json.loads(next(line for line in files[0].content.splitlines() if line.startswith("CMD "))[4:])[0] == "uvicorn"
    )
    ranking = rank(NOTHING_FITS, criteria_where_nothing_fits())
    assert recommended_bundle(answers(**NOTHING_FITS), ranking, TEMPLATES) is None


def test_it_renders_other_deploy_targets_by_replacing_the_answer():
    base = answers(framework="flask", deploy="systemd")
    docker = dataclasses.replace(base, choices=base.choices | {"deploy": "docker"})
    assert "Dockerfile" in {f.filename for f in configs.server_bundle(docker, "granian", CRITERIA, TEMPLATES)}


@pytest.mark.parametrize(
    "hostile",
    [
        {"host": "example.com\nExecStartPre=/bin/rm -rf /"},
        {"host": '0.0.0.0"; import os'},
        {"app": "main:app\n[program:evil]"},
        {"app": "main:app --reload"},
        {"framework": "django\nUser=root"},
    ],
)
def test_it_refuses_to_write_a_hostile_value_into_any_file(hostile):
    choices = {"framework": hostile.pop("framework")} if "framework" in hostile else {}
    with pytest.raises(ConfigError, match="Refusing to write invalid"):
        configs.server_bundle(Answers(choices=choices, **hostile), "gunicorn", CRITERIA, TEMPLATES)


def test_the_context_holds_exactly_the_documented_variables():
    ranking = rank({}, CRITERIA)
    assert set(configs.context(plan("uvicorn"), ranking, TEMPLATES)) == set(configs.VARIABLES)


def template(body: str, filename: str = "x.conf") -> TemplateInfo:
    return TemplateInfo("Test template", filename, (), (), body, "text/plain; charset=utf-8", 0)


def render(body: str) -> list:
    return list(configs.server_bundle(answers(framework="django"), "gunicorn", CRITERIA, [template(body)]))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a\n{{ nope }}\n", r"Template 'Test template' \(x.conf\), line 2: unknown variable 'nope'"),
        ("a\nb\n{% if nope %}x{% endif %}\n", r"line 3: unknown variable 'nope'"),
        ("{% for reason in reasons %}\n{{ reason.nope }}{% endfor %}", r"line 2: unknown variable 'nope'"),
        ("x\n{{ port.nope }}\n", r"line 2: unknown variable 'port.nope'"),
        ("x\n\n{% if port %}\n", r"line 3: .*endif"),
        ("{% load static %}", r"line 1: 'static' is not a registered tag library"),
        ('{% include "/etc/passwd" %}', r"Template 'Test template' \(x.conf\), line 1: .*passwd"),
    ],
)
def test_a_broken_template_is_a_config_error_naming_it_and_its_line(body, message):
    with pytest.raises(ConfigError, match=message):
        render(body)


def test_lines_that_hold_only_tags_leave_nothing_behind():
    body = (
        "a\n  {% if workers %}\nworkers = {{ workers }}\n{% endif %}\n{# a note #}\n"
        "b{% if tls_in_app %} tls{% endif %}\n"
    )
    assert render(body)[0].content == "a\nworkers = 5\nb\n"


def test_a_template_that_renders_empty_leaves_its_file_out():
    assert render("{% if tls_in_app %}\nsomething\n{% endif %}\n") == []


def test_two_templates_writing_one_file_are_an_error():
    with pytest.raises(ConfigError, match="Two templates write x.conf"):
        configs.server_bundle(answers(), "gunicorn", CRITERIA, [template("a"), template("b")])


def test_check_template_renders_for_every_server_and_sample_answers():
    configs.check_template(template("{% if quic %}{{ cert_path }}{% endif %}"), CRITERIA, TEMPLATES)
    with pytest.raises(ConfigError, match="unknown variable 'tpyo'"):
        configs.check_template(template("{% if quic %}{{ tpyo }}{% endif %}"), CRITERIA, TEMPLATES)


def test_numbers_in_a_file_are_never_localised(settings):
    """A config file is read by a tool, not a person: with the site's thousands separator on, Django would write
    `EXPOSE 12,000` and `max_requests = 1,000`, which break the tools."""
    settings.USE_THOUSAND_SEPARATOR = True
    files = bundle("gunicorn", port=12000, cores=64, deploy="kubernetes")
    assert "EXPOSE 12000" in files["Dockerfile"]
    assert "containerPort: 12000" in files["kubernetes.yaml"]
    assert "max_requests = 1000" in files["gunicorn.conf.py"]
    assert not [name for name, content in files.items() if re.search(r"\d,\d{3}", content)]
