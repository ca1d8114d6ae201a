"""Browser fixtures: one Chromium and one live server for this folder, a fresh context per tab, a fresh
database per test, and a real gunicorn for what only production serving shows."""

import contextlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.test.testcases import LiveServerThread
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from decisions import store
from decisions.models import (
    ConfigTemplate,
    CriteriaSnapshot,
    CriteriaVersion,
    Effect,
    Expectation,
    MeasurementRun,
    Option,
    Question,
    Server,
)
from decisions.protection import replacing_all_criteria
from decisions.seeding import (
    default_criteria,
    default_expectations,
    default_templates,
    import_measurements,
    replace_criteria,
    replace_expectations,
    replace_templates,
    seed_measurement_files,
)
from decisions.signals import one_version_bump
from tests.browser.harness import BASE_DIR, CHROMIUM_ARGS, DESKTOP, FAILURES, Tab, require_chromium
from tests.support.services import Gunicorn

HOST = "127.0.0.1"
# A fixed port when it is free keeps the permalinks in the screenshots, and so the PNGs, the same run to run.
PREFERRED_PORT = 47813
CRITERIA_DATE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
expect.set_options(timeout=10_000)  # auto-waiting assertions: room for a busy 2-core machine, no sleeps


def pytest_collection_modifyitems(items):
    """Every test here drives Chromium: marked browser, and slow, so that `pytest -m "not slow"` stays quick."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_in_call = report.failed  # for new_tab's teardown, which photographs failed tests' tabs
    return report


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """Chromium, started after the test database exists (see DJANGO_ALLOW_ASYNC_UNSAFE below)."""
    chromium = require_chromium()
    args = CHROMIUM_ARGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in this thread, beside which Django's ORM refuses
        # to run unless told it is safe: it is, the tests call it synchronously, between browser steps. Django
        # then keeps its connections per context, not per thread: fresh ones, to the same test database.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=args)
            yield browser
            browser.close()


@pytest.fixture(scope="package")
def live_server_thread(django_db_setup, collected_static):
    """The project's WSGI app in a thread, sharing the test database, WhiteNoise serving the collected files."""
    shared = {conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    thread = _start_live_server(shared, PREFERRED_PORT) or _start_live_server(shared, 0)
    yield thread
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


def _start_live_server(shared: dict, port: int) -> LiveServerThread | None:
    # Django's live server wraps the app in handlers serving static and media files from the source folders;
    # unwrapped, requests reach the app as in production, where WhiteNoise serves the hashed static files.
    thread = LiveServerThread(
        HOST, static_handler=lambda media_handler: media_handler.application, connections_override=shared, port=port
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error is None:
        return thread
    for conn in shared.values():
        conn.dec_thread_sharing()
    if port:
        return None
    raise thread.error


@pytest.fixture
def site(live_server_thread, transactional_db) -> str:
    """The live server's address, over the seeded criteria and config templates: each test gets them afresh.

    The criteria are version 1 with its snapshot, and its date is pinned, so the footer, and with it the screenshots,
    read the same on every run. Version 1 shows the run the seed ships.
    """
    with transaction.atomic():
        CriteriaSnapshot.objects.all().delete()
        CriteriaVersion.objects.all().delete()
        with one_version_bump("the browser tests' seed"), replacing_all_criteria():  # version 1, its snapshot the seed
            replace_criteria(default_criteria(), Server, Question, Option, Effect)
            replace_templates(default_templates(), ConfigTemplate)
        replace_expectations(default_expectations(), Expectation)
        CriteriaVersion.objects.filter(pk=1).update(changed_at=CRITERIA_DATE)
        for path in seed_measurement_files():
            import_measurements(path.read_text(encoding="utf-8"), MeasurementRun)
        shown = MeasurementRun.current()
        CriteriaSnapshot.objects.filter(number=1).update(created_at=CRITERIA_DATE, measurement_run=shown)
    store.forget()
    return f"http://{live_server_thread.host}:{live_server_thread.port}"


@pytest.fixture
def new_tab(request, browser, site):
    """Opens tabs, each in a new browser context (options as Playwright's new_context takes them).

    At the end of the test every tab must be free of console errors and uncaught exceptions.
    """
    tabs: list[Tab] = []

    def open_tab(base_url: str = site, **context_options) -> Tab:
        context = browser.new_context(**(DESKTOP | context_options))
        tab = Tab(context.new_page(), base_url)
        tabs.append(tab)
        return tab

    yield open_tab
    failures = []
    for number, tab in enumerate(tabs, 1):
        if getattr(request.node, "failed_in_call", False):
            FAILURES.mkdir(exist_ok=True)
            with contextlib.suppress(PlaywrightError):  # a crashed page has no picture to give
                tab.page.screenshot(path=FAILURES / f"{request.node.name}-{number}.png", full_page=True)
        try:
            tab.assert_no_errors()
        except AssertionError as failure:
            failures.append(str(failure))
        tab.page.context.close()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture
def tab(new_tab) -> Tab:
    return new_tab()


@pytest.fixture(scope="package")
def production_server(tmp_path_factory, collected_static):
    """gunicorn with the project's settings and deploy/gunicorn.conf.py on a free loopback port, as `make run` serves.

    Its own migrated SQLite file: it runs in another process, so it cannot share the test database.
    """
    folder = tmp_path_factory.mktemp("production")
    env = {"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "DJANGO_DEBUG": "false", "WEB_CONCURRENCY": "2"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=os.environ | env,
        check=True,
    )
    server = Gunicorn("production", BASE_DIR / "deploy" / "gunicorn.conf.py", env, folder=folder)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
