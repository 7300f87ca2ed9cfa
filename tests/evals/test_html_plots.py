"""The report's plots: one bar per tag and per run, scaled to what they show."""

from __future__ import annotations

import re

from ponder.evals.html_plots import seconds_per_case, tag_pass_rates
from ponder.evals.records import CaseRecord
from ponder.evals.report import aggregate


def record(key: str, status: str, seconds: float, tags: list[str]) -> CaseRecord:
    return CaseRecord(key=key, case=key, repeat=0, status=status, seconds=seconds, tags=tags)  # type: ignore[arg-type]


def test_each_tag_gets_a_bar_as_long_as_its_pass_rate() -> None:
    tags = {
        "all": aggregate([record("a", "pass", 1, ["all"]), record("b", "pass", 1, ["all"])]),
        "half": aggregate([record("c", "pass", 1, ["half"]), record("d", "fail", 1, ["half"])]),
    }
    svg = tag_pass_rates(tags)
    widths = [float(w) for w in re.findall(r'<rect class="bar pass"[^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2
    assert "100% (2/2)" in svg and "50% (1/2)" in svg


def test_a_tag_with_nothing_graded_says_so_instead_of_a_bar() -> None:
    svg = tag_pass_rates({"x": aggregate([record("a", "error", 1, ["x"])])})
    assert "not graded" in svg and 'class="bar' not in svg


def test_each_run_gets_a_bar_coloured_by_status_slowest_first_and_skipped_runs_none() -> None:
    svg = seconds_per_case([record("fast", "pass", 0.5, []), record("slow", "fail", 2.0, []), record("s", "skipped", 0, [])])
    bars = re.findall(r'<rect class="bar (\w+)"[^>]*height="([\d.]+)"><title>([^<]+)</title>', svg)
    assert [(status, title.split(":")[0]) for status, _, title in bars] == [("fail", "slow"), ("pass", "fast")]
    assert float(bars[0][1]) > 3 * float(bars[1][1])
