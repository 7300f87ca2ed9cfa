"""Agents as tools, on scripted models: nesting, usage, limits and failures inside, run context, ponder.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.agent_tool import MAX_DEPTH, agent_tool
from ponder.agents.limits import Limits
from ponder.agents.result import StopReason
from ponder.agents.spec import AgentSpec
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import ConfigError
from ponder.tools.base import Tool, tool
from ponder.tools.context import RunContext


def ask(name: str, task: str) -> Scripted:
    return Scripted(tool_calls=[(name, {"task": task})])


def two_levels(inner_replies: list[object], outer_replies: list[object], tools: list[Tool], **inner: object):  # type: ignore[no-untyped-def]
    inner_backend = ScriptedBackend(inner_replies, model="inner")  # type: ignore[arg-type]
    mathematician = Agent(inner_backend, tools=tools, **inner)  # type: ignore[arg-type]
    outer_backend = ScriptedBackend(outer_replies, model="outer")  # type: ignore[arg-type]
    outer = Agent(outer_backend, tools=[mathematician.as_tool(name="mathematician", description="Does arithmetic.")])
    return outer, outer_backend, inner_backend


def test_the_inner_answer_is_the_observation_and_its_run_nests_in_the_call(tools: list[Tool]) -> None:
    outer, outer_backend, _ = two_levels(
        [Scripted(tool_calls=[("add", {"a": 2, "b": 3})]), "2 + 3 = 5"],
        [ask("mathematician", "add 2 and 3"), "The mathematician says 5."],
        tools,
    )
    result = outer.run("What is 2 + 3?")
    assert result.answer == "The mathematician says 5."
    (call,) = result.trajectory
    assert (call.name, call.arguments, call.output, call.ok) == ("mathematician", {"task": "add 2 and 3"}, "2 + 3 = 5", True)
    assert call.inner is not None and call.inner.model == "scripted:inner"
    assert [(c.name, c.output) for c in call.inner.trajectory] == [("add", "5")]
    assert outer_backend.requests[1].messages[-1].content == "2 + 3 = 5"


def test_the_model_sees_one_task_parameter() -> None:
    helper = Agent(ScriptedBackend([]), tools=[]).as_tool(name="helper", description="Helps.")
    assert helper.parameters["properties"].keys() == {"task"}
    assert helper.parameters["required"] == ["task"]
    assert helper.description == "Helps."


def test_inner_usage_rolls_up_into_the_outer_result(tools: list[Tool]) -> None:
    outer, _, _ = two_levels(
        [Scripted(tool_calls=[("add", {"a": 2, "b": 3})]), "5"], [ask("mathematician", "2+3"), "5"], tools
    )
    result = outer.run("2+3?")
    inner = result.trajectory[0].inner
    assert inner is not None
    assert inner.usage.model_calls == 2
    assert result.usage.model_calls == 2 + 2
    outer_tokens = sum(s.prompt_tokens for s in result.step_records)
    assert result.usage.prompt_tokens == outer_tokens + inner.usage.prompt_tokens


def test_an_inner_limit_comes_back_as_an_observation(tools: list[Tool]) -> None:
    outer, outer_backend, _ = two_levels(
        [
            Scripted(tool_calls=[("add", {"a": 1, "b": 1})]),
            Scripted(tool_calls=[("add", {"a": 2, "b": 2})]),
            "",  # its last attempt gives nothing
        ],
        [ask("mathematician", "keep adding"), "It could not finish."],
        tools,
        limits=Limits(max_steps=2),
    )
    result = outer.run("Add things.")
    assert result.stop_reason is StopReason.ANSWER
    call = result.trajectory[0]
    assert not call.ok and call.error_kind == "agent_stopped"
    assert call.inner is not None and call.inner.stop_reason is StopReason.MAX_STEPS
    assert "The mathematician agent stopped before it finished (it reached its step limit)" in call.output
    assert outer_backend.requests[1].messages[-1].content == call.output


def test_an_inner_backend_failure_comes_back_as_an_observation(tools: list[Tool]) -> None:
    outer, _, _ = two_levels(
        [Scripted(fail="the inner server is down")], [ask("mathematician", "2+3"), "Sorry, no answer."], tools
    )
    result = outer.run("2+3?")
    assert result.answer == "Sorry, no answer."
    call = result.trajectory[0]
    assert call.error_kind == "agent_stopped"
    assert "(it failed: the inner server is down" in call.output


def test_the_inner_run_is_in_the_tool_result_event_and_its_json() -> None:
    outer, _, _ = two_levels(["5"], [ask("mathematician", "2+3"), "5"], [])
    events = list(outer.stream("2+3?"))
    (done,) = [e for e in events if isinstance(e, ev.ToolResult)]
    assert done.inner is not None and done.inner.answer == "5"
    data = json.loads(json.dumps(done.to_dict()))
    assert data["inner"]["answer"] == "5" and data["type"] == "ToolResult"


def test_deps_and_the_parent_run_reach_the_inner_agents_tools() -> None:
    seen: list[RunContext[dict[str, str]]] = []

    @tool
    def whoami(ctx: RunContext[dict[str, str]]) -> str:
        """Say who the user is."""
        seen.append(ctx)
        return ctx.deps["user"]

    outer, _, _ = two_levels([Scripted(tool_calls=[("whoami", {})]), "ada"], [ask("mathematician", "who?"), "ada"], [whoami])
    outer.run("Who am I?", deps={"user": "ada"})
    (ctx,) = seen
    assert ctx.deps == {"user": "ada"}
    assert ctx.depth == 1 and ctx.parent_run_id is not None and ctx.parent_run_id != ctx.run_id
    assert ctx.task == "who?"


def test_agents_nested_too_deep_are_not_run() -> None:
    helper = Agent(ScriptedBackend([]), tools=[]).as_tool(name="helper", description="Helps.")
    parent: RunContext[None] = RunContext.start()
    for _ in range(MAX_DEPTH):
        parent = RunContext.start(parent=parent)
    result = helper.invoke({"task": "anything"}, parent)
    assert result.stop_reason is StopReason.ERROR
    assert f"agents are nested {MAX_DEPTH} deep already" in (result.error or "")


def test_a_tool_name_that_cannot_be_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="cannot name a tool"):
        agent_tool(Agent(ScriptedBackend([])), name="two words", description="x")


def test_an_agent_without_a_name_needs_one_to_be_a_tool() -> None:
    with pytest.raises(ConfigError) as info:
        Agent(ScriptedBackend([])).as_tool()
    assert "as_tool(name=" in info.value.fix


def test_the_tool_waits_as_long_as_the_inner_agent_may_run() -> None:
    helper = Agent(ScriptedBackend([]), limits=Limits(run_timeout=100)).as_tool(name="helper", description="x")
    assert helper.timeout is not None and helper.timeout >= 125


# -- named agents of ponder.toml ------------------------------------------------------------------
def test_a_named_agent_of_ponder_toml_is_a_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner_script = tmp_path / "inner.json"
    inner_script.write_text(json.dumps(["Paris is the capital of France."]))
    outer_script = tmp_path / "outer.json"
    outer_script.write_text(
        json.dumps([{"tool_calls": [{"name": "researcher", "arguments": {"task": "capital of France"}}]}, "Paris."])
    )
    (tmp_path / "ponder.toml").write_text(
        f"""
[agent]
model = "scripted:{outer_script}"
tools = ["agent:researcher"]

[agents.researcher]
model = "scripted:{inner_script}"
tools = []
description = "Looks facts up."
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    agent = AgentSpec.from_config().build()
    assert agent.tools["researcher"].description == "Looks facts up."
    result = agent.run("What is the capital of France?")
    assert result.answer == "Paris."
    inner = result.trajectory[0].inner
    assert inner is not None and inner.answer == "Paris is the capital of France."


def test_an_unknown_named_agent_is_a_config_error_when_the_outer_agent_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ponder.toml").write_text('[agent]\nmodel = "scripted:echo"\ntools = ["agent:nobody"]\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no agent named 'nobody'"):
        AgentSpec.from_config().build()
