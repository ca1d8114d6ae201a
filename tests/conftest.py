from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.template.backends import jinja2
from django.test.signals import template_rendered

from decisions import caching, store
from decisions.models import CriteriaVersion, Effect
from tests.support.bundles import LAST_FIT, NOTHING_FITS
from tests.support.services import Postgres, Redis


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages name hashed static files, which need the manifest that collectstatic writes."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def recorded_jinja2_renders():
    """A response's `templates` names its Jinja2 page too, as Django's test setup makes it for its own templates."""
    render = jinja2.Template.render

    def recorded(self, context=None, request=None):
        html = render(self, context, request)
        template_rendered.send(sender=self, template=self.template, context=context)
        return html

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Template, "render", recorded)
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with no stored response and no memoised key (docs/caching.md lists both)."""
    cache.clear()
    caching.forget()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of the test run's own, started when a test first needs it (tests/support/services.py)."""
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


@pytest.fixture
def fresh_store():
    """The store's memo emptied, so the next request loads the criteria and templates from the database."""
    store.forget()
    return store


@pytest.fixture
def nothing_fits(db) -> str:
    """Stored criteria under which no server fits: returns the query of the answers that rule every server out."""
    ((question, option),) = NOTHING_FITS.items()
    effect = Effect.objects.filter(option__question__slug=question, option__slug=option, server__slug=LAST_FIT)
    effect.update(points=0, excluded=True, reason="x")
    CriteriaVersion.bump()
    return urlencode(NOTHING_FITS)
