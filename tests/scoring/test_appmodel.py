"""What the user's app is, and which servers cannot serve it: pure, no database.

Each case is one the review found broken: a bundle that could not serve the real framework app.
"""

import pytest

from decisions.appmodel import ASGI, CHANNELS, FLASK_ASYNC, FLASK_SOCK, WSGI, app_model, unfit_reasons
from decisions.scoring import rank
from tests.support.bundles import CRITERIA


def recommended(**choices) -> str | None:
    best = rank(choices, CRITERIA).recommended
    return best.server.slug if best else None


def excluded_because(server: str, **choices) -> list[str]:
    result = next(r for r in rank(choices, CRITERIA).results if r.server.slug == server)
    return [reason.text for reason in result.excluded_because]


def test_it_gives_django_both_of_startprojects_interfaces_until_a_feature_needs_asgi():
    sync = app_model({"framework": "django"})
    assert sync.interfaces == (WSGI, ASGI)
    assert (sync.path(WSGI), sync.path(ASGI)) == ("mysite.wsgi:application", "mysite.asgi:application")
    assert app_model({"framework": "django", "async": "yes"}).interfaces == (ASGI,)
    websockets = app_model({"framework": "django", "realtime": "websockets", "async": "no"})
    assert websockets.interfaces == (ASGI,) and websockets.extensions == (CHANNELS,)


def test_a_given_django_path_names_its_sibling_interface():
    app = app_model({"framework": "django"}, "shop.config.wsgi:application")
    assert app.path(ASGI) == "shop.config.asgi:application" and app.package == "shop.config"
    assert app_model({"framework": "django"}, "wsgi:app").path(ASGI) == "wsgi:app"  # not startproject's shape


def test_flask_stays_wsgi_and_gets_the_extensions_its_features_need():
    app = app_model({"framework": "flask", "async": "yes", "realtime": "websockets"})
    assert app.interfaces == (WSGI,)
    assert app.extensions == (FLASK_ASYNC, FLASK_SOCK)


def test_an_unanswered_framework_leaves_the_interface_open_and_says_so():
    app = app_model({})
    assert app.assumed and app.interfaces == (WSGI, ASGI)
    assert app_model({"realtime": "websockets"}).interfaces == (ASGI,)


def test_django_websockets_get_the_asgi_app_with_channels_not_the_wsgi_handler():
    assert recommended(framework="django", realtime="websockets") == "uvicorn"
    assert excluded_because("uwsgi", framework="django", realtime="websockets")


def test_flask_websockets_run_only_where_flask_sock_gets_the_socket():
    assert recommended(framework="flask", realtime="websockets") == "gunicorn"
    for server in ("hypercorn", "granian"):
        assert any("flask-sock" in text for text in excluded_because(server, framework="flask", realtime="websockets"))


def test_flask_async_views_stay_on_a_wsgi_server():
    assert recommended(framework="flask", **{"async": "yes"}) == "gunicorn"
    assert not excluded_because("uwsgi", framework="flask", **{"async": "yes"})  # async views run in a sync request


def test_answers_that_cannot_hold_together_rule_out_every_server_with_the_why():
    assert recommended(framework="django", asynclib="trio", **{"async": "yes"}) is None
    why = excluded_because("hypercorn", framework="django", asynclib="trio", **{"async": "yes"})
    assert why and "asyncio" in why[0] and "Trio" in why[0]
    assert recommended(framework="other-wsgi", realtime="websockets") is None
    assert (
        "WSGI carries no WebSockets" in excluded_because("gunicorn", framework="other-wsgi", realtime="websockets")[0]
    )


def test_trio_in_a_wsgi_app_is_no_conflict():
    assert recommended(framework="flask", asynclib="trio") == "hypercorn"
    assert recommended(framework="django", asynclib="trio") == "hypercorn"


def test_hypercorn_cannot_hold_requests_for_a_wsgi_only_app():
    assert any(
        "thread pool" in text for text in excluded_because("hypercorn", framework="flask", realtime="long-polling")
    )


def test_uvicorn_never_has_to_speak_its_experimental_http2():
    assert excluded_because("uvicorn", framework="fastapi", http="http2", tls="app")
    assert not excluded_because("uvicorn", framework="fastapi", http="http2", tls="proxy")  # nginx speaks HTTP/2
    assert recommended(framework="fastapi", http="http2", tls="app", **{"async": "yes"}) != "uvicorn"


@pytest.mark.parametrize("server", ["gunicorn", "uwsgi", "uvicorn", "hypercorn", "granian"])
def test_the_criteria_keep_their_own_exclusions_and_the_app_model_adds_none_twice(server):
    reasons = excluded_because(server, framework="fastapi")
    assert len(reasons) <= 1
    assert unfit_reasons(server, app_model({"framework": "fastapi"}), {"framework": "fastapi"}) == (
        [("framework", "fastapi", "uWSGI serves WSGI only, and FastAPI is served over ASGI.")]
        if server == "uwsgi"
        else []
    )


def test_tight_memory_points_follow_the_measured_figures():
    tight = CRITERIA.question("memory").option("tight").effects
    by_measured_pss = sorted(CRITERIA.servers, key=lambda server: server.memory_pss_mib)
    points = [tight[server.slug].points for server in by_measured_pss]
    assert points == sorted(points, reverse=True), [(s.slug, s.memory_pss_mib) for s in by_measured_pss]


def test_django_over_http3_is_ruled_out_with_hypercorns_header_bug():
    # tests/configs/test_realapps.py shows it: a real HTTP/3 client drops the connection at Django's "Content-Type".
    assert recommended(framework="django", http="http3") is None
    assert "mixed-case" in excluded_because("hypercorn", framework="django", http="http3")[0]
    assert recommended(framework="fastapi", http="http3") == "hypercorn"
