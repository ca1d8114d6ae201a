"""What a person does in the browser: answer, share, and get the result with or without JavaScript."""

import re

from playwright.sync_api import expect

from browser.harness import ANSWERS


def answer(page, question: str, option: str) -> None:
    page.locator(f"label[for='q-{question}-{option}']").click()


def test_it_updates_the_result_in_place_and_the_address_bar_becomes_the_share_link(tab, new_tab):
    page = tab.page
    tab.open("/")
    page.evaluate("window.loadedOnce = true")
    answer(page, "framework", "fastapi")
    answer(page, "async", "yes")
    answer(page, "realtime", "websockets")

    expect(page).to_have_url(tab.url(f"/?{ANSWERS}"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(page.locator("#answer-progress")).to_contain_text("3 of 12 answered: Uvicorn leads")
    expect(page.locator("#answer-progress progress")).to_have_attribute("value", "3")
    assert page.evaluate("window.loadedOnce") is True, "the page reloaded"

    friend = new_tab()  # another browser context: no history, no cache, no cookies
    friend.open(page.url.removeprefix(tab.base_url))
    expect(friend.page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(friend.page.locator("#q-realtime-websockets")).to_be_checked()
    expect(friend.page.locator("#answer-progress")).to_contain_text("3 of 12 answered")


def test_it_shows_a_field_error_in_place_and_clears_it_once_fixed(tab):
    page = tab.page
    tab.open("/")
    tab.expect_status("/", 400)
    page.locator("#id-port").fill("70000")
    page.locator("#id-port").dispatch_event("change")
    expect(page.locator("#error-port")).to_have_text("Give a whole number from 1 to 65535.")
    expect(page.locator("#result-region")).to_contain_text("Some answers need a fix")
    expect(page.locator("#answer-progress")).to_contain_text("some answers need a fix")

    page.locator("#id-port").fill("8080")
    page.locator("#id-port").dispatch_event("change")
    expect(page.locator("#error-port")).to_be_empty()
    expect(page).to_have_url(tab.url("/?port=8080"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "gunicorn")


def test_it_gives_the_complete_result_page_without_javascript(new_tab):
    tab = new_tab(java_script_enabled=False)
    page = tab.page
    tab.open("/")
    for question, option in (("framework", "fastapi"), ("async", "yes"), ("realtime", "websockets")):
        page.locator(f"#q-{question}-{option}").check()
    page.get_by_role("button", name="Show my recommendation").click()

    expect(page).to_have_url(re.compile(r"/recommend/\?framework=fastapi&async=yes&realtime=websockets&"))
    result = page.locator("#result")
    expect(result).to_have_attribute("data-recommended", "uvicorn")
    expect(page.get_by_role("heading", name="Why Uvicorn")).to_be_visible()
    expect(page.locator(".ranking-item")).to_have_count(5)
    expect(page.locator("table.memory tbody tr")).to_have_count(5)
    expect(page.locator("svg.chart rect")).to_have_count(10)
    expect(page.locator("#permalink")).to_have_value(tab.url(f"/recommend/?{ANSWERS}"))
    expect(page.locator(".answers-summary")).to_contain_text("3 of 12 questions answered")
    expect(page.locator("meta[property='og:title']")).to_have_attribute("content", "Recommended: Uvicorn - FastAPI with WebSockets")
    expect(page.locator("[data-copy]")).to_be_hidden()  # copying needs JavaScript, so the button stays hidden


def test_it_takes_a_keyboard_user_from_the_first_question_to_the_result(tab):
    page = tab.page
    tab.open("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#q-framework-skip")).to_be_focused()  # a radio group takes focus at its checked option

    for _ in range(3):  # skip -> Django -> Flask -> FastAPI: arrows choose within a group
        page.keyboard.press("ArrowDown")
    expect(page.locator("#q-framework-fastapi")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q-async-yes")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q-realtime-websockets")).to_be_checked()

    submit = page.get_by_role("button", name="Show my recommendation")
    for _ in range(40):
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        if submit.evaluate("button => button === document.activeElement"):
            break
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_be_focused()
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(page).to_have_url(tab.url(f"/?{ANSWERS}"))

    result_page_link = page.get_by_role("link", name="Open the result page")
    for _ in range(20):
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        if result_page_link.evaluate("link => link === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(tab.url(f"/recommend/?{ANSWERS}"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")


def assert_focus_is_visible(page) -> None:
    """The focused control, or the option tile around a radio, draws a focus ring of at least 2px."""
    ring = page.evaluate(
        """() => {
            const focused = document.activeElement;
            const drawn = focused.closest('label.option') || focused;
            const style = getComputedStyle(drawn);
            return {element: focused.outerHTML.slice(0, 80), style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }"""
    )
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus on {ring['element']}"
