"""Typed answers on the embedded model: Ponder's grammar vs validate-and-retry without a grammar.

Run: PYTHONPATH=src .venv/bin/python benchmarks/structured_output.py [--limit 20] [--only grammar|retry] [--case N]

The twenty customer messages of ``benchmarks/fixtures/tickets.py`` are read into a ``Ticket`` (a
nested pydantic model with enums, optional fields and lists) twice, on the same loaded model:

- ``grammar``: Ponder's path. The answer is generated under a llama.cpp grammar built from the
  type's JSON Schema, so it is valid JSON of the right shape by construction;
- ``retry``: the same agent, prompt and loop, but the backend is not given the schema: the model
  writes freely, the loop validates, sends the validation error back once and gives up after
  that (what frameworks without constrained decoding do, e.g. PydanticAI's output retries).

For each it prints valid outputs, re-asks, seconds per prompt, tokens written per prompt, and
how often the category and priority match the fixture's expected ones (accuracy is the model's;
validity is what the grammar guarantees).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import tickets  # noqa: E402  (benchmarks/fixtures/tickets.py)

from ponder.agents.agent import Agent  # noqa: E402
from ponder.agents.limits import Limits  # noqa: E402
from ponder.agents.result import RunResult, StopReason  # noqa: E402
from ponder.backends.base import Backend, ModelReply, ModelRequest  # noqa: E402
from ponder.backends.local.backend import LocalBackend  # noqa: E402


class WithoutAnswerGrammar(Backend):
    """The embedded model, not told the answer's schema: it writes its answer freely."""

    def __init__(self, inner: LocalBackend) -> None:
        self.inner = inner
        self.provider, self.model, self.capabilities = inner.provider, inner.model, inner.capabilities

    @property
    def llm(self) -> Any:
        return self.inner.llm

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        return self.inner.stream(replace(request, answer_schema=None))

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@dataclass
class Row:
    valid: int = 0
    reasked: int = 0
    right: int = 0
    seconds: list[float] | None = None
    tokens: list[int] | None = None


def run(agent: Agent, cases: list[int], label: str) -> Row:
    row = Row(seconds=[], tokens=[])
    for i in cases:
        message = tickets.MESSAGES[i]
        started = time.perf_counter()
        result: RunResult = agent.run(tickets.task(message))
        row.seconds.append(time.perf_counter() - started)  # type: ignore[union-attr]
        row.tokens.append(result.usage.completion_tokens)  # type: ignore[union-attr]
        ok = result.stop_reason is StopReason.ANSWER and isinstance(result.output, tickets.Ticket)
        row.valid += ok
        row.reasked += result.usage.model_calls > 1
        if ok and (result.output.category, result.output.priority) == tickets.EXPECTED[i]:  # type: ignore[union-attr]
            row.right += 1
        status = "valid" if ok else f"{result.stop_reason.value}: {result.output_error}"
        print(f"  {label} #{i + 1:>2} {row.seconds[-1]:5.1f}s  {result.usage.model_calls} call(s)  {status}", flush=True)  # type: ignore[index]
        if not ok:  # what the model wrote, step by step
            for record in result.step_records:
                print(f"      step {record.step}: {record.text[:300]!r}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=len(tickets.MESSAGES))
    parser.add_argument("--only", choices=["grammar", "retry"])
    parser.add_argument("--case", type=int, action="append", help="run only this message (1-based; repeatable)")
    args = parser.parse_args()
    cases = [n - 1 for n in args.case] if args.case else list(range(args.limit))

    local = LocalBackend("qwen2.5-coder-1.5b", n_ctx=4096)
    local.load()
    rows: dict[str, Row] = {}
    for label, backend in (("grammar", local), ("retry", WithoutAnswerGrammar(local))):
        if args.only and label != args.only:
            continue
        agent = Agent(
            backend,  # type: ignore[arg-type]
            tools=[],
            system_prompt=tickets.SYSTEM_PROMPT,
            output_type=tickets.Ticket,
            limits=Limits(max_tokens_per_step=256),
        )
        rows[label] = run(agent, cases, label)

    n = len(cases)
    print(f"\n{n} customer messages -> Ticket, embedded Qwen2.5-Coder-1.5B, same process")
    print(f"{'path':<10}{'valid':>8}{'re-asked':>10}{'s/prompt':>10}{'tokens/prompt':>15}{'category+priority':>19}")
    for label, row in rows.items():
        assert row.seconds is not None and row.tokens is not None
        print(
            f"{label:<10}{row.valid:>5}/{n:<2}{row.reasked:>10}{statistics.mean(row.seconds):>10.1f}"
            f"{statistics.mean(row.tokens):>15.0f}{row.right:>16}/{n}"
        )


if __name__ == "__main__":
    main()
