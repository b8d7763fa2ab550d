"""The advisors' report page (results/report.html, report/page.py) in Chromium: every chart
drawn and described, nothing fetched, no error, and no WCAG 2.1 AA violation that axe-core
finds. Advisors read it in a browser, some with a screen reader, from a file on their disk.

The page is written from a SQLite store of synthetic conversations of every kind
(tests/harness/report_store.py), so no Rasa server is needed.
"""
from pathlib import Path

import pytest

from actions.knowledge import PROJECT_ROOT
from tests.harness.report_store import fill, varied_conversation, write_report

#: axe-core, the accessibility checker, installed by `make web` (web/package.json).
AXE_SCRIPT = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's tags of the rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Enough for every day, topic, kind of handling and several unanswered groups on the page.
CONVERSATIONS = 300


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report-page")
    url = f"sqlite:///{folder / 'conversations.db'}"
    fill(url, CONVERSATIONS, varied_conversation)
    return write_report(url, folder / "results") / "report.html"


@pytest.fixture
def report_page(make_page, report_file):
    page = make_page()
    page.goto(report_file.as_uri())
    return page


def test_every_chart_is_drawn_and_described(report_page):
    charts = report_page.eval_on_selector_all(
        "img", "images => images.map(image => ({alt: image.alt.trim(), width: image.naturalWidth}))"
    )
    assert charts, "the page has no chart"
    assert [chart for chart in charts if chart["width"] == 0 or not chart["alt"]] == []


def test_the_page_requests_nothing_but_itself_and_logs_no_error(report_page, report_file):
    assert report_page.requested_urls == [report_file.as_uri()], "the charts are inline: data: URLs, not requests"
    assert report_page.failed_requests == []
    assert report_page.console_errors == [] and report_page.page_errors == []


def test_axe_finds_no_wcag_2_1_aa_violation(report_page):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make web`")
    report_page.add_script_tag(path=str(AXE_SCRIPT))
    results = report_page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    violations = [
        f"{violation['id']} ({violation['help']}): {[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
    ]
    assert violations == [], "\n".join(violations)
