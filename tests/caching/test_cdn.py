"""A real caching proxy in front of a real instance: nginx's proxy_cache, as a CDN would, keeps what the site's
Cache-Control allows (decisions.caching, docs/caching.md). Every process is started here, on loopback."""

import json
import os
import pwd
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.serving import free_port
from tests.support import services
from tests.support.instances import SITE_HOST, Response, fetch
from tests.support.services import BASE_DIR, HOST, Gunicorn, Nginx

pytestmark = pytest.mark.slow
SHARED_SECONDS = 4  # DJANGO_SHARED_CACHE_SECONDS for this instance: the stated time, short for the test
STATED = SHARED_SECONDS + SHARED_SECONDS // 2  # s-maxage, then stale-while-revalidate
MARGIN = 3  # the request in flight, nginx's one-second clock
QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"


@dataclass
class Cdn:
    instance: Gunicorn
    port: int
    env: dict

    def get(self, path: str) -> Response:
        return fetch(self.port, path)

    def upstream_requests(self, path: str) -> int:
        """How many requests for `path` reached the instance: gunicorn's access log, one line each."""
        return self.instance.log.read_text().count(f'"GET {path} ')  # a line is written once the response is sent

    def manage(self, *args: str) -> str:
        return services.manage(self.env, *args)


def proxy_cache_site(port: int, upstream: Gunicorn, cache: Path) -> str:
    """A CDN's edge, as nginx does it: keep what Cache-Control allows, revalidate with the ETag once stale."""
    return f"""
proxy_cache_path {cache} levels=1:2 keys_zone=edge:1m max_size=64m inactive=1h use_temp_path=off;

server {{
    listen {HOST}:{port};
    server_name {SITE_HOST};

    location / {{
        proxy_pass http://{HOST}:{upstream.port};
        proxy_set_header Host $host;
        proxy_cache edge;
        proxy_cache_revalidate on;
        add_header X-Cache-Status $upstream_cache_status always;
    }}
}}
"""


def writable_by_nginx_workers(folder: Path) -> Path:
    """Run as root, nginx's workers run as nobody: they reach the cache through its parent and own it."""
    folder.mkdir()
    if os.geteuid() == 0:
        folder.parent.chmod(0o711)
        user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


@pytest.fixture(scope="module")
def cdn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cdn")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": SITE_HOST,
        "DJANGO_SECRET_KEY": "a-throwaway-secret-for-the-cdn-test-" + "x" * 20,
        "DJANGO_SHARED_CACHE_SECONDS": str(SHARED_SECONDS),
        "WEB_CONCURRENCY": "1",
        "REDIS_URL": "",
    }
    instance = Gunicorn("edge-origin", BASE_DIR / "deploy" / "gunicorn.conf.py", env)
    port = free_port()
    nginx = Nginx("")
    nginx.site = proxy_cache_site(port, instance, writable_by_nginx_workers(nginx.folder / "cache"))
    cdn = Cdn(instance, port, env)
    cdn.manage("migrate", "--noinput", "--verbosity", "0")
    try:
        instance.start()
        nginx.start(port)
        yield cdn
    finally:
        nginx.destroy()
        instance.destroy()


def poll(check, seconds: float) -> float | None:
    """Seconds until check() held, or None when it did not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def test_a_pinned_zip_is_served_from_the_proxy_s_cache(cdn):
    version = json.loads(cdn.get(f"/recommend.json?{QUERY}").body)["criteria_version"]
    path = "/recommend/bundle.zip"
    url = f"{path}?{QUERY}&v={version}"
    first = cdn.get(url)
    assert first.status == 200 and first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    time.sleep(SHARED_SECONDS + 1)  # longer than a current page is kept: a pinned download is kept for a year
    for _ in range(3):
        again = cdn.get(url)
        assert again.headers["X-Cache-Status"] == "HIT" and again.body == first.body
    assert cdn.upstream_requests(url) == 1


def test_an_admin_edit_reaches_a_visitor_through_the_proxy_within_the_stated_time(cdn):
    current = "/recommend.json?framework=django"
    version = json.loads(cdn.get(current).body)["criteria_version"]
    pinned_page = f"/recommend/?{QUERY}&v={version}"
    assert 'id="outdated"' not in cdn.get(pinned_page).text
    seen = cdn.get(current)
    assert seen.headers["X-Cache-Status"] == "HIT" and seen.json()["recommended"] == "gunicorn"
    assert seen.headers["Cache-Control"] == (
        f"public, max-age=0, s-maxage={SHARED_SECONDS}, stale-while-revalidate={SHARED_SECONDS // 2}"
    )
    assert cdn.get(pinned_page).headers["X-Cache-Status"] == "HIT"

    # Once stale, the proxy asks again with the ETag, and the instance answers 304: no body, the copy kept.
    time.sleep(SHARED_SECONDS + 1)
    assert cdn.get(current).headers["X-Cache-Status"] == "REVALIDATED"
    assert poll(lambda: f'"GET {current} HTTP/1.0" 304' in cdn.instance.log.read_text(), 2) is not None

    cdn.manage(
        "shell",
        "-c",
        "from decisions.models import Effect; "
        "e = Effect.objects.get(option__question__slug='framework', option__slug='django', server__slug='uwsgi'); "
        "e.points = 9; e.save()",
    )
    shown = poll(lambda: cdn.get(current).json()["recommended"] == "uwsgi", STATED + MARGIN)
    assert shown is not None, f"the edit did not reach the proxy's visitors within {STATED + MARGIN} s"
    noticed = poll(lambda: 'id="outdated"' in cdn.get(pinned_page).text, STATED + MARGIN)
    assert noticed is not None, "a pinned page did not say that newer criteria exist"


def test_the_proxy_stores_no_admin_page_and_no_error(cdn):
    for path in ("/admin/login/", f"/recommend/?{QUERY}&cores=0", f"/recommend.json?{QUERY}&v=99999", "/nowhere/"):
        statuses = [cdn.get(path).headers["X-Cache-Status"] for _ in range(2)]
        assert statuses == ["MISS", "MISS"], path
    assert poll(lambda: cdn.upstream_requests("/admin/login/") == 2, 2) is not None
