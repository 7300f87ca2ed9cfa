"""The inline approval prompt: yes, no, always; the base approver (--yes, allow-list) first."""

from __future__ import annotations

from ponder.cli.repl.approval import InlineApprover, PipeApprover
from ponder.tools.base import Tool


def shell(command: str) -> str:
    """Run a command.

    Args:
        command: the command line
    """
    return command


TOOL = Tool.from_function(shell, needs_approval=True)


def approver(answers: list[str], *, base: bool = False) -> tuple[InlineApprover, list[str], list[str]]:
    asked: list[str] = []
    said: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return answers.pop(0)

    return InlineApprover(lambda t, a: base, ask=ask, say=said.append), asked, said


def test_yes_runs_once_and_asks_again_next_time() -> None:
    approve, asked, said = approver(["y", "yes"])
    assert approve(TOOL, {"command": "ls"}) is True
    assert approve(TOOL, {"command": "ls"}) is True
    assert len(asked) == 2
    assert 'shell needs your approval to run with {"command": "ls"}' in said[0]


def test_no_and_empty_refuse() -> None:
    approve, _, said = approver(["n", ""])
    assert approve(TOOL, {"command": "rm -rf /"}) is False
    assert approve(TOOL, {"command": "rm -rf /"}) is False
    assert any("refused" in line for line in said)


def test_always_stops_asking_for_that_tool() -> None:
    approve, asked, _ = approver(["a"])
    assert approve(TOOL, {"command": "ls"}) is True
    assert approve(TOOL, {"command": "pwd"}) is True
    assert len(asked) == 1


def test_an_unclear_answer_is_asked_again() -> None:
    approve, asked, said = approver(["maybe", "y"])
    assert approve(TOOL, {"command": "ls"}) is True
    assert len(asked) == 2
    assert "please answer y, n or a" in [line.strip() for line in said]


def test_the_base_approver_skips_the_question() -> None:
    approve, asked, _ = approver([], base=True)
    assert approve(TOOL, {"command": "ls"}) is True
    assert asked == []


def test_pipe_refuses_and_says_how_to_allow() -> None:
    said: list[str] = []
    assert PipeApprover(lambda t, a: False, say=said.append)(TOOL, {"command": "ls"}) is False
    assert "--yes" in said[0] and "allow_tools_without_approval" in said[0]
