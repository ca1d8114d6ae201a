"""Start from your current setup, in Chromium: paste, upload several files, the same without JavaScript, and a bad
file; each page checked by axe and photographed (docs/screenshots/import-*)."""

from playwright.sync_api import expect

from tests.browser.harness import PHONE
from tests.support.imports import CORPUS, PROCFILE, REQUIREMENTS, UWSGI_INI, corpus_text


def paste(tab, text: str) -> None:
    tab.open("/")
    tab.page.get_by_label("Paste a file or a command line").fill(text)
    tab.page.get_by_role("button", name="Read my setup").click()


def test_it_prefills_the_questionnaire_from_a_pasted_uwsgi_ini_and_says_where_each_answer_was_read(tab, new_tab):
    paste(tab, corpus_text(UWSGI_INI))
    page = tab.page
    expect(page.locator("#imported")).to_contain_text("Settings carried into the starter configs")
    assert page.url.startswith(tab.url("/?framework=django&async=no&current=uwsgi"))
    expect(page.locator("#q-framework-django")).to_be_checked()
    expect(page.locator("#q-current-uwsgi")).to_be_checked()
    expect(page.locator("#field-framework .read-from")).to_contain_text("module = hc.wsgi:application")
    expect(page.locator("#field-app .read-from")).to_contain_text("uwsgi.ini line 21")
    expect(page.locator("#id-timeout-1")).to_have_value("10")
    expect(page.locator("#starter-configs")).to_contain_text("harakiri = 10")
    tab.assert_accessible()
    tab.screenshot("import-pasted-desktop")

    phone = new_tab(**PHONE)
    paste(phone, corpus_text(UWSGI_INI))
    expect(phone.page.locator("#imported")).to_be_visible()
    assert phone.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    phone.assert_accessible()
    phone.screenshot("import-pasted-phone")


def test_it_reads_a_procfile_and_requirements_uploaded_together(tab):
    tab.open("/")
    tab.page.set_input_files("#import-file", [CORPUS / PROCFILE, CORPUS / REQUIREMENTS])
    tab.page.get_by_role("button", name="Read my setup").click()
    expect(tab.page.locator("#field-async .read-from")).to_contain_text("-k uvicorn.workers.UvicornWorker")
    expect(tab.page.locator("#field-realtime .read-from")).to_contain_text("requirements.txt line 8")
    expect(tab.page.locator("#q-realtime-websockets")).to_be_checked()


def test_it_imports_and_keeps_the_carried_settings_without_javascript(new_tab):
    tab = new_tab(java_script_enabled=False)
    paste(tab, corpus_text(UWSGI_INI))
    expect(tab.page.locator("#field-framework .read-from")).to_contain_text("module = hc.wsgi:application")
    tab.page.get_by_role("button", name="Show my recommendation").click()
    expect(tab.page.locator("h1")).to_have_text("Your server recommendation")
    assert "timeout=10" in tab.page.url and "from=uwsgi" in tab.page.url  # answering again keeps them


def test_it_names_a_bad_file_and_keeps_the_questionnaire(tab):
    tab.open("/")
    tab.expect_status("/import/", 400)
    binary = {"name": "app.ini", "mimeType": "application/octet-stream", "buffer": b"[uwsgi]\n\x00\x01\x02"}
    tab.page.set_input_files("#import-file", [binary])
    tab.page.get_by_role("button", name="Read my setup").click()
    expect(tab.page.locator("#import-errors")).to_contain_text("app.ini line 2: binary, not text")
    expect(tab.page.locator("#questionnaire")).to_be_visible()
    tab.assert_accessible()
    tab.screenshot("import-error-desktop")
