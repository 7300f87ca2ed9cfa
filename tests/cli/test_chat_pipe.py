"""``ponder chat`` with stdin from a pipe: each line is a message, answers on stdout, the rest on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.chat_helpers import pipe_chat, write_script


def test_a_piped_question_is_answered_on_stdout() -> None:
    done = pipe_chat("what is up?\n", "-m", "scripted:echo")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "You said: what is up?\n"


def test_each_line_is_a_turn_of_one_conversation() -> None:
    done = pipe_chat("my name is Ada\n\nwhat is my name?\n/history\n", "-m", "scripted:echo")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["You said: my name is Ada", "You said: what is my name?"]
    # /history (on stderr) shows that the second turn saw the first
    assert "my name is Ada" in done.stderr and "what is my name?" in done.stderr


def test_a_failed_turn_is_reported_and_the_next_line_still_runs(tmp_path: Path) -> None:
    spec = write_script(tmp_path / "s.yaml", [{"fail": "server down"}, "second answer"])
    done = pipe_chat("first\nsecond\n", "-m", spec)
    assert done.returncode == 1  # one message got no answer
    assert done.stdout == "second answer\n"
    assert "error: server down · fix: this failure was scripted by the test" in done.stderr


def test_steps_go_to_stderr_so_stdout_holds_only_the_answer(tmp_path: Path) -> None:
    spec = write_script(
        tmp_path / "s.yaml",
        [{"text": "", "tool_calls": [{"name": "calculator", "arguments": {"expression": "2**10"}}]}, "1024"],
    )
    done = pipe_chat("2 to the 10th?\n", "-m", spec, "--steps")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1024\n"
    assert '→ calculator {"expression": "2**10"}' in done.stderr


def test_a_tool_that_needs_approval_is_refused_without_yes(tmp_path: Path) -> None:
    call = {"text": "", "tool_calls": [{"name": "shell", "arguments": {"command": "echo hi"}}]}
    spec = write_script(tmp_path / "s.yaml", [call, "could not run it"])
    done = pipe_chat("run echo\n", "-m", spec, "--tools", "shell", cwd=tmp_path)
    assert done.stdout == "could not run it\n"
    assert "refused: shell needs approval and there is no terminal to ask (fix: pass --yes" in done.stderr


def test_pipe_mode_saves_only_when_asked(tmp_path: Path) -> None:
    pipe_chat("hello\n", "-m", "scripted:echo")
    nothing = pipe_chat("", "--resume")
    assert nothing.returncode == 2
    assert "there is no saved session to resume" in nothing.stderr
    pipe_chat("hello\n/save piped\n", "-m", "scripted:echo")
    resumed = pipe_chat("/history\n", "--resume", "piped")
    assert resumed.returncode == 0, resumed.stderr
    assert "hello" in resumed.stderr


def test_the_prompt_path_does_not_import_llama_index() -> None:
    """Startup speed: the REPL modules load without LlamaIndex (it is imported in the background)."""
    code = (
        "import sys, ponder.cli.main, ponder.cli.chat, ponder.cli.repl.app, ponder.cli.repl.pipe; "
        "print(sorted(m for m in sys.modules if m.startswith(('llama_index', 'rich', 'pydantic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_double_slash_sends_a_message_that_starts_with_a_slash() -> None:
    done = pipe_chat("//etc/hosts is a file\n", "-m", "scripted:echo")
    assert done.stdout == "You said: /etc/hosts is a file\n"
