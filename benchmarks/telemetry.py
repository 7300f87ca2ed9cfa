"""The loop's overhead per step with OpenTelemetry tracing on vs off (zero-latency scripted model).

The same 3-step task as ``loop_overhead.py`` (two tool calls, then the answer), run in this
process with tracing off, with tracing on into a real SDK pipeline (``BatchSpanProcessor`` and the
OTLP/HTTP exporter) sending to an OTLP/HTTP receiver on 127.0.0.1, and with tracing on into an SDK
provider with no processor (Ponder's own cost: the spans are made and dropped), interleaved in
rounds. Each traced run makes 6 spans (the run, three model calls, two tool calls).

Run: .venv/bin/python benchmarks/telemetry.py [--runs 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ponder.agents.agent import Agent
from ponder.backends.scripted import ScriptedBackend
from ponder.tools.base import tool

STEPS = 3
SCRIPT = [
    '<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>',
    '<tool_call>{"name": "add", "arguments": {"a": 3, "b": 4}}</tool_call>',
    "The answers are 3 and 7.",
]


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


class Receiver(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and counts the bytes (decoding is the tests' job)."""

    received = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        Receiver.received += len(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def per_step(agent: Agent, backend: ScriptedBackend, runs: int) -> float:
    for _ in range(5):  # warm-up
        backend.enqueue(*SCRIPT)
        agent.run("sum")
    started = time.perf_counter()
    for _ in range(runs):
        backend.enqueue(*SCRIPT)
        result = agent.run("sum")
    elapsed = time.perf_counter() - started
    assert result.answer == "The answers are 3 and 7." and result.steps == STEPS, result
    return elapsed / (runs * STEPS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from opentelemetry.sdk.trace import TracerProvider

    from ponder.telemetry import disable_tracing, enable_tracing, flush_traces
    from ponder.telemetry.otlp import otlp_provider

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider = otlp_provider(endpoint=f"http://127.0.0.1:{server.server_address[1]}")
    backend = ScriptedBackend(native_tool_calls=False)
    agent = Agent(backend, tools=[add])
    dropping = TracerProvider()
    off, on, dropped = [], [], []
    for _ in range(args.rounds):  # interleaved, to share whatever else the machine is doing
        disable_tracing()
        off.append(per_step(agent, backend, args.runs))
        enable_tracing(provider=provider)
        on.append(per_step(agent, backend, args.runs))
        flush_traces()
        enable_tracing(provider=dropping)
        dropped.append(per_step(agent, backend, args.runs))
    disable_tracing()
    provider.shutdown()
    server.shutdown()
    o, t, d = statistics.median(off), statistics.median(on), statistics.median(dropped)
    print(f"tracing off                 {o * 1000:.3f} ms/step")
    print(f"tracing on, OTLP export     {t * 1000:.3f} ms/step  ({Receiver.received / 1024:.0f} KiB sent)")
    print(f"tracing on, spans dropped   {d * 1000:.3f} ms/step")
    print(f"ratio on/off = {t / o:.2f}  (+{(t - o) * 1000:.3f} ms/step; Ponder's spans alone: {d / o:.2f}, +{(d - o) * 1000:.3f} ms/step)")


if __name__ == "__main__":
    main()
