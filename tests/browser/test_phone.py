"""At 390 CSS pixels: nothing scrolls sideways and every tap target is at least 44 by 44."""

import pytest

from tests.browser.harness import PHONE, PUBLIC_PAGES

TAP_TARGETS = "button, .button, .site-header a, label.option, summary"
MIN_TAP = 44


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_it_fits_a_phone_without_sideways_scrolling(new_tab, name):
    tab = new_tab(**PHONE)
    tab.open(*PUBLIC_PAGES[name])
    overflow = tab.page.evaluate(
        """() => {
            const root = document.documentElement;
            const wide = [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5 && !el.closest('.table-scroll'))
                .map(el => el.outerHTML.slice(0, 100));
            return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 5)};
        }"""
    )
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    tab.screenshot(f"{name}-phone")


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_it_gives_every_tap_target_at_least_44_by_44_pixels(new_tab, name):
    tab = new_tab(**PHONE)
    tab.open(*PUBLIC_PAGES[name])
    targets = tab.page.locator(TAP_TARGETS)
    measured = 0
    too_small = []
    for index in range(targets.count()):
        target = targets.nth(index)
        box = target.bounding_box()
        if box is None or not target.is_visible():
            continue
        measured += 1
        if box["width"] < MIN_TAP or box["height"] < MIN_TAP:
            too_small.append(
                f"{box['width']:.0f}x{box['height']:.0f} {target.evaluate('el => el.outerHTML.slice(0, 90)')}"
            )
    assert measured >= 3
    assert not too_small, "\n".join(too_small)
