"""Loop overhead per step with a zero-latency scripted model: Ponder vs stock LlamaIndex ReActAgent.

Both agents run the same 3-step task (two tool calls, then the answer) on the same
``ScriptedLLM`` (a LlamaIndex CustomLLM answering instantly from a queue), in this process.
Target: Ponder/stock <= 0.3 (stock measured at about 7 ms per step on 2 cores).

Run: .venv/bin/python benchmarks/loop_overhead.py [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from ponder.agents.agent import Agent
from ponder.backends.scripted import ScriptedBackend
from ponder.tools.base import tool

STEPS = 3


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


PONDER_SCRIPT = [
    '<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>',
    '<tool_call>{"name": "add", "arguments": {"a": 3, "b": 4}}</tool_call>',
    "The answers are 3 and 7.",
]
REACT_SCRIPT = [
    'Thought: I need a tool.\nAction: add\nAction Input: {"a": 1, "b": 2}',
    'Thought: I need a tool.\nAction: add\nAction Input: {"a": 3, "b": 4}',
    "Thought: I can answer without using any more tools.\nAnswer: The answers are 3 and 7.",
]


def bench_ponder(runs: int) -> float:
    backend = ScriptedBackend(native_tool_calls=False)
    agent = Agent(backend, tools=[add])
    for _ in range(5):  # warm-up
        backend.enqueue(*PONDER_SCRIPT)
        agent.run("sum")
    started = time.perf_counter()
    for _ in range(runs):
        backend.enqueue(*PONDER_SCRIPT)
        result = agent.run("sum")
    elapsed = time.perf_counter() - started
    assert result.answer == "The answers are 3 and 7.", result
    assert result.steps == STEPS
    return elapsed / (runs * STEPS)


def bench_stock(runs: int) -> float:
    from llama_index.core.agent.workflow import ReActAgent

    from ponder.backends.scripted import ScriptedLLM

    llm = ScriptedLLM()
    agent = ReActAgent(tools=[add.llama_tool], llm=llm)

    async def one() -> str:
        llm.enqueue(*REACT_SCRIPT)
        return str(await agent.run(user_msg="sum"))

    async def many(n: int) -> tuple[float, str]:
        for _ in range(5):
            await one()
        started = time.perf_counter()
        answer = ""
        for _ in range(n):
            answer = await one()
        return time.perf_counter() - started, answer

    elapsed, answer = asyncio.run(many(runs))
    assert "3 and 7" in answer, answer
    return elapsed / (runs * STEPS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ponder, stock = [], []
    for _ in range(args.rounds):  # interleave to share whatever else the machine is doing
        ponder.append(bench_ponder(args.runs))
        stock.append(bench_stock(max(20, args.runs // 4)))
    p, s = statistics.median(ponder), statistics.median(stock)
    print(f"ponder loop   {p * 1000:.3f} ms/step")
    print(f"stock ReAct   {s * 1000:.3f} ms/step")
    print(f"ratio ponder/stock = {p / s:.3f}  (target <= 0.3)")


if __name__ == "__main__":
    main()
