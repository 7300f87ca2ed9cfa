"""Approval: tools that need it are refused by ``ponder run`` unless --yes or the config allows them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from ponder.config import PonderConfig
from ponder.tools.approval import ApprovalPolicy, Approver, describe_call, refusal_hint
from ponder.tools.base import Tool, tool


@tool(needs_approval=True)
def wipe(target: str) -> str:
    """Delete something.

    Args:
        target: what to delete
    """
    return f"wiped {target}"


@tool
def harmless(x: int) -> int:
    """Return x.

    Args:
        x: a number
    """
    return x


def policy_for(yes: bool = False, allowed: list[str] | None = None) -> Approver:
    from ponder.cli.common import agent_spec

    config = PonderConfig(agent={"model": "scripted:echo", "allow_tools_without_approval": allowed or []})
    return agent_spec(argparse.Namespace(yes=yes), config=config, quiet=True).approver()


def test_run_refuses_by_default_and_remembers_what_it_refused() -> None:
    policy = policy_for()
    assert policy(harmless, {"x": 1})
    assert not policy(wipe, {"target": "disk"})
    assert policy.refused == ["wipe"]
    assert refusal_hint(policy.refused) == (
        "wipe needed approval: pass --yes, or add them to allow_tools_without_approval in ponder.toml"
    )


def test_yes_or_the_config_allow_list_approves() -> None:
    assert policy_for(yes=True)(wipe, {"target": "disk"})
    assert policy_for(allowed=["wipe"])(wipe, {"target": "disk"})
    assert policy_for(allowed=["python"])(wipe, {"target": "disk"}) is False


def test_a_source_in_the_allow_list_approves_all_its_tools() -> None:
    from dataclasses import replace

    remote = replace(wipe, source="mcp:files")
    assert policy_for(allowed=["mcp:files"])(remote, {"target": "x"})


def test_an_asker_answers_y_n_or_always_for_the_session() -> None:
    answers = iter(["n", "y", "always"])
    asked: list[str] = []

    def ask(t: Tool, arguments: dict[str, Any]) -> Any:
        asked.append(describe_call(t, arguments))
        return next(answers)

    policy = ApprovalPolicy.build(ask=ask)
    assert [policy(wipe, {"target": str(i)}) for i in range(5)] == [False, True, True, True, True]
    assert len(asked) == 3  # "always" stops the asking
    assert asked[0] == 'wipe wants to run with {"target": "0"}'


def test_describe_call_shows_commands_and_code_in_full() -> None:
    shell = Tool.from_json_schema({"name": "shell", "parameters": {"type": "object"}}, lambda **kw: "")
    assert describe_call(shell, {"command": "rm -rf build/"}) == "shell wants to run:\nrm -rf build/"


def test_ponder_run_refuses_python_without_yes_and_the_agent_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ponder.backends import registry as backends
    from ponder.backends.scripted import Scripted, ScriptedBackend
    from ponder.cli.main import main

    def scripted(spec: str, **options: object) -> ScriptedBackend:
        return ScriptedBackend([Scripted(tool_calls=[("python", {"code": "print(6 * 7)"})]), "I could not run code, so: 42."])

    monkeypatch.setattr(backends, "resolve_backend", scripted)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--model", "scripted:x", "--tools", "python", "--json", "What is 6*7?"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["answer"] == "I could not run code, so: 42."
    assert result["trajectory"][0]["error_kind"] == "refused"
    assert "did not approve running python" in result["trajectory"][0]["output"]

    code = main(["run", "--model", "scripted:x", "--tools", "python", "--json", "--yes", "What is 6*7?"])
    result = json.loads(capsys.readouterr().out)
    assert result["trajectory"][0]["ok"] and result["trajectory"][0]["output"] == "42"
