"""A shared link keeps what its sender saw: an admin edits a weight through the admin's own forms, and the old link,
opened in a new browser context, shows the old result with the notice, and downloads the same bundle."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from decisions.models import CriteriaSnapshot, CriteriaVersion, Question
from tests.browser.harness import ANSWERS, PHONE, answer

EDIT_DATE = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)


def log_in_through_the_form(tab, user, password: str = "password") -> None:
    tab.open("/admin/login/?next=/admin/")
    tab.page.get_by_label("Username").fill(user.get_username())
    tab.page.get_by_label("Password").fill(password)
    tab.page.get_by_role("button", name="Log in").click()
    expect(tab.page.get_by_role("heading", name="Keep the guide true")).to_be_visible()


def test_an_old_link_shows_the_old_result_with_the_notice_after_an_admin_edit(tab, new_tab, admin_user):
    page = tab.page
    tab.open("/")
    for question, option in (("framework", "fastapi"), ("async", "yes"), ("realtime", "websockets")):
        answer(page, question, option)
    expect(page).to_have_url(tab.url(f"/?{ANSWERS}&v=1"))
    page.get_by_role("link", name="Open the result page").click()
    expect(page.locator("#result")).to_have_attribute("data-recommended", "uvicorn")
    link = page.locator("#permalink").input_value()
    assert link == tab.url(f"/recommend/?{ANSWERS}&v=1")
    bundle = tab.download(page.get_by_role("link", name="Download all (zip)")).path().read_bytes()

    admin = new_tab()
    log_in_through_the_form(admin, admin_user)
    admin.open(f"/admin/decisions/question/{Question.objects.get(slug='framework').pk}/scoring/")
    admin.page.get_by_label("Uvicorn points for FastAPI").fill("-5")
    admin.page.get_by_role("button", name="Save scoring").click()
    admin.page.get_by_label("Save anyway, breaking 3 expectations").check()  # the FastAPI ones: held first
    admin.page.get_by_role("button", name="Save scoring").click()
    expect(admin.page.locator(".messagelist")).to_contain_text("Saved 1 change(s)")
    # The edit's date pinned like the seed's, so the screenshots read the same on every run.
    CriteriaVersion.objects.filter(pk=1).update(changed_at=EDIT_DATE)
    CriteriaSnapshot.objects.filter(number=2).update(created_at=EDIT_DATE)

    friend = new_tab()  # another browser context: no history, no cache, no cookies
    friend.open(link.removeprefix(friend.base_url))
    result, notice = friend.page.locator("#result"), friend.page.locator("#outdated")
    expect(result).to_have_attribute("data-recommended", "uvicorn")
    expect(notice).to_contain_text("The criteria changed since this link was made")
    expect(notice).to_contain_text("Today's criteria recommend Hypercorn instead.")
    expect(notice).to_contain_text("Uvicorn: “Uvicorn is the standard choice for FastAPI.” re-weighted +3 → -5")
    friend.assert_accessible()
    friend.screenshot("result-outdated-desktop")
    assert friend.download(friend.page.get_by_role("link", name="Download all (zip)")).path().read_bytes() == bundle

    phone = new_tab(**PHONE, color_scheme="dark")
    phone.open(link.removeprefix(phone.base_url))
    expect(phone.page.locator("#outdated")).to_contain_text("Today's criteria recommend Hypercorn instead.")
    phone.assert_accessible()
    phone.screenshot("result-outdated-phone-dark")

    notice.get_by_role("link", name="See the current result").click()
    expect(friend.page).to_have_url(friend.url(f"/recommend/?{ANSWERS}&v=2"))
    expect(result).to_have_attribute("data-recommended", "hypercorn")
    expect(notice).to_have_count(0)

    friend.page.get_by_role("link", name="Criteria last changed").click()
    expect(friend.page).to_have_url(friend.url("/changes/#v2"))
    expect(friend.page.locator("#v2")).to_contain_text("Uvicorn: FastAPI (framework) points +3 → -5")
    expect(friend.page.locator("#v1")).to_contain_text("The criteria as first recorded.")
    friend.screenshot("changes-after-an-edit-desktop")
