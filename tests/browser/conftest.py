"""Fixtures for the web-widget browser tests (pytest + Playwright sync API).

The servers are the real ones of tests/conftest.py (`running_bot`). Chromium is
Debian's /usr/bin/chromium (`make test` installs it); CHROMIUM_PATH names another.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.harness.browser import launch_chromium

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"


@pytest.fixture
def servers(running_bot):
    """The real servers of tests/conftest.py: `url` (Rasa) and `web_url` (demo page)."""
    return SimpleNamespace(rasa_url=running_bot.url, web_url=running_bot.web_url)


@pytest.fixture(scope="module")
def chromium_browser():
    """Closed after each module: Playwright's sync API holds an event loop on the main thread
    while it runs, and tests that run their own (asyncio.run) may come next under xdist."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = launch_chromium(pw)
    except AssertionError as error:
        pw.stop()
        pytest.fail(str(error))
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture
def make_page(chromium_browser):
    """Factory: ``make_page(width=1280, height=800)`` -> a Page in a fresh context
    (fresh localStorage, i.e. a new conversation). Records JS dialogs, page errors,
    console errors, every requested URL and every failed request on the page object."""
    contexts = []

    def factory(width: int = 1280, height: int = 800, **context_kwargs):
        context = chromium_browser.new_context(viewport={"width": width, "height": height}, **context_kwargs)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs, page.page_errors, page.console_errors, page.requested_urls = [], [], [], []
        page.failed_requests = []  # "URL: error"
        page.console_log = []  # every console line, for failure messages

        def on_dialog(dialog):
            page.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
        def on_console(msg):
            page.console_log.append(f"{msg.type}: {msg.text[:300]}")
            if msg.type == "error":
                page.console_errors.append(msg.text)

        page.on("console", on_console)
        page.on("request", lambda req: page.requested_urls.append(req.url))
        page.on("requestfailed", lambda req: page.failed_requests.append(f"{req.url}: {req.failure}"))
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
