"""The HTML report in a real headless Chromium: filter, expand a failing case, compare, no JS error."""

from __future__ import annotations

from pathlib import Path

from ponder.evals.html_report import to_html
from ponder.evals.report import load_report
from tests.browser import chromium
from tests.evals.report_helpers import write_logs


def report_file(tmp_path: Path, *, with_baseline: bool) -> Path:
    baseline, current = write_logs(tmp_path)
    page = tmp_path / "report.html"
    page.write_text(to_html(load_report(current), baseline=load_report(baseline) if with_baseline else None), encoding="utf-8")
    return page


def visible_keys(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all("#cases-body tr.case", "rows => rows.map(r => r.dataset.key)")  # type: ignore[no-any-return]


def test_filter_then_expand_the_failing_case_and_read_its_tool_call(tmp_path: Path) -> None:
    path = report_file(tmp_path, with_baseline=False)
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(path.as_uri())
        assert sorted(visible_keys(page)) == ["divide#0", "greet#0", "multiply#0"]
        page.fill("#search", "calculator")
        assert sorted(visible_keys(page)) == ["divide#0", "multiply#0"]
        page.click('#status-filters [data-status="fail"]')
        assert visible_keys(page) == ["divide#0"]
        assert page.inner_text("#shown") == "1 of 3 runs"
        page.click('tr.case[data-key="divide#0"]')
        detail = page.locator("td.detail")
        assert detail.is_visible()
        text = detail.inner_text()
        assert '→ calculator({"expression":"84*2"})' in text
        assert "168" in text and "I will divide with the calculator." in text
        assert "✗ numeric: expected 42 (±1e-06), found 168" in text
        page.screenshot(path=str(tmp_path / "report-expanded.png"), full_page=True)
        assert (tmp_path / "report-expanded.png").stat().st_size > 10_000
        assert b.errors == []
        assert b.remote_requests() == []


def test_sorting_by_seconds_and_by_tag(tmp_path: Path) -> None:
    path = report_file(tmp_path, with_baseline=False)
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(path.as_uri())
        page.select_option("#tag-filter", "talk")
        assert visible_keys(page) == ["greet#0"]
        page.select_option("#tag-filter", "")
        page.click('#cases-head th[data-key="status"]')
        assert visible_keys(page)[-1] == "divide#0"  # pass before fail, ascending
        assert page.get_attribute('#cases-head th[data-key="status"]', "aria-sort") == "ascending"
        page.click('#cases-head th[data-key="status"]')
        assert visible_keys(page)[0] == "divide#0"
        assert b.errors == []


def test_the_baseline_tab_shows_the_flip_and_both_trajectories_side_by_side(tmp_path: Path) -> None:
    path = report_file(tmp_path, with_baseline=True)
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(path.as_uri())
        assert not page.is_visible("#panel-compare")
        page.click("#tab-compare")
        assert page.is_visible("#panel-compare") and not page.is_visible("#panel-cases")
        assert "no significant change" in page.inner_text("#compare-test")
        assert "1 pass → fail" in page.inner_text("#compare-score")
        page.click('#flips-body tr.case[data-key="divide#0"]')
        sides = page.locator("#flips-body .side > div")
        assert sides.count() == 2
        assert '→ calculator({"expression":"84/2"})' in sides.nth(0).inner_text()
        assert '→ calculator({"expression":"84*2"})' in sides.nth(1).inner_text()
        page.screenshot(path=str(tmp_path / "report-compare.png"), full_page=True)
        assert b.errors == []


def test_a_link_to_a_case_opens_it(tmp_path: Path) -> None:
    path = report_file(tmp_path, with_baseline=False)
    with chromium(tmp_path) as b:
        b.page.goto(path.as_uri() + "#case=divide%230")
        assert b.page.locator('tr.case[data-key="divide#0"]').get_attribute("aria-expanded") == "true"
        assert b.page.locator("td.detail").is_visible()
        assert b.errors == []


def test_a_case_opens_from_the_keyboard(tmp_path: Path) -> None:
    path = report_file(tmp_path, with_baseline=False)
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(path.as_uri())
        page.focus('tr.case[data-key="divide#0"]')
        page.keyboard.press("Enter")
        assert page.locator('tr.case[data-key="divide#0"]').get_attribute("aria-expanded") == "true"
        page.keyboard.press("Enter")  # the row keeps the focus: Enter closes it again
        assert page.locator("td.detail").count() == 0
        assert b.errors == []
