"""Usage totals across turns, and cost only where the price is known."""

from __future__ import annotations

import pytest

from ponder.agents.result import RunResult, StopReason
from ponder.usage import SessionTotals as SessionUsage
from ponder.usage import Usage, cost_of


def result(model: str, prompt: int, completion: int, seconds: float = 1.0) -> RunResult:
    usage = Usage(prompt_tokens=prompt, completion_tokens=completion, model_calls=2)
    return RunResult(
        task="t",
        answer="a",
        stop_reason=StopReason.ANSWER,
        model=model,
        protocol="native",
        steps=2,
        usage=usage,
        seconds=seconds,
    )


def test_openai_cost_uses_the_list_price() -> None:
    assert cost_of("openai:gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)


@pytest.mark.parametrize("model", ["local:qwen2.5-coder-1.5b", "ollama:qwen2.5:1.5b", "scripted:echo"])
def test_models_that_run_here_cost_nothing(model: str) -> None:
    assert cost_of(model, 5000, 5000) == 0.0


def test_unknown_price_is_said_not_guessed() -> None:
    totals = SessionUsage()
    totals.add(result("openai:some-new-model", 100, 50))
    assert cost_of("openai:some-new-model", 1, 1) is None
    assert "unknown" in totals.describe_cost()


def test_totals_add_up_and_survive_a_round_trip() -> None:
    totals = SessionUsage()
    totals.add(result("openai:gpt-4o-mini", 1000, 100, 2.0))
    totals.add(result("local:qwen2.5-coder-1.5b", 500, 50, 3.0))
    assert (totals.turns, totals.model_calls, totals.prompt_tokens, totals.completion_tokens) == (
        2,
        4,
        1500,
        150,
    )
    assert totals.seconds == pytest.approx(5.0)
    again = SessionUsage.from_dict(totals.to_dict())
    assert again == totals
    assert "tokens       1500 prompt + 150 completion = 1650" in totals.lines()
