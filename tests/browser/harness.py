"""What every browser test shares: Debian's Chromium, a tab that fails on console errors, axe, screenshots.

A flow is a test that takes the `tab` fixture (or `new_tab(**context_options)` for a second context, a phone,
dark mode or no JavaScript), opens pages with `tab.open(path)` and checks them with Playwright's auto-waiting
`expect`. Every tab must end its test without console errors, uncaught exceptions or CSP violations. More:
- a page added to PUBLIC_PAGES is checked by axe in light and dark, on a phone, and photographed;
- `tab.assert_accessible()` runs axe on the page as it is, e.g. an admin page after `tab.log_in(admin_user)`;
- `tab.download(locator)` clicks and returns the Playwright Download (`.suggested_filename`, `.path()`);
- the `production_server` fixture is gunicorn serving as `make run` does, for what only it shows.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import ConsoleMessage, Download, Error, Locator, Page, Response

BASE_DIR = Path(settings.BASE_DIR)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    # Nothing in the background: no update checks, no sync, no field trials, no QUIC probes.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
AXE_SCRIPT = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"
FAILURES = BASE_DIR / "test-artifacts"  # what each tab showed when its test failed (ignored by git)

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ANSWERS = "framework=fastapi&async=yes&realtime=websockets"
# Every public page: name -> (path, status). The lead adds admin pages with their own login (see Tab.log_in).
PUBLIC_PAGES = {
    "home": ("/", 200),
    "home-answered": (f"/?{ANSWERS}", 200),
    "result": (f"/recommend/?{ANSWERS}&deploy=docker&cores=4", 200),
    "result-error": ("/recommend/?framework=rails&port=70000", 400),
    "servers": ("/servers/", 200),
    "changes": ("/changes/", 200),
    "measured": ("/measured/", 200),
}
BLOCKING_IMPACTS = ("serious", "critical")
# Reports each Content Security Policy violation to the harness, in case the browser does not log it as an error.
CSP_REPORTER = "reportCspViolation"
CSP_LISTENER = f"""document.addEventListener("securitypolicyviolation", (event) => window.{CSP_REPORTER}(
  `${{event.effectiveDirective}} blocked ${{event.blockedURI}}`
  + (event.sourceFile ? ` from ${{event.sourceFile}}` : "")))"""


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. `make test` installs it "
            "(APT_PACKAGES in the Makefile); by hand: apt-get install chromium",
            pytrace=False,
        )
    return CHROMIUM


def require_axe() -> Path:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: `make test` installs axe-core with `npm ci`", pytrace=False)
    return AXE_SCRIPT


class Tab:
    """One page in its own browser context, recording every console error, uncaught exception and CSP violation."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        self._expected_statuses: set[tuple[str, int]] = set()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught {error.name}: {error.message}"))
        page.expose_function(CSP_REPORTER, lambda text: self.errors.append(f"CSP violation: {text}"))
        page.add_init_script(CSP_LISTENER)  # Playwright's init scripts run whatever the page's CSP says

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str, status: int = 200) -> Response:
        """Loads a page and checks its status; an expected error status is not a console error."""
        if status >= 400:
            self.expect_status(urlsplit(path).path, status)
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        return response

    def expect_status(self, path: str, status: int) -> None:
        """Responses from this path (any query) with this status are provoked on purpose, e.g. a bad field."""
        self._expected_statuses.add((path, status))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or self._is_expected(message):
            return
        where = message.location.get("url")
        self.errors.append(f"console error{f' at {where}' if where else ''}: {message.text}")

    def _is_expected(self, message: ConsoleMessage) -> bool:
        """Chrome logs every 4xx response; the ones a test asked for are not errors of the page."""
        path = urlsplit(message.location.get("url", "")).path
        return any(
            path == expected and f"status of {status} " in message.text for expected, status in self._expected_statuses
        )

    def assert_no_errors(self) -> None:
        try:
            self.page.evaluate("0")  # a round trip, so console events still on their way arrive first
        except Error:
            pass  # the page is gone: what it logged has arrived
        assert not self.errors, "The browser reported errors:\n" + "\n".join(self.errors)

    # Accessibility

    def axe_violations(self, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
        """axe-core's violations on the page as it is now, of the given impacts.

        Injected with Playwright's evaluate, which the page's CSP (script-src 'self') does not govern.
        """
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(require_axe().read_text())
        results = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [violation for violation in results["violations"] if violation["impact"] in impacts]

    def assert_accessible(self) -> None:
        violations = self.axe_violations()
        assert not violations, f"axe on {self.page.url}:\n" + "\n".join(_describe(v) for v in violations)

    # Pictures

    def screenshot(self, name: str) -> Path:
        """The whole page, in a window as tall as the page: so sticky and 100vh parts show in full."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        window = self.page.viewport_size
        for _ in range(3):  # a taller window can change the page's height: settle
            height = self.page.evaluate("document.documentElement.scrollHeight")
            if height == self.page.viewport_size["height"]:
                break
            self.page.set_viewport_size({"width": window["width"], "height": height})
        self.page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        self.page.set_viewport_size(window)
        return path

    def download(self, locator: Locator) -> Download:
        with self.page.expect_download() as event:
            locator.click()
        return event.value

    # Signed-in pages

    def log_in(self, user) -> None:
        """Signs this tab's context in as a user (e.g. pytest-django's admin_user), for admin pages."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])


def _describe(violation: dict) -> str:
    targets = [json.dumps(node["target"]) for node in violation["nodes"][:5]]
    return (
        f"- {violation['impact']} {violation['id']}: {violation['help']} ({violation['helpUrl']})\n    at "
        + "\n    at ".join(targets)
    )


def answer(page, question: str, option: str) -> None:
    page.locator(f"label[for='q-{question}-{option}']").click()


def assert_focus_is_visible(page) -> None:
    """The focused control, or the option tile around a radio, draws a focus ring of at least 2px."""
    ring = page.evaluate(
        """() => {
            const focused = document.activeElement;
            const drawn = focused.closest('label.option') || focused;
            const style = getComputedStyle(drawn);
            const width = parseFloat(style.outlineWidth);
            return {element: focused.outerHTML.slice(0, 80), style: style.outlineStyle, width: width};
        }"""
    )
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus on {ring['element']}"
