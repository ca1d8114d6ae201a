"""What a person does in the browser: answer, share, and get the result with or without JavaScript."""

import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from decisions.models import Question
from tests.browser.harness import ANSWERS, answer, assert_focus_is_visible


def test_it_updates_the_result_in_place_and_the_address_bar_becomes_the_share_link(tab, new_tab):
    page = tab.page
    tab.open("/")
    page.evaluate("window.loadedOnce = true")
    answer(page, "framework", "fastapi")
    answer(page, "async", "yes")
    answer(page, "realtime", "websockets")

    expect(page).to_have_url(tab.url(f"/?{ANSWERS}&v=1"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(page.locator("#answer-progress")).to_contain_text("3 of 12 answered: Uvicorn leads")
    expect(page.locator("#answer-progress progress")).to_have_attribute("value", "3")
    assert page.evaluate("window.loadedOnce") is True, "the page reloaded"

    friend = new_tab()  # another browser context: no history, no cache, no cookies
    friend.open(page.url.removeprefix(tab.base_url))
    expect(friend.page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(friend.page.locator("#q-realtime-websockets")).to_be_checked()
    expect(friend.page.locator("#answer-progress")).to_contain_text("3 of 12 answered")


def test_it_shows_the_whole_page_again_on_back_after_answering_in_place(tab):
    """htmx keeps no history snapshots here (historyCacheSize 0): Back must bring the whole page, never the
    result's partial in place of the body."""
    page = tab.page
    tab.open("/")
    answer(page, "framework", "django")
    expect(page).to_have_url(tab.url("/?framework=django&v=1"))
    page.get_by_role("link", name="Skip to content").focus()  # shown on focus, as keyboard users reach it
    page.keyboard.press("Enter")  # a new history entry, for #main
    expect(page).to_have_url(tab.url("/?framework=django&v=1#main"))

    page.go_back()

    expect(page).to_have_url(tab.url("/?framework=django&v=1"))
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.locator("#q-framework-django")).to_be_checked()
    expect(page.locator("#result")).to_have_attribute("data-recommended", "gunicorn")


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
    expect(page).to_have_url(tab.url("/?port=8080&v=1"))
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
    expect(page.locator("#permalink")).to_have_value(tab.url(f"/recommend/?{ANSWERS}&v=1"))
    expect(page.locator(".answers-summary")).to_contain_text("3 of 12 questions answered")
    expect(page.locator("meta[property='og:title']")).to_have_attribute(
        "content", "Recommended: Uvicorn - FastAPI with WebSockets"
    )
    copy_buttons = page.locator("[data-copy]")
    expect(copy_buttons).to_have_count(5)  # the start command, three files (not compare.py: too long) and the permalink
    for index in range(5):
        expect(copy_buttons.nth(index)).to_be_hidden()  # copying needs JavaScript, so the buttons stay hidden
    expect(page.get_by_role("link", name="Download all (zip)")).to_be_visible()


def test_it_takes_a_keyboard_user_from_the_first_question_to_the_result(tab):
    page = tab.page
    tab.open("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#import-text")).to_be_focused()  # starting from a current setup comes first
    tab_to(page, page.locator("#q-framework-skip"))  # a radio group takes focus at its checked option

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

    tab_to(page, page.get_by_role("button", name="Show my recommendation"))
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_be_focused()
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    expect(page).to_have_url(tab.url(f"/?{ANSWERS}&v=1"))

    tab_to(page, page.get_by_role("link", name="Open the result page"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(tab.url(f"/recommend/?{ANSWERS}&v=1"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")

    tab_to(page, page.get_by_role("link", name="Download all (zip)"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "serverwise-uvicorn.zip"


def tab_to(page, target, most: int = 80) -> None:
    """Presses Tab until `target` has focus, checking on the way that every stop shows its focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        if target.evaluate("element => element === document.activeElement"):
            return
    expect(target).to_be_focused()


def test_it_downloads_a_config_file_and_the_bundle(tab):
    page = tab.page
    tab.open("/recommend/?framework=django&async=no&deploy=docker&cores=4")
    expect(page.locator("#result")).to_have_attribute("data-recommended", "gunicorn")

    conf = tab.download(page.get_by_role("link", name="Download gunicorn.conf.py"))
    assert conf.suggested_filename == "gunicorn.conf.py"
    text = Path(conf.path()).read_text()
    assert "workers = 9" in text and 'worker_class = "sync"' in text

    bundle = tab.download(page.get_by_role("link", name="Download all (zip)"))
    assert bundle.suggested_filename == "serverwise-gunicorn.zip"
    with zipfile.ZipFile(bundle.path()) as archive:
        names = set(archive.namelist())
        assert {
            "serverwise-gunicorn/gunicorn.conf.py",
            "serverwise-gunicorn/Dockerfile",
            "serverwise-gunicorn/README.md",
        } <= names
        assert archive.read("serverwise-gunicorn/gunicorn.conf.py").decode() == text

    record = tab.download(page.get_by_role("link", name="Download the decision record"))
    assert record.suggested_filename == "0001-use-gunicorn-for-our-django-app.md"
    with zipfile.ZipFile(bundle.path()) as archive:
        assert (
            archive.read(f"serverwise-gunicorn/docs/decisions/{record.suggested_filename}").decode()
            == Path(record.path()).read_text()
        )


def test_it_follows_an_answer_that_would_change_the_recommendation(tab):
    page = tab.page
    tab.open(f"/recommend/?{ANSWERS}")
    changes = page.locator("#what-would-change")
    expect(changes).to_contain_text("Uvicorn leads Hypercorn by 3 points.")
    changes.get_by_role("link", name="If you answered HTTP/3 (QUIC): Hypercorn").click()
    expect(page).to_have_url(tab.url(f"/recommend/?{ANSWERS}&http=http3&v=1"))
    expect(page.locator("#result")).to_have_attribute("data-recommended", "hypercorn")
    expect(page.locator("#what-would-change")).to_contain_text("Only Hypercorn fits every answer.")


def test_it_copies_a_config_file_with_javascript(new_tab):
    tab = new_tab(permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    tab.open("/recommend/?framework=flask&deploy=systemd")
    page.get_by_role("button", name="Copy gunicorn.conf.py").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#config-1").text_content()
    assert "wsgi_app" in copied


def test_it_shows_an_admins_edit_of_one_effect_in_the_public_result(tab, new_tab, admin_user):

    visitor = new_tab()
    visitor.open("/recommend/?framework=django")
    expect(visitor.page.locator("#result")).to_have_attribute("data-recommended", "gunicorn")

    tab.log_in(admin_user)
    question = Question.objects.get(slug="framework").pk
    tab.open(f"/admin/decisions/question/{question}/scoring/")
    page = tab.page
    page.get_by_label("Granian points for Django").fill("9")
    page.get_by_label("Reason for Granian when Django").fill("Our team runs Granian everywhere.")
    page.get_by_role("button", name="Save scoring").click()
    expect(page.locator(".errornote")).to_contain_text("Not saved: this edit breaks")  # the Django expectations
    page.get_by_label(re.compile("Save anyway, breaking")).check()
    page.get_by_role("button", name="Save scoring").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved 1 change(s)")

    visitor.page.reload()
    expect(visitor.page.locator("#result")).to_have_attribute("data-recommended", "granian")
    expect(visitor.page.locator("#result")).to_contain_text("Our team runs Granian everywhere.")
