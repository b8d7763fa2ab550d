"""Draw docs/report.png, the advisors' report as docs/operations.md shows it: a report on
a month of synthetic conversations (tests/harness/report_store.py), so no student's words
are published, photographed full page by Chromium and reduced to COLOURS colours (the PNG
then weighs under 400 KB; the page has few colours). Rerun it when the page changes.
Usage: PYTHONPATH=. .venv/bin/python scripts/report_screenshot.py"""
import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from actions.knowledge import PROJECT_ROOT
from tests.harness.browser import launch_chromium
from tests.harness.report_store import fill, varied_conversation, write_report

SCREENSHOT = PROJECT_ROOT / "docs" / "report.png"
#: About a month of a school's students.
CONVERSATIONS = 2000
#: Narrow enough for a small PNG, wide enough for the page's widest table.
VIEWPORT = {"width": 1000, "height": 800}
COLOURS = 64


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/conversations.db"
        fill(url, CONVERSATIONS, varied_conversation)
        report = write_report(url, Path(folder) / "results") / "report.html"
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(report.as_uri())
                screenshot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
            finally:
                browser.close()
    screenshot.quantize(colors=COLOURS).save(SCREENSHOT, optimize=True)
    print(f"Wrote {SCREENSHOT}: {SCREENSHOT.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
