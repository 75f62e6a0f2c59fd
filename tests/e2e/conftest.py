"""Fixtures for the browser tests: one app server and one Chromium per test session, a new tab per test.

Without /usr/bin/chromium or the pip ``playwright`` package the tests skip; with ``CE_REQUIRE_E2E=1`` (CI) they
fail instead, so a broken runner cannot pass by skipping everything.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

from . import server, ui

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots of failed tests (git-ignored)


def _require_browser() -> None:
    reason = server.missing_requirements()
    if not reason:
        return
    if os.environ.get("CE_REQUIRE_E2E") == "1":
        pytest.fail(f"CE_REQUIRE_E2E=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def app_server():
    """The app, served by ``streamlit run app.py`` on a free localhost port for the whole test session."""
    _require_browser()
    running = server.start_app()
    yield running
    server.stop_app(running)


@pytest.fixture(scope="session")
def app_url(app_server, browser) -> str:
    """The shared server's base URL, after one throwaway session (see ``ui.warm_up``)."""
    ui.warm_up(browser, app_server.url)
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, shared by all tests (each test gets its own context, so its own session)."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    # A full run of the training page takes about a second on a 2-core runner; allow for a busy one.
    expect.set_options(timeout=ui.DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = server.launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def warm_context(browser):
    """The browser context of the tests' pages. Its HTTP cache, and V8's cache of compiled scripts with it, keeps
    Streamlit's and the stage's scripts from one test to the next: a page then opens for about 1.7 s of CPU instead
    of 3.3 s in a fresh context (measured on the 2-core runner), and the browser tests are most of the suite's time.
    Each test still gets its own tab, so its own Streamlit session; what a context keeps beyond the cache (local
    storage, where Streamlit keeps the viewer's theme choice; cookies) is cleared after each test. A test that needs
    a fresh context (a first visit, a phone, several viewers) makes its own."""
    context = browser.new_context(viewport=ui.VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(warm_context, app_server, request):
    """A new tab (a new Streamlit session); on failure, a screenshot and the server log."""
    new_page = warm_context.new_page()
    new_page.set_default_timeout(ui.DEFAULT_TIMEOUT_MS)
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not new_page.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        with contextlib.suppress(Exception):  # a page that broke the test may not take a screenshot either
            new_page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        # The app redacts error details in the page (client.showErrorDetails = "none"); the log has the traceback.
        print(f"--- end of the app server's log ---\n{app_server.log_tail()}")
    _leave_nothing_behind(warm_context, new_page)


def _leave_nothing_behind(context, test_page) -> None:
    """Close every tab the test opened and clear the storage the next test's tabs would share."""
    if not test_page.is_closed():
        with contextlib.suppress(Exception):  # a page on about:blank or a crashed one has no storage to clear
            test_page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    context.clear_cookies()
    for opened in list(context.pages):
        opened.close()
