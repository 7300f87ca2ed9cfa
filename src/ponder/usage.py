"""Usage: tokens and model calls of one model call, one run or a whole session, and their cost.

``Usage`` is the one token count: a backend reports it per call, a ``RunResult`` sums it per run.
``SessionTotals`` adds turns, time and cost across a chat session. Prices are list prices in US
dollars per million tokens, for the OpenAI models people use most; they change, so treat the
figure as an estimate. Local and scripted models cost nothing; for any other model the cost is
shown as unknown rather than guessed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass
class Usage:
    """Tokens read and written, and model calls made."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_evaluated: int | None = None
    """Prompt tokens the backend actually had to read (the rest came from its KV cache), where known."""
    model_calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage, *, calls: int | None = None) -> None:
        """Add ``other`` to these totals (``calls``: model calls to count, default ``other``'s)."""
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.model_calls += other.model_calls if calls is None else calls
        if other.prompt_tokens_evaluated is not None:
            self.prompt_tokens_evaluated = (self.prompt_tokens_evaluated or 0) + other.prompt_tokens_evaluated

# model name -> (input $/M tokens, output $/M tokens)
OPENAI_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}
FREE_PROVIDERS = ("local", "scripted", "ollama")


def cost_of(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Dollars for one model's tokens; 0 for models that run here; None when the price is unknown."""
    provider, _, name = model.partition(":")
    if provider in FREE_PROVIDERS:
        return 0.0
    if provider == "openai" and name in OPENAI_PRICES:
        price_in, price_out = OPENAI_PRICES[name]
        return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
    return None


class FinishedRun(Protocol):
    """What ``SessionTotals`` reads of a run (a ``RunResult``)."""

    model: str
    usage: Usage
    seconds: float


@dataclass
class SessionTotals:
    """A chat session's usage across turns, with time and cost (saved in the session file)."""

    turns: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    seconds: float = 0.0
    cost: float = 0.0
    cost_unknown_tokens: int = 0
    """Tokens spent on models whose price is unknown (so the cost shown is a lower bound)."""

    def add(self, result: FinishedRun) -> None:
        u = result.usage
        self.turns += 1
        self.model_calls += u.model_calls
        self.prompt_tokens += u.prompt_tokens
        self.completion_tokens += u.completion_tokens
        self.prompt_tokens_evaluated += u.prompt_tokens_evaluated or 0
        self.seconds += result.seconds
        cost = cost_of(result.model, u.prompt_tokens, u.completion_tokens)
        if cost is None:
            self.cost_unknown_tokens += u.prompt_tokens + u.completion_tokens
        else:
            self.cost += cost

    def add_turn(self, seconds: float) -> None:
        """A turn whose tokens are not counted (the knowledge chat mode)."""
        self.turns += 1
        self.seconds += seconds

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> SessionTotals:
        fields = cls.__dataclass_fields__
        totals = cls()
        for key, value in data.items():
            if key in fields:
                setattr(totals, key, type(getattr(totals, key))(value))
        return totals

    def describe_cost(self) -> str:
        if self.cost_unknown_tokens and not self.cost:
            return "unknown (no price known for this model)"
        text = f"${self.cost:.4f}"
        if self.cost_unknown_tokens:
            text += f" + unknown for {self.cost_unknown_tokens} tokens"
        return text

    def lines(self) -> list[str]:
        cached = ""
        if self.prompt_tokens_evaluated and self.prompt_tokens_evaluated < self.prompt_tokens:
            cached = f" ({self.prompt_tokens - self.prompt_tokens_evaluated} read from the KV cache)"
        return [
            f"turns        {self.turns}",
            f"model calls  {self.model_calls}",
            f"tokens       {self.prompt_tokens} prompt{cached} + {self.completion_tokens} completion "
            f"= {self.prompt_tokens + self.completion_tokens}",
            f"time         {self.seconds:.1f}s in turns",
            f"cost         {self.describe_cost()}",
        ]
