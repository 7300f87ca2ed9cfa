"""``ponder serve`` figures: overhead per request, throughput at 50 clients, time to first token.

1. Overhead: the same scripted agent (``scripted:echo``, zero-latency model), called directly
   (``Agent.run``) and through ``ponder serve`` over HTTP (a server process on 127.0.0.1, one
   keep-alive client, one request at a time). Overhead = served p50 - direct p50. Target: < 5 ms.
2. Throughput: 50 clients at once (httpx, asyncio), ``--requests`` requests in all, on the same
   server; requests/s, latency p50/p95, and how many were refused with 429 (none, with this queue).
3. Time to first streamed token on the embedded model (``--embedded``): the first content chunk of
   a streamed completion (``openai`` SDK) against the first text delta of ``Agent.stream`` on the
   same loaded model; with no tools (the answer streams from the first token) and with the
   calculator (the answer comes after a tool call, so its first token comes after that step).

Run: .venv/bin/python benchmarks/serve.py [--requests 1000] [--embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from ponder.agents.spec import AgentSpec
from ponder.serve.server import free_port

ROOT = Path(__file__).resolve().parents[1]
TASK = "Please repeat this sentence back to me."
CLIENTS = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# -- 1 and 2: the scripted agent ------------------------------------------------------------------
def direct_latencies(agent: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = agent.run(TASK)
        times.append(time.perf_counter() - started)
    assert result.answer == f"You said: {TASK}", result.answer
    return times


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [
        sys.executable, "-m", "ponder.cli.main", "serve", "--model", "scripted:echo", "--port", str(port),
        "--queue", "1000", "--no-access-log", "--state-dir", str(workdir / "state"),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_latencies(client: httpx.Client, runs: int) -> list[float]:
    body = {"model": "scripted:echo", "messages": [{"role": "user", "content": TASK}]}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post("/v1/chat/completions", json=body)
        times.append(time.perf_counter() - started)
    assert response.json()["choices"][0]["message"]["content"] == f"You said: {TASK}"
    return times


async def load(url: str, requests: int) -> tuple[float, list[float], dict[int, int]]:
    body = {"model": "scripted:echo", "messages": [{"role": "user", "content": TASK}]}
    todo = list(range(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one_client() -> None:
            while todo:
                todo.pop()
                started = time.perf_counter()
                response = await client.post("/v1/chat/completions", json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        await asyncio.gather(*(client.get("/healthz") for _ in range(CLIENTS)))  # open the connections
        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses


def scripted(runs: int, rounds: int, requests: int) -> None:
    """Rounds alternate direct and served runs, so both meet the same load on a shared machine."""
    agent = AgentSpec(model="scripted:echo").build()
    direct_latencies(agent, 50)
    direct: list[list[float]] = []
    served: list[list[float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp))
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                served_latencies(client, 50)
                cpu_start = cpu_seconds(process.pid)
                for _ in range(rounds):
                    direct.append(direct_latencies(agent, runs))
                    served.append(served_latencies(client, runs))
                cpu_middle = cpu_seconds(process.pid)
            elapsed, latencies, statuses = asyncio.run(load(url, requests))
            cpu_sequential = (cpu_middle - cpu_start) / (runs * rounds)
            cpu_loaded = (cpu_seconds(process.pid) - cpu_middle) / requests
        finally:
            process.terminate()
            process.wait(30)
    overheads = [statistics.median(s) - statistics.median(d) for d, s in zip(direct, served, strict=True)]
    every_direct = [t for r in direct for t in r]
    every_served = [t for r in served for t in r]
    print(f"1. overhead per request, scripted:echo, {rounds} rounds x {runs} sequential requests, one keep-alive client")
    print(f"   Agent.run directly      p50 {ms(statistics.median(every_direct))}   p95 {ms(percentile(every_direct, 95))}")
    print(f"   through ponder serve    p50 {ms(statistics.median(every_served))}   p95 {ms(percentile(every_served, 95))}")
    print(f"   overhead, p50 of rounds median {ms(statistics.median(overheads))}, best {ms(min(overheads))}, worst {ms(max(overheads))}   (target < 5 ms)")
    print(f"   server CPU per request  {ms(cpu_sequential)} (all its threads: load-independent)")
    print(f"2. {CLIENTS} clients at once, {requests} requests")
    print(f"   throughput              {requests / elapsed:.0f} requests/s")
    print(f"   latency                 p50 {ms(statistics.median(latencies))}   p95 {ms(percentile(latencies, 95))}")
    print(f"   statuses                {dict(sorted(statuses.items()))}")
    print(f"   server CPU per request  {ms(cpu_loaded)}")
    print(f"   machine load average    {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work shares the CPU)")


# -- 3: the embedded model ----------------------------------------------------------------------
def first_token_direct(agent: Any, task: str) -> tuple[float, float, str]:
    """Time to the first answer token of ``Agent.stream``, read by the same rule the server streams by."""
    from ponder.serve.openai_compat import AnswerStream

    answer = AnswerStream(list(agent.tools))
    started = time.perf_counter()
    first = None
    text = ""
    for event in agent.stream(task):
        piece = answer.feed(event)
        if piece:
            first = first if first is not None else time.perf_counter() - started
            text += piece
    return first or float("nan"), time.perf_counter() - started, text


def first_token_served(url: str, model: str, task: str) -> tuple[float, float, str]:
    import openai

    client = openai.OpenAI(base_url=f"{url}/v1", api_key="none", timeout=1800, max_retries=0)
    started = time.perf_counter()
    first = None
    text = ""
    for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": task}], stream=True):
        piece = chunk.choices[0].delta.content if chunk.choices else None
        if piece:
            first = first if first is not None else time.perf_counter() - started
            text += piece
    return first or float("nan"), time.perf_counter() - started, text


def embedded(rounds: int) -> None:
    from ponder.agents.limits import Limits
    from ponder.serve.app import create_app
    from ponder.serve.served import ServedAgents
    from ponder.serve.server import ServerThread
    from ponder.serve.settings import ServeSettings

    limits = Limits(run_timeout=1800, max_steps=4, max_tokens_per_step=96)
    with tempfile.TemporaryDirectory() as tmp:
        agents = ServedAgents(ServeSettings(state_dir=Path(tmp), run_timeout=1800))
        plain = agents.add(AgentSpec(model="local:qwen2.5-coder-1.5b", tools=[], limits=limits), model_id="plain")
        calc = agents.add(AgentSpec(model="local:qwen2.5-coder-1.5b", tools=["calculator"], limits=limits), model_id="calc")
        plain.agent.backend.load()
        print("3. time to the first answer token, embedded model (local:qwen2.5-coder-1.5b), same loaded model")
        cases = [
            (plain, "plain", "In three sentences, explain what a compiler does.", "no tools (the answer streams from its first words)"),
            (calc, "calc", "What is 17*23? Use the calculator.", "calculator (the answer follows the tool step)"),
        ]
        with ServerThread(create_app(agents)) as server:
            for served, model, task, label in cases:
                first_token_direct(served.agent, task)  # warm: the prompt prefix is in the KV cache for both
                print(f"   {label}")
                for _ in range(rounds):  # alternate, so both meet the same load
                    d_first, d_total, d_text = first_token_direct(served.agent, task)
                    s_first, s_total, s_text = first_token_served(server.url, model, task)
                    print(f"     Agent.stream        first answer token {d_first:6.2f} s, run {d_total:6.1f} s: {d_text.strip()[:40]!r}")
                    print(f"     served, streamed    first answer token {s_first:6.2f} s, run {s_total:6.1f} s: {s_text.strip()[:40]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="sequential requests per round for the overhead (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of direct and served runs (default 5)")
    parser.add_argument("--requests", type=int, default=1000, help="requests for the 50-client throughput (default 1000)")
    parser.add_argument("--embedded", action="store_true", help="also time the first streamed token on the embedded model (minutes)")
    parser.add_argument("--embedded-only", action="store_true", help="only the embedded-model figures")
    parser.add_argument("--embedded-rounds", type=int, default=2, help="direct/served pairs per embedded task (default 2)")
    args = parser.parse_args()
    if not args.embedded_only:
        scripted(args.runs, args.rounds, args.requests)
    if args.embedded or args.embedded_only:
        embedded(args.embedded_rounds)


if __name__ == "__main__":
    main()
