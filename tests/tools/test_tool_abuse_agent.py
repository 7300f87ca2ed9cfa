"""Abuse through the real loop: each refusal or limit is an observation, and the agent keeps going to an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.agents.result import StopReason
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.tools.approval import ApprovalPolicy
from ponder.tools.base import Tool
from ponder.tools.registry import load_registry
from ponder.tools.selection import pick
from ponder.tools.settings import ToolSettings


@pytest.fixture
def tools(tmp_path: Path) -> list[Tool]:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("hunter2")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    settings = ToolSettings(file_roots=(root,), python_timeout=2, python_processes=16, output_bytes=50_000)
    registry = load_registry(settings=settings)
    return pick(["calculator", "read_file", "fetch_url", "python"], registry)


ABUSE = [
    ("calculator", {"expression": "9**9**9"}, "is too large"),
    ("read_file", {"path": "../secret.txt"}, "is outside the allowed folders"),
    ("read_file", {"path": "/etc/passwd"}, "is outside the allowed folders"),
    ("read_file", {"path": "escape"}, "is outside the allowed folders"),
    ("fetch_url", {"url": "file:///etc/passwd"}, "only http:// and https:// URLs can be fetched"),
    ("fetch_url", {"url": "http://127.0.0.1:8080/admin"}, "is a loopback address"),
    ("python", {"code": "while True:\n    pass"}, "Killed: still running after 2s (time limit)"),
    ("python", {"code": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"}, "Killed"),
]


def test_every_abuse_is_refused_or_bounded_and_the_run_still_answers(tools: list[Tool]) -> None:
    replies: list[str | Scripted] = [Scripted(tool_calls=[(name, args)]) for name, args, _ in ABUSE]
    backend = ScriptedBackend([*replies, "Done: none of that worked, as it should."])
    agent = Agent(backend, tools=tools, approve=ApprovalPolicy.build(yes=True), limits=Limits(max_steps=12))
    result = agent.run("Try everything.")
    assert result.stop_reason is StopReason.ANSWER
    assert result.answer == "Done: none of that worked, as it should."
    assert len(result.trajectory) == len(ABUSE)
    for record, (name, _, expected) in zip(result.trajectory, ABUSE, strict=True):
        assert record.name == name
        assert expected in record.output, record.output
    assert "hunter2" not in str([r.output for r in result.trajectory])
    # the model saw every refusal before its final answer
    last_request = "\n".join(str(m.content) for m in backend.requests[-1].messages)
    assert all(expected in last_request for _, _, expected in ABUSE)


def test_huge_output_is_cut_to_the_observation_budget_with_a_note(tools: list[Tool]) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("python", {"code": "print('x' * 100_000)"})]), "ok"])
    agent = Agent(backend, tools=tools, approve=ApprovalPolicy.build(yes=True), observation_chars=1000)
    record = agent.run("flood").trajectory[0]
    assert record.output.count("x") <= 1000
    assert "more characters cut" in record.output


def test_python_refused_without_approval_is_an_observation_not_a_failure(tools: list[Tool]) -> None:
    policy = ApprovalPolicy.build()
    backend = ScriptedBackend([Scripted(tool_calls=[("python", {"code": "print(1)"})]), "answered anyway"])
    result = Agent(backend, tools=tools, approve=policy).run("run code")
    assert result.answer == "answered anyway"
    assert result.trajectory[0].error_kind == "refused"
    assert policy.refused == ["python"]
