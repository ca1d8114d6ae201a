"""Every public page at desktop width, styled by the hashed stylesheet, with its screenshot for docs/."""

import pytest
from playwright.sync_api import expect

from tests.browser.harness import PUBLIC_PAGES


def accent(tab) -> str:
    return tab.page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_it_renders_every_public_page_styled_without_sideways_scrolling(tab, name):
    tab.open(*PUBLIC_PAGES[name])
    assert accent(tab) == "#2a6b59"  # site.css loaded under its hashed name and applies
    assert tab.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    tab.screenshot(f"{name}-desktop")


def test_it_draws_the_result_page_in_dark_mode(new_tab):
    tab = new_tab(color_scheme="dark")
    tab.open(PUBLIC_PAGES["result"][0])
    assert accent(tab) == "#7cc7ad"
    expect(tab.page.locator("svg.chart")).to_be_visible()
    tab.screenshot("result-desktop-dark")
