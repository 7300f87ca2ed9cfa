"""A tool's ``RunContext`` parameter: the run's id, spec and deps, never shown to the model."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ponder.agents.agent import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import ToolDefinitionError
from ponder.tools.base import Tool, tool
from ponder.tools.context import RunContext


@dataclass
class Shop:
    prices: dict[str, float]


@tool
def price(ctx: RunContext[Shop], sku: str) -> float:
    """The price of an item.

    Args:
        sku: the item's code
    """
    return ctx.deps.prices[sku]


def test_the_context_parameter_is_not_in_the_schema_the_model_sees() -> None:
    assert price.parameters["properties"].keys() == {"sku"}
    assert price.parameters["required"] == ["sku"]
    assert price.signature() == "price(sku: string)"
    assert price.context_param == "ctx"


def test_the_context_parameter_needs_no_docstring_line() -> None:
    def stock(ctx: RunContext[Shop], sku: str) -> int:
        """Items in stock.

        Args:
            sku: the item's code
        """
        return 3

    assert Tool.from_function(stock).name == "stock"


def test_deps_given_to_run_reach_the_tool() -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("price", {"sku": "A1"})]), "It costs 9.5."])
    result = Agent(backend, tools=[price]).run("Price of A1?", deps=Shop({"A1": 9.5}))
    assert result.trajectory[0].output == "9.5"


def test_the_context_has_the_run_id_spec_and_task() -> None:
    seen: list[RunContext[None]] = []

    @tool
    def note(ctx: RunContext[None]) -> str:
        """Take a note."""
        seen.append(ctx)
        return "noted"

    backend = ScriptedBackend([Scripted(tool_calls=[("note", {})]), "ok"])
    agent = Agent(backend, tools=[note], system_prompt="Be brief.")
    agent.run("Take a note.")
    (ctx,) = seen
    assert len(ctx.run_id) == 16 and ctx.depth == 0 and ctx.parent_run_id is None
    assert ctx.spec is agent.spec and ctx.task == "Take a note."
    assert ctx.deps is None


def test_each_run_gets_its_own_id() -> None:
    ids: list[str] = []

    @tool
    def remember(ctx: RunContext[None]) -> str:
        """Remember the run."""
        ids.append(ctx.run_id)
        return "ok"

    backend = ScriptedBackend([Scripted(tool_calls=[("remember", {})]), "a", Scripted(tool_calls=[("remember", {})]), "b"])
    agent = Agent(backend, tools=[remember])
    agent.run("one")
    agent.run("two")
    assert len(set(ids)) == 2


def test_a_context_parameter_that_is_not_first_is_refused_with_the_fix() -> None:
    def late(sku: str, ctx: RunContext[Shop]) -> float:
        """A price.

        Args:
            sku: the item's code
        """
        return 1.0

    with pytest.raises(ToolDefinitionError, match="must be the first one") as info:
        Tool.from_function(late)
    assert "make 'ctx: RunContext' the first parameter" in info.value.fix


def test_outside_a_run_the_tool_gets_an_empty_context() -> None:
    @tool
    def depth(ctx: RunContext[None]) -> int:
        """The nesting depth."""
        return ctx.depth

    assert depth.invoke({}) == 0
    assert depth.llama_tool.call().raw_output == 0, "stock LlamaIndex agents can call it too"
