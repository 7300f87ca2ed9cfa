"""Reports: statistics, JSON round trip, JUnit XML, Markdown, comparisons and the gate."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ponder.evals.compare import compare
from ponder.evals.gate import judge_run
from ponder.evals.junit import to_junit
from ponder.evals.markdown import to_markdown
from ponder.evals.records import CaseRecord, GradeRecord
from ponder.evals.report import Report, build_report, load_report
from ponder.evals.stats import mcnemar_exact, pass_at_k, pass_hat_k, wilson


def rec(case: str, status: str, repeat: int = 0, *, tags: tuple[str, ...] = ("t",), seconds: float = 1.0, tokens: int = 100) -> CaseRecord:
    grades = [] if status in ("error", "skipped") else [GradeRecord(grader="exact", passed={"pass": True, "fail": False}.get(status), reason="expected 'x', got 'y'" if status == "fail" else "")]
    return CaseRecord(key=f"{case}#{repeat}", case=case, repeat=repeat, status=status, tags=list(tags), grades=grades,  # type: ignore[arg-type]
                      answer="y", steps=2, prompt_tokens=tokens, seconds=seconds, error="BackendUnavailable: down" if status == "error" else None)


def report(*records: CaseRecord, suite: str = "s", digest: str = "d1") -> Report:
    return build_report({"suite": suite, "model": "scripted:x", "suite_digest": digest, "repeat": 1}, records)


# -- statistics --------------------------------------------------------------------------------------
def test_wilson_interval_matches_known_values() -> None:
    low, high = wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_pass_at_k_and_pass_hat_k() -> None:
    assert pass_at_k(5, 0, 3) == 0.0 and pass_at_k(5, 5, 3) == 1.0
    assert math.isclose(pass_at_k(5, 2, 2), 1 - math.comb(3, 2) / math.comb(5, 2))
    assert math.isclose(pass_hat_k(5, 4, 2), math.comb(4, 2) / math.comb(5, 2))
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_mcnemar_exact_two_sided() -> None:
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(6, 0) == pytest.approx(2 / 64)  # every flip the same way: p = 2 * 0.5^6
    assert mcnemar_exact(5, 0) == pytest.approx(2 / 32)  # five are not enough at 0.05
    assert mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(8, 2) == mcnemar_exact(2, 8) == pytest.approx(2 * (1 + 10 + 45) / 1024)


# -- aggregates ---------------------------------------------------------------------------------------------
def test_errors_unscored_and_skipped_stay_out_of_the_score() -> None:
    r = report(rec("a", "pass"), rec("b", "fail"), rec("c", "error"), rec("d", "unscored"), rec("e", "skipped"))
    o = r.overall
    assert (o.passed, o.failed, o.errors, o.unscored, o.skipped, o.runs) == (1, 1, 1, 1, 1, 4)
    assert o.score == 0.5 and o.ci_low is not None and o.ci_low < 0.5 < (o.ci_high or 0)


def test_per_tag_and_per_case_summaries() -> None:
    r = report(rec("a", "pass", tags=("x",)), rec("b", "fail", tags=("x", "y")), rec("b", "pass", 1, tags=("x", "y")))
    assert r.tags["x"].score == pytest.approx(2 / 3) and r.tags["y"].score == 0.5
    b = next(c for c in r.cases if c.id == "b")
    assert (b.passed, b.failed) == (1, 1) and "expected 'x'" in b.reason


def test_json_report_round_trips(tmp_path: Path) -> None:
    r = report(rec("a", "pass"), rec("b", "fail"))
    path = tmp_path / "r.json"
    path.write_text(r.model_dump_json(), encoding="utf-8")
    assert load_report(path) == r


# -- JUnit and Markdown -------------------------------------------------------------------------------------
def test_junit_is_xml_with_one_testcase_per_run() -> None:
    xml = to_junit(report(rec("a", "pass"), rec("b", "fail"), rec("c", "error"), rec("d", "skipped"), rec("e", "unscored")))
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("5", "1", "1", "2")
    cases = {tc.get("name"): tc for tc in suite.iter("testcase")}
    assert set(cases) == {"a", "b", "c", "d", "e"}
    failure = cases["b"].find("failure")
    assert failure is not None and "expected 'x'" in (failure.get("message") or "")
    assert cases["c"].find("error") is not None and cases["d"].find("skipped") is not None


def test_markdown_summary_has_the_score_tags_and_failures() -> None:
    text = to_markdown(report(rec("a", "pass"), rec("b", "fail"), rec("c", "pass", tags=("u",))))
    assert text.startswith("### ❌ Eval `s`: 2/3 passed (66.7%, 95% CI")
    assert "| t | 2 | 50.0% |" in text and "| u | 1 | 100.0% |" in text
    assert "| `b` | 0.0% | exact: expected 'x', got 'y' |" in text
    assert "✅" in to_markdown(report(rec("a", "pass")))


# -- comparing and gating ---------------------------------------------------------------------------------
def paired(before: list[str], after: list[str]) -> tuple[Report, Report]:
    a = report(*[rec(f"c{i}", s) for i, s in enumerate(before)])
    b = report(*[rec(f"c{i}", s, seconds=2.0, tokens=150) for i, s in enumerate(after)], digest="d2")
    return a, b


def test_compare_lists_flips_and_tests_them() -> None:
    a, b = paired(["pass"] * 8 + ["fail"] * 2, ["fail"] * 6 + ["pass"] * 4)
    c = compare(a, b)
    assert c.pass_to_fail == [f"c{i}#0" for i in range(6)] and c.fail_to_pass == ["c8#0", "c9#0"]
    assert c.paired == 10 and c.score_a == 0.8 and c.score_b == 0.4
    assert c.p_value == pytest.approx(mcnemar_exact(6, 2)) and not c.significant
    assert c.tokens_a == 100 and c.tokens_b == 150 and c.seconds_b == 2.0 and c.suite_changed


def test_a_regression_needs_both_a_big_drop_and_significance() -> None:
    a, b = paired(["pass"] * 10, ["fail"] * 6 + ["pass"] * 4)
    c = compare(a, b)
    assert c.significant and c.regressed(0.1) and not c.regressed(0.7)
    small_a, small_b = paired(["pass"] * 10, ["fail"] * 2 + ["pass"] * 8)
    assert not compare(small_a, small_b).regressed(0.0)  # a 20-point drop on 2 flips is not significant


def test_the_gate_states_each_verdict() -> None:
    r = report(rec("a", "pass"), rec("b", "fail"), rec("c", "error"))
    v = judge_run(r, min_score=0.6)
    assert v.errors == 1 and v.below_min and not v.regression
    assert "below --min-score" in " ".join(v.messages)
    clean = judge_run(report(rec("a", "pass")), min_score=0.6)
    assert clean.ok
