"""`ponder run --steps` and `ponder runs show`: each step shown once, as a user reads it."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

from rich.console import Console

from ponder.agents import events as ev
from ponder.agents.result import RunResult, StopReason
from ponder.cli.render import StepPrinter
from tests.cli.terminal import Terminal

PONDER = str(Path(sys.executable).with_name("ponder"))
FENCED_CALL = 'I need the calculator.\n```json\n{"name": "calculator", "arguments": {"expression": "17*23"}}\n```'


def script(tmp_path: Path, replies: list[object]) -> str:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def test_steps_in_a_terminal_show_the_thought_the_call_and_the_answer_once(tmp_path: Path) -> None:
    model = script(tmp_path, [FENCED_CALL, "17*23 is 391."])
    term = Terminal([PONDER, "run", "--steps", "-m", model, "--tools", "calculator", "What is 17*23?"],
                    env={**os.environ, "TERM": "xterm-256color"}, cwd=str(tmp_path))
    term.wait(lambda: term.eof, what="the end of the run")
    screen = term.text()
    assert "thought I need the calculator." in screen
    assert '→ calculator {"expression": "17*23"}' in screen
    assert "✓ 391" in screen
    assert "```" not in screen  # the raw call text is not left on screen
    assert term.count("I need the calculator") == 1
    assert term.count(r"17\*23 is 391\.") == 1


def test_steps_in_a_pipe_print_no_raw_model_text(tmp_path: Path) -> None:
    import subprocess

    model = script(tmp_path, [FENCED_CALL, "17*23 is 391."])
    out = subprocess.run([PONDER, "run", "--steps", "-m", model, "--tools", "calculator", "What is 17*23?"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("I need the calculator") == 1
    assert '"name": "calculator"' not in out.stderr
    assert "17*23 is 391." not in out.stderr and out.stdout.strip() == "17*23 is 391."


def _printed(*events: ev.Event, show_answer: bool) -> str:
    buffer = io.StringIO()
    printer = StepPrinter(Console(file=buffer, width=100, color_system=None), show_answer=show_answer)
    for event in events:
        printer(event)
    return buffer.getvalue()


def test_the_answer_is_printed_by_the_step_view_only_when_asked() -> None:
    result = RunResult(task="t", answer="42", stop_reason=StopReason.ANSWER, model="m", protocol="native", steps=1)
    events = (ev.TextDelta(step=1, text="42"), ev.Answer(text="42"), ev.RunFinished(result=result, stop_reason=StopReason.ANSWER))
    assert "answer 42" in _printed(*events, show_answer=True)
    assert "42" not in _printed(*events, show_answer=False).split("■")[0]


def test_markup_in_model_text_is_shown_as_written() -> None:
    shown = _printed(ev.Thought(step=1, text="use [bold]x[/bold] here"), show_answer=False)
    assert "use [bold]x[/bold] here" in shown
