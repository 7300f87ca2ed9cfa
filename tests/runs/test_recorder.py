"""RunRecorder: a header, then one line per event; secrets masked; one file per run."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

from ponder.agents import events as ev
from ponder.agents.result import RunResult, StopReason
from ponder.runs import Retention, RunRecorder
from ponder.runs.recorder import env_secrets_redactor
from tests.runs.run_helpers import record_run


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines()]


def finished(task: str = "t") -> ev.RunFinished:
    result = RunResult(task=task, answer="a", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1)
    return ev.RunFinished(result=result, stop_reason=StopReason.ANSWER)


def test_the_first_line_is_the_header_and_the_last_the_result(tmp_path: Path) -> None:
    path = record_run(tmp_path)
    data = lines(path)
    header = data[0]
    assert header["type"] == "RunHeader" and header["run_id"] == path.stem
    assert (header["task"], header["model"], header["source"]) == ("What is 17*23?", "scripted:script", "run")
    assert data[1]["type"] == "RunStarted"
    assert data[-1]["type"] == "RunFinished" and data[-1]["result"]["answer"] == "17*23 is 391."
    assert all(isinstance(d["t"], float) for d in data[1:])
    assert [d["t"] for d in data[1:]] == sorted(d["t"] for d in data[1:])


def test_a_steps_streamed_text_is_one_line(tmp_path: Path) -> None:
    data = lines(record_run(tmp_path))
    texts = [d for d in data if d["type"] == "TextDelta"]
    assert [(d["step"], d["text"]) for d in texts] == [
        (1, 'Let me compute.\n```json\n{"name": "calculator", "arguments": {"expression": "17*23"}}\n```'),
        (2, "17*23 is 391."),
    ]


def test_the_tool_call_and_its_result_are_recorded(tmp_path: Path) -> None:
    data = lines(record_run(tmp_path))
    call = next(d for d in data if d["type"] == "ToolCallStarted")
    result = next(d for d in data if d["type"] == "ToolResult")
    assert (call["name"], call["arguments"]) == ("calculator", {"expression": "17*23"})
    assert (result["output"], result["ok"], result["call_id"]) == ("391", True, call["call_id"])


def test_secrets_are_masked_everywhere_in_the_record(tmp_path: Path) -> None:
    secret = "sk-live-0123456789abcdefXYZ"
    redact = env_secrets_redactor({"MY_API_KEY": secret})
    path = record_run(tmp_path, f"Use the key {secret} to compute 17*23", redact=redact,
                      replies=[f"I was given {secret}.\n" + '```json\n{"name": "calculator", "arguments": {"expression": "17*23"}}\n```',
                               f"Done; the key was {secret}."])
    text = path.read_text()
    assert secret not in text
    assert "[redacted:MY_API_KEY]" in text
    assert lines(path)[0]["task"] == "Use the key [redacted:MY_API_KEY] to compute 17*23"


def test_well_known_key_shapes_are_masked_without_any_variable() -> None:
    redact = env_secrets_redactor({})
    assert redact("token ghp_abcdefghijklmnopqrstuvwxyz0123 here") == "token [redacted] here"
    assert redact("nothing secret") == "nothing secret"


def test_only_the_owner_can_read_a_record(tmp_path: Path) -> None:
    path = record_run(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_second_run_fed_to_the_same_recorder_gets_its_own_file(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path, redact=lambda s: s)
    paths = []
    for task in ("first", "second"):
        recorder(ev.RunStarted(task=task, model="m", protocol="native", tools=()))
        recorder(finished(task))
        paths.append(recorder.path)
    recorder.close()
    assert paths[0] != paths[1]
    assert [lines(p)[0]["task"] for p in paths if p] == ["first", "second"]


def test_events_from_many_threads_are_written_as_whole_lines(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path, redact=lambda s: s)
    recorder(ev.RunStarted(task="t", model="m", protocol="native", tools=()))
    big = "y" * 20_000

    def emit(n: int) -> None:
        for i in range(50):
            recorder(ev.Thought(step=n * 100 + i, text=big))

    threads = [threading.Thread(target=emit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.close()
    assert recorder.path is not None
    thoughts = [d for d in lines(recorder.path) if d["type"] == "Thought"]
    assert len(thoughts) == 200 and all(d["text"] == big for d in thoughts)


def test_starting_a_record_prunes_the_oldest_beyond_the_limit(tmp_path: Path) -> None:
    kept = [record_run(tmp_path, f"task {i}") for i in range(3)]
    recorder = RunRecorder(tmp_path, redact=lambda s: s, retention=Retention(keep=2, max_age_days=None))
    recorder(ev.RunStarted(task="new", model="m", protocol="native", tools=()))
    recorder.close()
    remaining = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert len(remaining) == 2
    assert recorder.path is not None and recorder.path.name in remaining
    assert kept[0].name not in remaining


def test_record_passes_the_events_through_and_closes_the_file(tmp_path: Path) -> None:
    from ponder.agents.agent import Agent
    from ponder.backends.scripted import ScriptedBackend

    recorder = RunRecorder(tmp_path, redact=lambda s: s)
    seen = [type(e).__name__ for e in recorder.record(Agent(ScriptedBackend(["hi"])).stream("say hi"))]
    assert seen[0] == "RunStarted" and seen[-1] == "RunFinished"
    assert recorder.path is not None and [d["type"] for d in lines(recorder.path)][1:] == ["RunStarted", *seen[1:]]


def test_an_agent_used_as_a_tool_is_recorded_with_its_run_and_read_back_nested(tmp_path: Path) -> None:
    from ponder.agents.agent import Agent
    from ponder.backends.scripted import Scripted, ScriptedBackend
    from ponder.runs.format import event_from_dict
    from ponder.tools.builtin.calculator import calculator

    inner = Agent(ScriptedBackend([Scripted(tool_calls=[("calculator", {"expression": "17*23"})]), "391"]), tools=[calculator])
    outer = Agent(
        ScriptedBackend([Scripted(tool_calls=[("mathematician", {"task": "17*23"})]), "It is 391."]),
        tools=[inner.as_tool(name="mathematician", description="Does arithmetic.")],
    )
    recorder = RunRecorder(tmp_path, source="run", redact=lambda text: text)
    with recorder:
        for event in outer.stream("What is 17*23?"):
            recorder(event)
    assert recorder.path is not None
    line = next(d for d in lines(recorder.path) if d["type"] == "ToolResult")
    assert line["inner"]["answer"] == "391"
    read = event_from_dict(line)
    assert isinstance(read, ev.ToolResult) and isinstance(read.inner, RunResult)
    assert [(c.name, c.output) for c in read.inner.trajectory] == [("calculator", "391")]
