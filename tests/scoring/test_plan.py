"""The server's plan and the files that carry it: each review finding, pinned. Pure, no database."""

import configparser
import shlex
import tomllib

import pytest
import yaml

from decisions.configs.plan import GRACEFUL_SECONDS, HELD_THREADS, PRESTOP_SECONDS
from tests.support.bundles import CRITERIA, bundle, plan, start_command


def gunicorn_settings(**choices) -> dict:
    settings: dict = {}
    exec(bundle("gunicorn", **choices)["gunicorn.conf.py"], {}, settings)
    return settings


def test_it_serves_django_websockets_from_asgi_py_on_every_server_that_can():
    assert gunicorn_settings(framework="django", realtime="websockets", **{"async": "no"}) | {
        "wsgi_app": "mysite.asgi:application",
        "worker_class": "asgi",
    } == gunicorn_settings(framework="django", realtime="websockets", **{"async": "no"})
    assert (
        shlex.split(start_command("uvicorn", framework="django", realtime="websockets"))[1] == "mysite.asgi:application"
    )
    assert "channels==4.3.2" in plan("uvicorn", framework="django", realtime="websockets").pip_packages


def test_uvicorn_serves_a_sync_django_app_through_asgi_not_its_deprecated_wsgi_mode():
    command = start_command("uvicorn", framework="django", realtime="long-polling")
    assert "mysite.asgi:application" in command and "--interface" not in command


def test_flask_async_views_run_on_gunicorns_sync_worker_with_flasks_async_extra():
    flask_async = plan("gunicorn", framework="flask", **{"async": "yes"})
    assert (flask_async.worker_class, flask_async.interface) == ("sync", "wsgi")
    assert flask_async.pip_packages == ("gunicorn==27.0.1", "flask[async]==3.1.3")


def test_flask_websockets_get_a_thread_per_socket_and_the_readme_says_how_many():
    websockets = plan("gunicorn", framework="flask", realtime="websockets", cores=1)
    assert (websockets.worker_class, websockets.threads, websockets.held_capacity) == (
        "gthread",
        HELD_THREADS,
        3 * HELD_THREADS,
    )
    assert "flask-sock==0.7.0" in websockets.pip_packages
    readme = bundle("gunicorn", framework="flask", realtime="websockets", cores=1)["README.md"]
    assert f"{3 * HELD_THREADS} at once in all" in readme and "sock = Sock(app)" in readme


@pytest.mark.parametrize(("server", "setting"), [("gunicorn", "threads = 32"), ("uwsgi", "threads = 32")])
def test_held_requests_get_enough_threads_and_no_harakiri(server, setting):
    files = bundle(server, framework="flask", realtime="long-polling")
    config = files["gunicorn.conf.py" if server == "gunicorn" else "uwsgi.ini"]
    assert setting in config and "harakiri =" not in config
    assert "at once in all" in files["README.md"]


def test_granian_holds_wsgi_requests_in_a_stated_pool_of_blocking_threads():
    argv = shlex.split(start_command("granian", framework="django", realtime="long-polling"))
    assert argv[argv.index("--blocking-threads") + 1] == str(HELD_THREADS)
    assert plan("granian", framework="django").model == "threaded"  # not "async workers"


def test_a_wsgi_app_with_trio_code_gets_hypercorns_asyncio_worker():
    assert plan("hypercorn", framework="flask", asynclib="trio").worker_class == "asyncio"
    assert plan("hypercorn", framework="fastapi", asynclib="trio").worker_class == "trio"


def test_hypercorn_serves_quic_with_one_worker_and_kubernetes_advertises_the_services_port():
    files = bundle("hypercorn", framework="fastapi", http="http3", deploy="kubernetes", cores=4)
    settings = tomllib.loads(files["hypercorn.toml"])
    assert settings["workers"] == 1 and settings["quic_bind"] == ["0.0.0.0:8000"]
    assert settings["alt_svc_headers"] == ['h3=":443"; ma=3600']
    _, service = yaml.safe_load_all(files["kubernetes.yaml"])
    assert service["spec"]["type"] == "LoadBalancer"
    assert {(p["port"], p["protocol"]) for p in service["spec"]["ports"]} == {(443, "TCP"), (443, "UDP")}
    assert "Clients reach Hypercorn directly" not in files["README.md"]
    assert "alt_svc_headers" not in bundle("hypercorn", http="http3", deploy="docker")["hypercorn.toml"]


def test_it_says_a_proxy_was_answered_only_when_it_was():
    assert (
        "even though you answered that a proxy ends TLS" in bundle("hypercorn", http="http3", tls="proxy")["README.md"]
    )
    assert "even though" not in bundle("hypercorn", http="http3")["README.md"]
    assert "nginx 1.22 cannot proxy QUIC" not in bundle("hypercorn", http="http3", tls="proxy")["README.md"]


@pytest.mark.parametrize("deploy", ["systemd", "supervisor"])
def test_servers_behind_nginx_on_a_vm_listen_on_loopback_only(deploy):
    for server in ("gunicorn", "uvicorn", "granian"):
        assert plan(server, deploy=deploy).host == "127.0.0.1"
    assert plan("gunicorn", deploy=deploy, tls="app").host == "0.0.0.0"  # clients reach it directly
    assert plan("gunicorn", deploy=deploy, host="10.0.0.5").host == "10.0.0.5"
    assert "bind it to 127.0.0.1 instead" in bundle("gunicorn", deploy=deploy, host="10.0.0.5")["README.md"]


@pytest.mark.parametrize("deploy", ["docker", "kubernetes"])
def test_containers_listen_everywhere_and_trust_the_proxy_network_with_the_why(deploy):
    assert plan("gunicorn", deploy=deploy).host == "0.0.0.0"
    assert gunicorn_settings(deploy=deploy)["forwarded_allow_ips"] == "*"
    assert "--forwarded-allow-ips '*'" in start_command("uvicorn", deploy=deploy)
    readme = bundle("gunicorn", deploy=deploy)["README.md"]
    assert "CSRF origin failures" in readme and "NetworkPolicy" in readme


def test_nginx_sets_every_forwarded_header_itself_and_serves_static_files():
    site = bundle("hypercorn", framework="django")["nginx.conf"]
    assert "proxy_set_header X-Forwarded-Host $host;" in site
    assert "location /static/ {\n        alias /srv/app/staticfiles/;" in site
    assert "location /static/" not in bundle("hypercorn", deploy="docker")["nginx.conf"]


def test_the_kubernetes_pod_passes_the_restricted_standard_and_stops_gracefully():
    deployment, _ = yaml.safe_load_all(bundle("gunicorn", framework="django", deploy="kubernetes")["kubernetes.yaml"])
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert container["readinessProbe"]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": "localhost"}]
    assert container["readinessProbe"]["timeoutSeconds"] and container["livenessProbe"]["timeoutSeconds"]
    assert "tcpSocket" in container["livenessProbe"]  # a busy worker pool does not get the pod restarted
    assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", str(PRESTOP_SECONDS)]
    assert pod["terminationGracePeriodSeconds"] > PRESTOP_SECONDS + GRACEFUL_SECONDS


def test_supervisors_wait_longer_than_the_servers_graceful_stop():
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string(bundle("gunicorn", deploy="systemd")["app.service"])
    assert int(unit["Service"]["TimeoutStopSec"]) > GRACEFUL_SECONDS
    program = configparser.ConfigParser(interpolation=None)
    program.read_string(bundle("gunicorn", deploy="supervisor")["supervisor.conf"])
    assert int(program["program:app"]["stopwaitsecs"]) > GRACEFUL_SECONDS
    assert f"--stop-timeout {GRACEFUL_SECONDS + 10}" in bundle("gunicorn", deploy="docker")["README.md"]


def test_the_private_key_stays_out_of_the_image():
    ignored = bundle("uvicorn", deploy="docker", tls="app")[".dockerignore"].split()
    assert {"*.pem", "*.key"} <= set(ignored)


def test_recycling_never_cuts_the_connections_the_user_holds():
    for choices in ({"realtime": "websockets", "framework": "fastapi"}, {"realtime": "long-polling"}):
        assert "--limit-max-requests" not in start_command("uvicorn", **choices)
        assert "--workers-lifetime" not in start_command("granian", **choices)
        assert gunicorn_settings(**choices)["max_requests"] == 0
        assert "max_requests" not in tomllib.loads(bundle("hypercorn", **choices)["hypercorn.toml"])
    assert "--workers-kill-timeout 30" in start_command("granian", framework="fastapi", realtime="websockets")


def test_no_hypercorn_worker_is_recycled():
    """A retiring Hypercorn 0.18 worker can leave nothing answering for its whole graceful_timeout
    (tests/configs/test_recycling.py, docs/sources.md)."""
    for choices in ({"framework": "flask", "cores": 1}, {"framework": "fastapi", "cores": 4}, {"asynclib": "trio"}):
        hypercorn = plan("hypercorn", **choices)
        assert hypercorn.max_requests == 0 and hypercorn.recycling.startswith("No recycling: a Hypercorn 0.18 worker")
        assert "max_requests" not in tomllib.loads(bundle("hypercorn", **choices)["hypercorn.toml"])


def test_no_uvicorn_worker_is_told_to_stop_after_its_requests():
    """One worker has no process to start another; several retire together and leave a gap
    (tests/configs/test_recycling.py, docs/sources.md)."""
    for cores in (1, 2, 8):
        uvicorn = plan("uvicorn", framework="fastapi", cores=cores)
        assert "--limit-max-requests" not in uvicorn.start_command
        assert uvicorn.recycling.startswith("No recycling: one Uvicorn worker runs with no process")


def test_behind_a_tls_proxy_no_server_is_told_to_speak_http2():
    for framework in ("fastapi", "flask"):
        assert (
            "http_protocols"
            not in bundle("gunicorn", framework=framework, http="http2", tls="proxy")["gunicorn.conf.py"]
        )
        argv = shlex.split(start_command("granian", framework=framework, http="http2", tls="proxy"))
        assert argv[argv.index("--http") + 1] == "1"
        assert not plan("hypercorn", framework=framework, http="http2", tls="proxy").http2
    assert "h2c" in CRITERIA.question("http").option("http2").effects["gunicorn"].reason  # http2_cleartext exists


def test_gunicorn_with_an_asgi_worker_is_sized_with_that_workers_figure():
    uvicorn_worker = plan("gunicorn", framework="fastapi")
    assert uvicorn_worker.worker_class == "uvicorn_worker.UvicornWorker"
    assert uvicorn_worker.memory_pss_mib != CRITERIA.server("gunicorn").memory_pss_mib
    assert "15.4 MiB measured PSS" in uvicorn_worker.memory_formula


def test_the_gunicorn_conf_says_what_forwarded_headers_really_do():
    conf = bundle("gunicorn")["gunicorn.conf.py"]
    assert "Trust X-Forwarded-For" not in conf
    assert "and does not take the client's address from X-Forwarded-For" in conf.replace("\n# ", " ")
    uvicorn_worker = bundle("gunicorn", framework="fastapi")["gunicorn.conf.py"].replace("\n# ", " ")
    assert "takes the client's address from X-Forwarded-For" in uvicorn_worker  # tests/configs/test_proxy.py boots both
    in_a_container = bundle("gunicorn", framework="flask", deploy="docker")["README.md"]
    assert "trusts them from whatever reaches the container." in in_a_container and "from * only" not in in_a_container


def test_the_reasons_above_a_config_say_what_that_config_does():
    choices = {"framework": "django", "realtime": "websockets", "async": "no", "current": "gunicorn"}
    readme = bundle("gunicorn", **choices)["README.md"]
    assert 'worker_class = "asgi"' in bundle("gunicorn", **choices)["gunicorn.conf.py"]
    assert "Sync workers are" not in readme and "only on an ASGI worker class" in readme
    flask_trio = bundle("hypercorn", framework="flask", asynclib="trio")
    assert 'worker_class = "asyncio"' in flask_trio["hypercorn.toml"]
    assert "a WSGI app runs on its asyncio worker" in flask_trio["README.md"]


def test_the_forwarded_headers_wrapper_rebinds_the_apps_own_name():
    """Django's callable is `application`: a README line that rebinds `app` would raise NameError in asgi.py."""
    for server, choices, wrapped in (
        ("granian", {"framework": "django", "async": "yes"}, "application = wrap_asgi_with_proxy_headers(application,"),
        ("hypercorn", {"framework": "django", "async": "yes"}, "application = ProxyFixMiddleware(application,"),
        ("hypercorn", {"framework": "flask"}, "app = ProxyFix(app,"),
        ("granian", {"framework": "fastapi"}, "app = wrap_asgi_with_proxy_headers(app,"),
    ):
        assert wrapped in bundle(server, **choices)["README.md"], (server, choices)
