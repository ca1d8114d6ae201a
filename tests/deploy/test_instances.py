"""Serverwise as docs/deploying.md deploys it: two gunicorn instances (deploy/gunicorn.conf.py) on one PostgreSQL, one
Redis, behind nginx (deploy/nginx-serverwise.conf) over TLS. Every process is real and started here."""

import io
import re
import secrets
import subprocess
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest

from lab.serving import free_port, throwaway_tls_pair
from tests.support import services
from tests.support.instances import SITE_HOST, Response, fetch, readme_environment
from tests.support.services import BASE_DIR, HOST, Gunicorn, Nginx, status

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "a-long-admin-password"
WRK_SCRIPT = Path(__file__).parent / "wrk-statuses.lua"


class FormFields(HTMLParser):
    """The fields a browser would post back from a page's form: inputs, checked boxes and textareas."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and (attrs.get("type") != "checkbox" or "checked" in attrs):
            self.fields[attrs["name"]] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None


@dataclass
class Visitor:
    """A browser's view of one address: cookies kept, and the headers its proxy would add."""

    port: int
    tls: bool = False
    headers: dict = field(default_factory=dict)
    cookies: SimpleCookie = field(default_factory=SimpleCookie)

    def _send(self, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> Response:
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        extra = self.headers | ({"Cookie": cookie} if cookie else {}) | (headers or {})
        response = fetch(self.port, path, tls=self.tls, method=method, headers=extra, body=body)
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        return response

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self._send(path, headers=headers)

    def post(self, path: str, fields: dict) -> Response:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{SITE_HOST}",
            "Referer": f"https://{SITE_HOST}{path}",
        }
        return self._send(path, "POST", urlencode(fields).encode(), headers)

    def sign_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> Response:
        form = FormFields(self.get("/admin/login/").text).fields
        return self.post("/admin/login/", form | {"username": username, "password": password, "next": "/admin/"})


@dataclass
class Site:
    a: Gunicorn
    b: Gunicorn
    http_port: int
    https_port: int
    env: dict

    def manage(self, *args: str) -> str:
        return services.manage(self.env, *args)

    def row(self, query: str, *params) -> tuple:
        with psycopg.connect(self.env["DATABASE_URL"]) as connection:
            return connection.execute(query, params).fetchone()

    def through_nginx(self) -> Visitor:
        return Visitor(self.https_port, tls=True)

    def straight_to(self, instance: Gunicorn) -> Visitor:
        """Requests to one instance as nginx sends them, so they pass the HTTPS redirect."""
        return Visitor(instance.port, headers={"X-Forwarded-Proto": "https"})


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    """docs/deploying.md's production environment, with a real secret, pointed at this run's PostgreSQL and Redis."""
    return readme_environment() | {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WEB_CONCURRENCY": "2",
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }


def nginx_site(https_port: int, http_port: int, a: Gunicorn, b: Gunicorn, folder: Path) -> str:
    """deploy/nginx-serverwise.conf with this run's ports and a throwaway certificate."""
    cert, key = throwaway_tls_pair(folder, SITE_HOST)
    site = (BASE_DIR / "deploy" / "nginx-serverwise.conf").read_text()
    changes = {
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{a.port} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{b.port} ",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl http2;": f"listen {HOST}:{https_port} ssl http2;",
        "/etc/ssl/serverwise/cert.pem": str(cert),
        "/etc/ssl/serverwise/key.pem": str(key),
    }
    for old, new in changes.items():
        assert old in site, f"deploy/nginx-serverwise.conf no longer has {old!r}"
        site = site.replace(old, new)
    return "\n".join(line for line in site.splitlines() if "[::]" not in line)  # loopback IPv4 only


@pytest.fixture(scope="module")
def site(postgres, redis_server, tmp_path_factory):
    env = production_env(postgres.create_database("serverwise_site"), redis_server.url)
    config = BASE_DIR / "deploy" / "gunicorn.conf.py"
    a, b = Gunicorn("a", config, env), Gunicorn("b", config, env)
    nginx = Nginx(nginx_site(https_port := free_port(), http_port := free_port(), a, b, tmp_path_factory.mktemp("tls")))
    site = Site(a, b, http_port, https_port, env)
    site.manage("migrate", "--noinput", "--verbosity", "0")
    site.manage("createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com")
    try:
        a.start()
        b.start()
        nginx.start(http_port, https_port)
        yield site
    finally:
        nginx.destroy()
        a.destroy()
        b.destroy()


@pytest.fixture
def seeded(site):
    """The article's criteria, whatever an earlier test edited."""
    site.manage("reset_criteria")
    return site


def edit_scoring(visitor: Visitor, site: Site, option: str, server: str, points: int, reason: str) -> Response:
    """Saves one cell of the framework question's scoring matrix through the admin's own form."""
    question_pk, option_pk = site.row(
        "SELECT q.id, o.id FROM decisions_option o JOIN decisions_question q ON q.id = o.question_id "
        "WHERE q.slug = 'framework' AND o.slug = %s",
        option,
    )
    (server_pk,) = site.row("SELECT id FROM decisions_server WHERE slug = %s", server)
    url = f"/admin/decisions/question/{question_pk}/scoring/"
    fields = FormFields(visitor.get(url).text).fields
    key = f"{option_pk}-{server_pk}"
    assert f"points-{key}" in fields
    fields[f"points-{key}"], fields[f"reason-{key}"] = str(points), reason
    fields["_save_anyway"] = "1"  # the edit is meant to move the Django expectations' answers to another server
    return visitor.post(url, fields)


def test_it_shows_an_edit_made_through_one_instance_at_once_on_the_other(seeded):
    query = "?framework=django&deploy=docker"
    on_b = seeded.straight_to(seeded.b)
    before = {path: on_b.get(path + query) for path in ("/recommend/", "/recommend.json", "/recommend/bundle.zip")}
    assert before["/recommend.json"].status == 200 and before["/recommend.json"].json()["recommended"] == "gunicorn"

    admin = seeded.straight_to(seeded.a)
    assert admin.sign_in().status == 302
    assert edit_scoring(admin, seeded, "django", "granian", 9, "Edited through instance A.").status == 302

    for path, old in before.items():
        new = on_b.get(path + query, headers={"If-None-Match": old.headers["ETag"]})
        assert new.status == 200 and new.headers["ETag"] != old.headers["ETag"], path
    assert on_b.get("/recommend.json" + query).json()["recommended"] == "granian"
    assert "Edited through instance A." in on_b.get("/recommend/" + query).text
    bundle = zipfile.ZipFile(io.BytesIO(on_b.get("/recommend/bundle.zip" + query).body))
    assert all(name.startswith("serverwise-granian/") for name in bundle.namelist())
    readme = on_b.get("/recommend/configs/README.md" + query)
    assert readme.status == 200 and "granian" in readme.text.lower()


def test_it_gives_secure_cookies_and_https_links_behind_nginx(seeded):
    visitor = seeded.through_nginx()
    answer = visitor.get("/recommend.json?framework=flask")
    version = answer.json()["criteria_version"]
    assert answer.json()["permalink"] == f"https://{SITE_HOST}/recommend/?framework=flask&v={version}"
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert visitor.sign_in().status == 302
    for name in ("csrftoken", "sessionid"):
        assert visitor.cookies[name]["secure"], name
    assert visitor.cookies["sessionid"]["httponly"]
    assert visitor.get("/admin/").status == 200

    plain = fetch(seeded.http_port, "/recommend/?framework=flask", headers={"X-Forwarded-Proto": "https"})
    assert (plain.status, plain.headers["Location"]) == (301, f"https://{SITE_HOST}/recommend/?framework=flask")
    direct = fetch(seeded.a.port, "/recommend/?framework=flask", headers={"X-Forwarded-Proto": "http"})
    assert direct.status == 301  # an instance asked over plain HTTP sends the visitor to HTTPS


def pages_through_both(site: Site, count: int) -> list[int]:
    """`count` distinct pages, half through each instance, two at a time so both workers of each serve."""
    visitors = [site.straight_to(site.a), site.straight_to(site.b)]
    paths = [f"/recommend/?framework=flask&cores={n}" for n in range(1, count + 1)]
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda n: visitors[n % 2].get(paths[n]).status, range(count)))


def test_it_answers_503_while_postgresql_is_down_and_every_page_once_it_is_back(seeded, postgres):
    assert pages_through_both(seeded, 20) == [200] * 20  # every worker now holds a persistent connection
    postgres.stop()
    try:
        for instance in (seeded.a, seeded.b):
            assert status(f"{instance.url}/health", instance.host) == 503
    finally:
        postgres.start()
    for instance in (seeded.a, seeded.b):
        assert status(f"{instance.url}/health", instance.host) == 200
    assert pages_through_both(seeded, 20) == [200] * 20


def rendered_keys(redis_server) -> set[bytes]:
    return set(redis_server.client().scan_iter("*sent:*"))  # decisions/middleware.py stores sent responses


def test_it_shares_rendered_pages_in_redis_and_renders_without_it(seeded, redis_server):
    on_a, on_b = seeded.straight_to(seeded.a), seeded.straight_to(seeded.b)
    redis_server.client().flushall()
    assert on_a.get("/recommend/?framework=starlette").status == 200
    shared = rendered_keys(redis_server)
    assert len(shared) == 1
    assert on_b.get("/recommend/?framework=starlette").status == 200
    assert rendered_keys(redis_server) == shared  # B served A's rendering

    redis_server.stop()
    try:
        started = time.monotonic()
        statuses = [
            visitor.get(f"/recommend/?framework=starlette&cores={n}").status
            for n in range(1, 11)
            for visitor in (on_a, on_b)
        ]
        assert statuses == [200] * 20
        assert time.monotonic() - started < 10
    finally:
        redis_server.start()
    assert on_b.get("/recommend/?framework=starlette&cores=3").status == 200
    assert len(rendered_keys(redis_server)) == 1  # caching resumed on the Redis that came back


def test_it_locks_out_through_nginx_across_instances_whatever_x_forwarded_for_says(seeded):
    visitor = seeded.through_nginx()
    form = FormFields(visitor.get("/admin/login/").text).fields
    posted_before = [instance.log.read_text().count('"POST /admin/login/') for instance in (seeded.a, seeded.b)]
    try:
        for attempt in range(5):
            visitor.headers["X-Forwarded-For"] = f"192.0.2.{attempt + 1}"  # nginx appends the address it saw
            response = visitor.post("/admin/login/", form | {"username": f"guess-{attempt}", "password": "wrong"})
            assert response.status == (429 if attempt == 4 else 200)
        posted = [instance.log.read_text().count('"POST /admin/login/') for instance in (seeded.a, seeded.b)]
        assert posted[0] > posted_before[0] and posted[1] > posted_before[1]  # the failures reached both instances
        locked = seeded.through_nginx().sign_in()
        assert locked.status == 429 and "Sign-in paused" in locked.text
    finally:
        seeded.manage("axes_reset")
    assert seeded.through_nginx().sign_in().status == 302


# Last: nginx may pass the restarted instance over for its fail_timeout, which the lockout test would notice.
def test_it_answers_every_request_under_load_while_an_instance_restarts(seeded):
    wrk = subprocess.Popen(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            "8",
            "--duration",
            "10s",
            "--timeout",
            "10s",
            "--script",
            str(WRK_SCRIPT),
            "--header",
            f"Host: {SITE_HOST}",
            f"https://{HOST}:{seeded.https_port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(2)
    seeded.b.restart()  # SIGTERM, then a new master on the same port, answering /health
    assert wrk.poll() is None, "the restart outlasted the load"
    output = wrk.communicate(timeout=60)[0]
    statuses = {int(code): int(count) for code, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE)}
    assert wrk.returncode == 0, output
    assert "Socket errors" not in output, output
    assert set(statuses) == {200} and statuses[200] > 100, output
