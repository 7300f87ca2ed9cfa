"""The turn view: streamed text in the live region, steps, the answer, errors (rendered by rich)."""

from __future__ import annotations

import io

from rich.console import Console

from ponder.agents import events as ev
from ponder.agents.result import RunResult, StopReason
from ponder.cli.repl.output import Output
from ponder.cli.repl.view import TurnView


def output(interactive: bool = True) -> tuple[Output, io.StringIO]:
    buffer = io.StringIO()
    out = Output(interactive=interactive)
    console = Console(file=buffer, width=80, height=10, color_system=None, force_terminal=interactive)
    out.__dict__["console"] = console
    out.__dict__["info"] = console
    return out, buffer


def finished(stop: StopReason, answer: str | None) -> ev.RunFinished:
    result = RunResult(
        task="t", answer=answer, stop_reason=stop, model="scripted:x", protocol="native", steps=1
    )
    return ev.RunFinished(result=result, stop_reason=stop)


def test_streamed_text_shows_live_then_the_answer_as_markdown() -> None:
    out, buffer = output()
    view = TurnView(out, show_steps=False)
    view(ev.StepStarted(step=1))
    view(ev.TextDelta(step=1, text="The answer is "))
    view(ev.TextDelta(step=1, text="**42**"))
    rendered = io.StringIO()
    Console(file=rendered, width=80, color_system=None).print(view._render())
    assert "The answer is **42**" in rendered.getvalue()  # raw while streaming
    view(ev.Answer(text="The answer is **42**"))
    view(finished(StopReason.ANSWER, "The answer is **42**"))
    view.close()
    assert "The answer is 42" in buffer.getvalue()  # Markdown once it is complete


def test_live_region_keeps_the_latest_lines_in_view() -> None:
    out, _ = output()
    view = TurnView(out, show_steps=False)
    view.text = "\n".join(f"line {i}" for i in range(100))
    rendered = io.StringIO()
    Console(file=rendered, width=80, color_system=None).print(view._render())
    assert "line 99" in rendered.getvalue()
    assert "line 0\n" not in rendered.getvalue()


def test_steps_print_tool_calls_and_results() -> None:
    out, buffer = output()
    view = TurnView(out, show_steps=True)
    view(ev.StepStarted(step=1))
    view(ev.ToolCallStarted(step=1, call_id="c1", name="calculator", arguments={"expression": "6*7"}))
    view(
        ev.ToolResult(
            step=1, call_id="c1", name="calculator", output="42", ok=True, error_kind=None, seconds=0.01
        )
    )
    view.close()
    text = buffer.getvalue()
    assert '→ calculator {"expression": "6*7"}' in text
    assert "✓ 42" in text


def test_no_answer_says_why_and_how_to_fix() -> None:
    out, buffer = output()
    view = TurnView(out, show_steps=False)
    view(finished(StopReason.MAX_STEPS, None))
    assert "no answer: the step limit was reached (raise it with --max-steps)" in buffer.getvalue()


def test_error_is_one_line_with_the_fix() -> None:
    out, buffer = output(interactive=False)
    view = TurnView(out, show_steps=False)
    view(
        ev.ErrorEvent(message="Ollama does not answer at 127.0.0.1:11434", fix="start it with `ollama serve`")
    )
    view(finished(StopReason.ERROR, None))
    lines = [line for line in buffer.getvalue().splitlines() if line]
    assert lines == ["error: Ollama does not answer at 127.0.0.1:11434 · fix: start it with `ollama serve`"]


def test_with_steps_on_an_agent_used_as_a_tool_shows_its_calls_nested() -> None:
    from ponder.agents.result import ToolCallRecord

    out, buffer = output(interactive=False)
    view = TurnView(out, show_steps=True)
    inner = RunResult(
        task="17*23", answer="391", stop_reason=StopReason.ANSWER, model="local:qwen", protocol="native", steps=2,
        trajectory=[ToolCallRecord(step=1, name="calculator", arguments={"expression": "17*23"}, output="391", ok=True)],
    )
    view(ev.ToolCallStarted(step=1, call_id="c1", name="mathematician", arguments={"task": "17*23"}))
    view(ev.ToolResult(step=1, call_id="c1", name="mathematician", output="391", ok=True, error_kind=None, seconds=3.0, inner=inner))
    view.close()
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    at = lines.index('→ mathematician {"task": "17*23"}')
    assert lines[at + 1] == '  ┊ → calculator {"expression": "17*23"}'
    assert lines[at + 2] == "  ┊   ✓ 391 (0.00s)"
    assert lines[at + 3].startswith("  ┊ ■ local:qwen · answer · 2 steps · 1 tool call")
    assert lines[at + 4] == "  ✓ 391 (3.00s)"


def test_trace_nests_the_inner_run_under_its_call() -> None:
    from ponder.agents.result import ToolCallRecord
    from ponder.cli.repl.commands.info import trace_lines

    inner = RunResult(task="sub", answer="inner answer", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1)
    outer = RunResult(
        task="main", answer="done", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1,
        trajectory=[ToolCallRecord(step=1, name="helper", arguments={"task": "sub"}, output="inner answer", ok=True, inner=inner)],
    )
    lines = trace_lines(outer)
    at = lines.index("    inner answer")
    assert lines[at + 1] == "    ┊ task: sub"
    assert "    ┊ answer: inner answer" in lines
