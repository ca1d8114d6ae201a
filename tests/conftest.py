from collections.abc import Iterator

import pytest
from django.core.management import call_command

from services import Postgres, Redis


def pytest_collection_modifyitems(items):
    """The browser tests that boot the site's production gunicorn are slow too (the other slow modules say so)."""
    for item in items:
        if "production_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages name hashed static files, which need the manifest that collectstatic writes."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of the test run's own, started when a test first needs it (tests/services.py)."""
    server = Postgres()
    try:
        server.init().start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    """A redis-server of the test run's own, started when a test first needs it."""
    server = Redis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
