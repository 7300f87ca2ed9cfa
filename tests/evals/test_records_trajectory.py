"""Eval records carry the whole trajectory: step texts, tool calls with arguments, results and seconds."""

from __future__ import annotations

import json
from pathlib import Path

from ponder.agents.result import RunResult, StepRecord, StopReason, ToolCallRecord
from ponder.evals.records import RECORD_CHARS, CaseRecord, read_log, trajectory_fields
from tests.evals.report_helpers import run_suite


def test_a_record_keeps_each_steps_text_and_each_tool_call(tmp_path: Path) -> None:
    report = run_suite(tmp_path / "log.jsonl", divide_wrong=True)
    divide = next(r for r in report.records if r.case == "divide")
    assert [s.text for s in divide.step_records] == ["I will divide with the calculator.", "The answer is 168."]
    assert divide.step_records[0].prompt_tokens > 0 and divide.step_records[0].completion_tokens > 0
    call = divide.tool_calls[0]
    assert (call.name, call.arguments, call.output, call.step, call.ok) == ("calculator", {"expression": "84*2"}, "168", 1, True)
    assert call.seconds is not None and call.seconds >= 0
    assert [(g.grader, g.passed) for g in divide.grades] == [("numeric", False), ("tool_called:calculator", True)]
    assert "found 168" in divide.grades[0].reason


def test_the_log_on_disk_holds_the_same_trajectory(tmp_path: Path) -> None:
    run_suite(tmp_path / "log.jsonl", divide_wrong=True)
    records = read_log(tmp_path / "log.jsonl").records
    assert records["divide#0"].step_records[1].text == "The answer is 168."
    assert records["divide#0"].tool_calls[0].arguments == {"expression": "84*2"}


def test_long_tool_results_and_step_texts_are_cut_saying_how_much() -> None:
    long = "x" * (RECORD_CHARS + 250)
    result = RunResult(
        task="t", answer="a", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1,
        trajectory=[ToolCallRecord(step=1, name="read", arguments={}, output=long, ok=True)],
        step_records=[StepRecord(step=1, text=long)],
    )
    fields = trajectory_fields(result)
    assert fields["tool_calls"][0].output.startswith("x" * RECORD_CHARS)
    assert fields["tool_calls"][0].output.endswith("[… 250 more characters not recorded]")
    assert fields["step_records"][0].text.endswith("[… 250 more characters not recorded]")


def test_a_record_from_an_older_log_without_the_new_fields_still_reads(tmp_path: Path) -> None:
    old = {
        "type": "case", "key": "c#0", "case": "c", "repeat": 0, "status": "pass", "answer": "42",
        "tool_calls": [{"name": "calculator", "arguments": {"expression": "6*7"}, "ok": True, "output": "42"}],
    }
    log = tmp_path / "old.jsonl"
    log.write_text(json.dumps({"type": "manifest", "suite": "s"}) + "\n" + json.dumps(old) + "\n")
    records = read_log(log).records
    record = records["c#0"]
    assert isinstance(record, CaseRecord)
    assert record.step_records == [] and record.tool_calls[0].step is None and record.tool_calls[0].seconds is None
