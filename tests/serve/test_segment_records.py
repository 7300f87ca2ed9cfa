"""A paused run's records, rebuilt from its events (``serve.runner._Recorder``): what the loop itself records."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="ponder serve needs pip install 'ponder[serve]'")

from ponder.agents import events as ev  # noqa: E402
from ponder.agents.result import RunResult, StopReason  # noqa: E402
from ponder.errors import MistakeKind  # noqa: E402
from ponder.serve.runner import _Recorder  # noqa: E402
from ponder.usage import Usage  # noqa: E402


def test_a_nudge_is_no_trajectory_record_but_an_unreadable_call_is() -> None:
    recorder = _Recorder()
    for kind in (MistakeKind.NOT_CALLED, MistakeKind.BY_HAND, MistakeKind.INVALID_OUTPUT, MistakeKind.PARSE):
        recorder.feed(ev.ModelMistakeEvent(step=1, kind=kind, observation=f"about {kind}"))
    assert [(r.error_kind, r.output) for r in recorder.trajectory] == [(MistakeKind.PARSE, "about parse")]


def test_an_agent_used_as_a_tool_keeps_its_run_and_its_usage_counts() -> None:
    inner = RunResult(
        task="17*23", answer="391", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1,
        usage=Usage(prompt_tokens=100, completion_tokens=5, model_calls=1),
    )  # fmt: skip
    recorder = _Recorder()
    recorder.feed(ev.ToolCallStarted(step=1, call_id="c1", name="mathematician", arguments={"task": "17*23"}))
    recorder.feed(ev.ToolResult(step=1, call_id="c1", name="mathematician", output="391", ok=True, error_kind=None, seconds=0.1, inner=inner))
    (record,) = recorder.trajectory
    assert record.inner == inner and record.arguments == {"task": "17*23"}
    assert (recorder.usage.prompt_tokens, recorder.usage.completion_tokens) == (100, 5)
