"""axe-core finds nothing serious in light or dark mode, focus always shows, and updates are announced."""

import pytest
from playwright.sync_api import expect

from decisions.models import ConfigTemplate, Question
from tests.browser.harness import PUBLIC_PAGES, answer, assert_focus_is_visible


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_it_has_no_serious_or_critical_axe_violation(new_tab, name, scheme):
    tab = new_tab(color_scheme=scheme)
    tab.open(*PUBLIC_PAGES[name])
    tab.assert_accessible()


def test_it_stays_accessible_after_htmx_updates_the_page(tab):
    tab.open("/")
    answer(tab.page, "framework", "fastapi")
    expect(tab.page.locator("#answer-progress")).to_contain_text("1 of 12 answered: Uvicorn leads")
    tab.assert_accessible()


def test_it_finds_violations_when_there_are_some(tab):
    tab.open("/servers/")
    tab.page.evaluate("document.querySelector('.brand').textContent = ''")  # a link with no name
    assert [violation["id"] for violation in tab.axe_violations()] == ["link-name"]


def test_it_announces_each_new_result_from_a_live_region_that_stays_in_place(tab):
    page = tab.page
    tab.open("/")
    status = page.get_by_role("status").filter(has_text="answered")
    expect(status).to_have_text("0 of 12 answered")
    expect(status).to_have_attribute("aria-atomic", "true")
    status.evaluate("region => { region.dataset.original = 'yes' }")

    answer(page, "framework", "fastapi")  # Django over HTTP/3 fits no server (tests/scoring/test_appmodel.py)
    expect(status).to_have_text("1 of 12 answered: Uvicorn leads")
    answer(page, "http", "http3")
    expect(status).to_have_text("2 of 12 answered: Hypercorn leads")
    # Screen readers announce changes to a live region that was there before: the same element, refilled.
    expect(status).to_have_attribute("data-original", "yes")
    expect(page.locator("#result")).to_have_attribute("data-recommended", "hypercorn")
    # The result itself is no live region: it would be read out in full after every answer.
    in_live_region = page.evaluate(
        "!!document.querySelector('#result').closest('[aria-live], [role=status], [role=alert], [role=log]')"
    )
    assert not in_live_region


@pytest.mark.parametrize("name", ["home-answered", "result", "servers"])
def test_it_shows_where_the_keyboard_focus_is(tab, name):
    page = tab.page
    tab.open(*PUBLIC_PAGES[name])
    seen = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        if focused in seen or focused.startswith("<body"):
            break  # round the page once
        seen.add(focused)
        assert_focus_is_visible(page)
    assert len(seen) >= 5


def test_it_runs_axe_on_admin_pages_for_a_signed_in_user(tab, admin_user):
    tab.log_in(admin_user)
    tab.open("/admin/")
    expect(tab.page.get_by_role("heading", name="Keep the guide true")).to_be_visible()
    tab.assert_accessible()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/decisions/question/",
        "/admin/decisions/question/{question}/scoring/",
        "/admin/decisions/option/",
        "/admin/decisions/configtemplate/",
        "/admin/decisions/configtemplate/{template}/change/",
        "/admin/decisions/configtemplate/{template}/preview/",
    ],
)
def test_it_keeps_the_customised_admin_pages_accessible(tab, admin_user, path):

    question = Question.objects.get(slug="framework").pk
    template = ConfigTemplate.objects.get(filename="gunicorn.conf.py").pk
    tab.log_in(admin_user)
    tab.open(path.format(question=question, template=template))
    tab.assert_accessible()
