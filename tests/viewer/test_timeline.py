"""A run's record laid out in time: model calls and tool calls per step."""

from __future__ import annotations

from pathlib import Path

from ponder.runs import load_run
from ponder.viewer.timeline import build_timeline
from tests.runs.run_helpers import record_run


def test_steps_calls_and_the_answer_come_from_the_record(tmp_path: Path) -> None:
    tl = build_timeline(load_run(record_run(tmp_path)).lines)
    assert [s.number for s in tl.steps] == [1, 2]
    first = tl.steps[0]
    assert first.thought == "Let me compute."
    assert [(c.name, c.arguments, c.output, c.ok) for c in first.calls] == [("calculator", {"expression": "17*23"}, "391", True)]
    assert tl.answer == "17*23 is 391."


def test_spans_are_ordered_in_time() -> None:
    lines = [
        {"type": "StepStarted", "t": 0.0, "step": 1},
        {"type": "UsageEvent", "t": 1.5, "step": 1, "prompt_tokens": 10, "completion_tokens": 5},
        {"type": "ToolCallStarted", "t": 1.6, "step": 1, "call_id": "a", "name": "sleep", "arguments": {}},
        {"type": "ToolResult", "t": 3.6, "step": 1, "call_id": "a", "name": "sleep", "output": "", "ok": False, "error_kind": "timeout", "seconds": 2.0},
        {"type": "StepStarted", "t": 3.7, "step": 2},
    ]
    tl = build_timeline(lines)
    step = tl.steps[0]
    assert (step.start, step.model_end, step.calls[0].start, step.calls[0].end) == (0.0, 1.5, 1.6, 3.6)
    assert step.calls[0].error_kind == "timeout"
    assert tl.total == 3.7


def test_lines_without_times_use_the_seconds_a_tool_reports() -> None:
    lines = [
        {"type": "StepStarted", "step": 1},
        {"type": "ToolCallStarted", "step": 1, "call_id": "a", "name": "x", "arguments": {}},
        {"type": "ToolResult", "step": 1, "call_id": "a", "name": "x", "output": "o", "ok": True, "seconds": 0.25},
    ]
    assert build_timeline(lines).steps[0].calls[0].end == 0.25
