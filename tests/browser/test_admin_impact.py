"""An admin previews a scoring edit's impact before saving it: in place with htmx, and as a plain form without
JavaScript; an edit that breaks an expectation is held until "save anyway"."""

from playwright.sync_api import expect

from decisions.models import Effect, Option, Question, Server

FASTAPI_ON_UVICORN = {"option__question__slug": "framework", "option__slug": "fastapi", "server__slug": "uvicorn"}


def open_matrix(tab, admin_user) -> None:
    tab.log_in(admin_user)
    question = Question.objects.get(slug="framework")
    tab.open(f"/admin/decisions/question/{question.pk}/scoring/")
    option = Option.objects.get(question=question, slug="fastapi")
    tab.page.fill(f"#id_points-{option.pk}-{Server.objects.get(slug='uvicorn').pk}", "-5")


def test_it_previews_a_weight_change_in_place_without_saving_it(tab, admin_user):
    open_matrix(tab, admin_user)
    tab.page.evaluate("window.loadedOnce = true")
    tab.page.get_by_role("button", name="Preview impact").click()

    report = tab.page.locator("#criteria-impact")
    expect(report).to_contain_text("Impact on every answer set")
    expect(report).to_contain_text(" of 27,095,040 (")
    expect(report.locator("table.impact-moves tbody tr").first).to_contain_text("Uvicorn")
    expect(report).to_contain_text("FastAPI gets Uvicorn.")
    assert tab.page.evaluate("window.loadedOnce") is True, "the preview reloaded the page"
    assert Effect.objects.get(**FASTAPI_ON_UVICORN).points != -5
    tab.screenshot("admin-impact-preview-desktop")

    example = report.locator("table.impact-moves a").first
    href = example.get_attribute("href")
    assert href.startswith("/recommend/?") and "&v=1" in href


def test_it_previews_and_holds_the_edit_without_javascript(new_tab, admin_user):
    tab = new_tab(java_script_enabled=False)
    open_matrix(tab, admin_user)
    tab.page.get_by_role("button", name="Preview impact").click()

    expect(tab.page.locator(".errornote")).to_contain_text("Not saved: this edit breaks 3 expectations")
    expect(tab.page.locator("#criteria-impact")).to_contain_text("Impact on every answer set")
    assert Effect.objects.get(**FASTAPI_ON_UVICORN).points != -5

    tab.page.get_by_role("button", name="Save scoring").click()  # the form kept the edit; still held
    expect(tab.page.locator(".errornote")).to_contain_text("Not saved: this edit breaks 3 expectations")
    tab.page.get_by_label("Save anyway, breaking 3 expectations").check()
    tab.page.get_by_role("button", name="Save scoring").click()
    expect(tab.page.locator(".messagelist")).to_contain_text("Saved 1 change(s)")
    assert Effect.objects.get(**FASTAPI_ON_UVICORN).points == -5
