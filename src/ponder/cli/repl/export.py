"""Turn a chat session into files other commands run: a task file (``ponder run -f``) or eval cases.

A chat is a good place to find the questions worth keeping; exporting them makes them a batch
job or a regression test. Each exported task runs on its own, without the chat's history, so
the header of each file says so.
"""

from __future__ import annotations

from typing import Any

from ponder.sessions import SessionFile


def _dump(header: list[str], data: Any) -> str:
    import yaml

    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n" for line in header) + body


def task_file(session: SessionFile) -> str:
    """Every question of the session, in order, as ``ponder run -f`` reads them."""
    tasks = [
        {"id": f"{session.name}-{i}", "task": turn.task} for i, turn in enumerate(session.turns, start=1)
    ]
    header = [
        f"Questions from the chat session {session.name} (model {session.model or 'unknown'}), written by /export task.",
        "`ponder run -f` runs each task on its own, without the chat's earlier turns.",
    ]
    return _dump(header, {"tasks": tasks})


def eval_suite(session: SessionFile) -> str:
    """The answered questions as an eval suite (``ponder eval``) expecting the chat's answers and tool calls.

    The format is the suite format of ``ponder.evals.spec``; a person should check each
    ``expected`` before the suite gates anything.
    """
    cases: list[dict[str, Any]] = []
    for i, turn in enumerate(session.turns, start=1):
        if turn.answer is None:
            continue
        case: dict[str, Any] = {
            "id": f"{session.name}-{i}",
            "input": turn.task,
            "expected": turn.answer.strip(),
        }
        graders: list[dict[str, Any]] = [{"contains": turn.answer.strip()}]
        graders += [{"tool_called": name} for name in dict.fromkeys(turn.tools_called)]
        case["graders"] = graders
        cases.append(case)
    suite: dict[str, Any] = {"name": session.name}
    if session.model:
        suite["model"] = session.model
    if session.tools is not None:
        suite["tools"] = session.tools
    suite["cases"] = cases
    header = [
        f"Eval cases from the chat session {session.name}, written by /export eval.",
        "Each case expects the answer the chat gave: check every `expected` before gating CI on it.",
    ]
    return _dump(header, suite)
