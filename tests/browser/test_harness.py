"""The harness itself: it fails on what it is there to catch."""

from pathlib import Path

import pytest

from tests.browser import harness


def test_it_records_console_errors_and_uncaught_exceptions(tab):
    tab.open("/servers/")
    with tab.page.expect_event("pageerror"):
        tab.page.evaluate("console.error('logged'); setTimeout(() => { throw new Error('thrown') })")
    assert tab.errors == ["console error: logged", "uncaught Error: thrown"]
    tab.errors.clear()


def test_it_sees_content_security_policy_violations_in_the_console_and_as_events(tab):
    tab.open("/servers/")
    with tab.page.expect_console_message(lambda message: message.type == "error"):
        tab.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    tab.page.wait_for_function("() => true")  # a round trip, so the reporter's call has arrived
    console, event = tab.errors
    assert console.startswith("console error") and "Content Security Policy" in console
    assert event == "CSP violation: style-src-attr blocked inline"
    tab.errors.clear()


def test_it_lets_through_only_the_error_statuses_a_test_expects(tab):
    tab.open(harness.PUBLIC_PAGES["result-error"][0], status=400)
    assert tab.errors == []
    tab.page.goto(tab.url("/servers/?x=1"))
    with tab.page.expect_console_message(lambda message: message.type == "error"):
        tab.page.evaluate("fetch('/no-such-page/')")
    assert len(tab.errors) == 1 and "404" in tab.errors[0]
    tab.errors.clear()


def test_it_fails_with_a_clear_message_when_chromium_is_missing(monkeypatch):
    monkeypatch.setattr(harness, "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        harness.require_chromium()
