"""The admin's sign-in: django-axes throttles failures per username and per client address, with a cool-off."""

import time
from datetime import timedelta

import pytest
from django.test import RequestFactory

from guide.proxy import client_ip

pytestmark = pytest.mark.django_db
LIMIT = 5  # DJANGO_LOGIN_FAILURE_LIMIT's default


@pytest.fixture
def admin(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # dozens of sign-ins, fast
    return django_user_model.objects.create_superuser("root", "root@example.com", "right-password")


def sign_in(client, username: str, password: str, address: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post("/admin/login/", data, REMOTE_ADDR=address, headers=headers)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_it_lets_the_right_password_in(client, admin):
    assert signed_in(sign_in(client, "root", "right-password", "203.0.113.1"))


def test_it_locks_a_username_out_whatever_address_guesses_it(client, admin):
    for attempt in range(LIMIT - 1):
        assert sign_in(client, "root", f"guess-{attempt}", f"203.0.113.{attempt + 1}").status_code == 200
    assert sign_in(client, "root", "one-guess-too-many", "203.0.113.5").status_code == 429
    locked = sign_in(client, "root", "right-password", "198.51.100.1")
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_an_address_out_whatever_usernames_it_tries(client, admin):
    for attempt in range(LIMIT):
        sign_in(client, f"user-{attempt}", "guess", "203.0.113.9")
    assert sign_in(client, "root", "right-password", "203.0.113.9").status_code == 429
    assert signed_in(sign_in(client, "root", "right-password", "203.0.113.10"))


def test_it_shows_the_same_page_whether_or_not_the_username_exists(client, admin):
    pages = []
    for username, address in (("root", "203.0.113.20"), ("nobody-by-this-name", "203.0.113.30")):
        for attempt in range(LIMIT):
            sign_in(client, username, f"guess-{attempt}", address)
        locked = sign_in(client, username, "right-password", address)
        pages.append((locked.status_code, locked.content))
    assert pages[0] == pages[1]
    assert pages[0][0] == 429 and b"15 minutes" in pages[0][1] and b"root" not in pages[0][1]


def test_it_lets_the_right_password_in_after_the_cool_off(client, admin, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for attempt in range(LIMIT):
        sign_in(client, "root", f"guess-{attempt}", "203.0.113.40")
    assert sign_in(client, "root", "right-password", "203.0.113.40").status_code == 429
    time.sleep(1.2)
    assert signed_in(sign_in(client, "root", "right-password", "203.0.113.40"))


def test_it_ignores_x_forwarded_for_from_an_untrusted_client(client, admin):
    for attempt in range(LIMIT):
        sign_in(client, f"user-{attempt}", "guess", "198.51.100.50", forwarded_for=f"192.0.2.{attempt + 1}")
    assert sign_in(client, "root", "right-password", "198.51.100.50", forwarded_for="192.0.2.99").status_code == 429


def test_it_takes_the_client_from_a_trusted_proxy_and_only_its_last_entry(client, admin, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for attempt in range(LIMIT):
        # nginx appends the address it saw; what the client sent before it is the client's invention
        sign_in(client, f"user-{attempt}", "guess", "127.0.0.1", forwarded_for=f"192.0.2.{attempt + 1}, 203.0.113.60")
    assert (
        sign_in(client, "root", "right-password", "127.0.0.1", forwarded_for="192.0.2.99, 203.0.113.60").status_code
        == 429
    )
    assert signed_in(sign_in(client, "root", "right-password", "127.0.0.1", forwarded_for="203.0.113.61"))


def test_it_ends_an_admin_session_after_the_idle_time(client, admin, settings):
    settings.SESSION_COOKIE_AGE = 2
    assert signed_in(sign_in(client, "root", "right-password", "203.0.113.70"))
    for _ in range(3):  # each request starts the idle time again
        time.sleep(0.8)
        assert client.get("/admin/").status_code == 200
    time.sleep(2.2)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "2001:db8::5", "2001:db8::5"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),
    ],
)
def test_it_names_the_client_as_the_trusted_proxy_saw_it(settings, peer, forwarded_for, client):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = RequestFactory().get("/admin/login/", REMOTE_ADDR=peer, headers={"X-Forwarded-For": forwarded_for})
    assert client_ip(request) == client
