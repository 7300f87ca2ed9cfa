"""The embedded model through Ponder: decode speed, KV-cache reuse, wall time vs stock ReActAgent, RSS.

Run: .venv/bin/python benchmarks/local_model.py [--rounds 3] [--skip-stock]

Prints:
1. decode tokens/s through Ponder's backend vs raw llama-cpp-python on the same prompt, same
   process (target ratio >= 0.95);
2. prompt tokens evaluated per step on a multi-step tool task (steps 2+ should read only the new
   tokens plus a small constant);
3. wall time of the same tool tasks with Ponder vs the stock LlamaIndex ReActAgent on the same
   loaded model (target ratio <= 0.5);
4. peak RSS of `ponder run` on the local model, in a subprocess;
5. the first step of a new conversation after another one took the live KV cache, with the
   system prompt and tools restored from a saved prefix vs read again (same process, same task:
   a ratio, target <= 0.75);
6. a tool call written under the tools' grammar: tokens/s with Ponder's greedy grammar sampler
   vs llama-cpp-python's own (grammar on every candidate), same prompt, same process, and
   whether the two wrote the same call;
7. prompt tokens of the tool list as compact signatures vs the template's JSON, over the first
   15 BFCL `multiple` cases (needs `bfcl-eval`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.agent import Agent
from ponder.backends.base import ModelReply, ModelRequest
from ponder.backends.local.backend import LocalBackend
from ponder.tools.builtin.calculator import calculator

DECODE_PROMPT = "Write a numbered list of ten fruits, one per line, nothing else."
TASKS = [
    "Use the calculator to compute 17 * 23, then use it again to add 1000 to that result. What is the final number?",
    "What is 2**20 + 3**10? Use the calculator.",
    "A train leaves at 09:40 and the trip takes 187 minutes. Use the calculator to find the arrival time.",
]


def decode_ponder(backend: LocalBackend, tokens: int) -> float:
    request = ModelRequest(
        messages=[ChatMessage(role=MessageRole.USER, content=DECODE_PROMPT)], max_tokens=tokens, temperature=0.0
    )
    first: float | None = None
    count = 0
    for item in backend.stream(request):
        if isinstance(item, ModelReply):
            count = item.usage.completion_tokens
        elif first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return (count - 1) / (end - first)


def decode_raw(backend: LocalBackend, tokens: int) -> float:
    model = backend.load()
    prompt = model.render([ChatMessage(role=MessageRole.USER, content=DECODE_PROMPT)])
    ids = model.tokenize(prompt)
    first: float | None = None
    count = 0
    with model.lock:
        for _chunk in model.llama.create_completion(ids, max_tokens=tokens, temperature=0.0, top_k=1, stream=True):
            count += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return (count - 1) / (end - first)


def run_ponder(backend: LocalBackend, task: str) -> tuple[float, list[tuple[int, int | None, int]], str | None]:
    started = time.perf_counter()
    result = Agent(backend, tools=[calculator]).run(task)
    per_step = [(s.prompt_tokens, s.prompt_tokens_evaluated, s.completion_tokens) for s in result.step_records]
    return time.perf_counter() - started, per_step, result.answer


def run_stock(backend: LocalBackend, task: str) -> tuple[float, str]:
    from llama_index.core.agent.workflow import ReActAgent

    agent = ReActAgent(tools=[calculator.llama_tool], llm=backend.llm, timeout=600)

    async def go() -> str:
        try:
            return str(await agent.run(user_msg=task, max_iterations=8))
        except Exception as exc:  # the stock agent's failures are part of the comparison
            return f"<error {type(exc).__name__}: {str(exc)[:80]}>"

    started = time.perf_counter()
    answer = asyncio.run(go())
    return time.perf_counter() - started, answer


def first_step(backend: LocalBackend, task: str) -> tuple[float, int | None, int]:
    """Seconds, prompt tokens evaluated and prompt tokens of a run's first step, after an unrelated request."""
    list(backend.stream(ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="Name a colour.")], max_tokens=4)))
    record = Agent(backend, tools=[calculator]).run(task).step_records[0]
    return record.seconds, record.prompt_tokens_evaluated, record.prompt_tokens


def saved_prefix_gain(backend: LocalBackend, rounds: int) -> str:
    model = backend.load()
    task = TASKS[1]
    Agent(backend, tools=[calculator]).run(TASKS[0])  # saves the system prompt and tools
    restored, fresh = [], []
    for _ in range(rounds):
        seconds, evaluated, total = first_step(backend, task)
        restored.append(seconds)
        model.prefixes.clear()
        seconds, fresh_evaluated, _ = first_step(backend, task)
        fresh.append(seconds)
    r, f = statistics.median(restored), statistics.median(fresh)
    return (
        f"restored {r:.2f}s ({evaluated}/{total} prompt tokens read), read again {f:.2f}s "
        f"({fresh_evaluated}/{total}), ratio {r / f:.2f} (target <= 0.75)"
    )


def constrained_call(backend: LocalBackend, rounds: int) -> str:
    from llama_cpp import Llama

    from ponder.backends.local.grammar import grammar_for

    model = backend.load()
    messages = [ChatMessage(role=MessageRole.USER, content=TASKS[0])]
    prompt = model.tokenize(model.render(messages, [calculator]) + '<tool_call>\n{"name": "calculator", "arguments": ')
    grammar = grammar_for([calculator])

    def write() -> tuple[float, str]:
        llama = model.llama
        llama.reset()
        llama.eval(prompt)  # the prompt is read outside the clock: only writing is timed
        started = time.perf_counter()
        out = llama.create_completion(prompt, grammar=grammar, temperature=0.0, max_tokens=64)
        seconds = time.perf_counter() - started
        return out["usage"]["completion_tokens"] / seconds, out["choices"][0]["text"]  # type: ignore[index]

    fast, stock, same = [], [], True
    with model.lock:
        for _ in range(rounds):
            tps, fast_text = write()
            fast.append(tps)
            model.llama._init_sampler = Llama._init_sampler.__get__(model.llama)  # type: ignore[method-assign]
            try:
                tps, stock_text = write()
            finally:
                model._use_fast_grammar_sampling()
            stock.append(tps)
            same = same and fast_text == stock_text
        model.llama.reset()
    f, k = statistics.median(fast), statistics.median(stock)
    return f"ponder {f:.1f} tok/s, llama-cpp-python's sampler {k:.1f} tok/s, ratio {f / k:.2f}; same call: {same}"


def tool_listing_tokens(backend: LocalBackend) -> str:
    try:
        from ponder.evals.bfcl import load_cases, tools_for

        cases = load_cases("multiple", limit=15)
    except Exception as exc:  # bfcl-eval missing: say so, do not fail the other figures
        return f"skipped ({exc})"
    model = backend.load()
    listed = as_json = 0
    for case in cases:
        tools, _ = tools_for(case)
        messages = [ChatMessage(role=MessageRole.USER, content=case.prompt)]
        listed += len(model.tokenize(model.render(messages, tools, listing="signature")))
        as_json += len(model.tokenize(model.render(messages, tools, listing="json")))
    return f"signatures {listed} vs JSON {as_json} prompt tokens, ratio {listed / as_json:.2f}"


def peak_rss_of_ponder_run() -> str:
    ponder = str(Path(sys.executable).with_name("ponder"))
    code = (
        "import resource, subprocess, sys;"
        f"subprocess.run([{ponder!r}, 'run', '--model', 'local:qwen2.5-coder-1.5b', 'What is 6*7? Use the calculator.'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return f"{int(out.stdout.strip()) / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decode-tokens", type=int, default=96)
    parser.add_argument("--skip-stock", action="store_true")
    args = parser.parse_args()
    backend = LocalBackend("qwen2.5-coder-1.5b")
    backend.load()

    ponder_tps, raw_tps = [], []
    decode_raw(backend, 8)  # warm-up
    for _ in range(args.rounds):
        raw_tps.append(decode_raw(backend, args.decode_tokens))
        ponder_tps.append(decode_ponder(backend, args.decode_tokens))
    p, r = statistics.median(ponder_tps), statistics.median(raw_tps)
    print(f"1. decode: ponder {p:.1f} tok/s, raw llama-cpp-python {r:.1f} tok/s, ratio {p / r:.3f} (target >= 0.95)")

    print("2. prompt tokens per step (prompt total / evaluated / generated):")
    ponder_times, stock_times = [], []
    for task in TASKS:
        seconds, per_step, answer = run_ponder(backend, task)
        ponder_times.append(seconds)
        steps = ", ".join(f"step {i + 1}: {pt}/{ev}/{ct}" for i, (pt, ev, ct) in enumerate(per_step))
        print(f"   {task[:50]}... -> {steps}; {seconds:.1f}s; answer: {str(answer)[:60]!r}")
    if not args.skip_stock:
        print("3. wall time, same tasks, same loaded model:")
        for task, mine in zip(TASKS, ponder_times, strict=True):
            seconds, answer = run_stock(backend, task)
            stock_times.append(seconds)
            print(f"   ponder {mine:6.1f}s  stock ReActAgent {seconds:6.1f}s  stock answer: {answer[:60]!r}")
        ratio = sum(ponder_times) / sum(stock_times)
        print(f"   total ponder {sum(ponder_times):.1f}s / stock {sum(stock_times):.1f}s = {ratio:.2f} (target <= 0.5)")
    print(f"4. peak RSS of `ponder run` on the local model: {peak_rss_of_ponder_run()}")
    print(f"5. first step of a new conversation: {saved_prefix_gain(backend, args.rounds)}")
    print(f"6. a constrained tool call: {constrained_call(backend, args.rounds)}")
    print(f"7. tool list, 15 BFCL multiple cases: {tool_listing_tokens(backend)}")


if __name__ == "__main__":
    main()
