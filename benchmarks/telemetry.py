"""The loop's overhead per step with OpenTelemetry tracing on vs off (zero-latency scripted model).

The same 3-step task as ``loop_overhead.py`` (two tool calls, then the answer), run in this
process with tracing off, with tracing on into a real SDK pipeline (``BatchSpanProcessor`` and the
OTLP/HTTP exporter) sending to an OTLP/HTTP receiver on 127.0.0.1, and with tracing on into an SDK
provider with no processor (Ponder's own cost: the spans are made and dropped), interleaved in
rounds. Each traced run makes 6 spans (the run, three model calls, two tool calls); the export's
flush is inside the timed window, so its cost is counted.

Figures are CPU seconds of the whole process (all threads: the exporter's too) per step, which
other programs on a shared machine disturb far less than wall time; wall time is printed too.

Run: .venv/bin/python benchmarks/telemetry.py [--runs 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ponder.agents.agent import Agent
from ponder.backends.scripted import ScriptedBackend

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loop_overhead, next to this script
from loop_overhead import PONDER_SCRIPT as SCRIPT  # noqa: E402  the same 3-step run, the same tool
from loop_overhead import add  # noqa: E402

STEPS = 3
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


def per_step(agent: Agent, backend: ScriptedBackend, runs: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per step."""
    from ponder.telemetry import flush_traces

    for _ in range(5):  # warm-up
        backend.enqueue(*SCRIPT)
        agent.run("sum")
    flush_traces()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(runs):
        backend.enqueue(*SCRIPT)
        result = agent.run("sum")
    flush_traces()  # the spans still in the batch are part of the cost
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert result.answer == "The answers are 3 and 7." and result.steps == STEPS, result
    return cpu / (runs * STEPS), wall / (runs * STEPS)


def tracer_cost(agent: Agent, backend: ScriptedBackend, provider: Any, runs: int) -> float:
    """CPU seconds per step that the spans of a recorded run cost, without the loop (a steadier figure)."""
    from ponder.agents.tracing import RunSpans
    from ponder.telemetry import disable_tracing, enable_tracing, flush_traces
    from ponder.telemetry.tracing import tracer_for

    disable_tracing()
    backend.enqueue(*SCRIPT)
    events = list(agent.stream("sum"))
    enable_tracing(provider=provider)
    tracer = tracer_for(provider)
    cpu = time.process_time()
    for i in range(runs):
        for _event in RunSpans(tracer, agent, name=None, capture=False).follow(iter(events)):
            pass
        if i % 200 == 199:
            flush_traces()  # within the batch queue's 2,048 spans
    flush_traces()
    cpu = time.process_time() - cpu
    disable_tracing()
    return cpu / (runs * STEPS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from opentelemetry.sdk.trace import TracerProvider

    from ponder.telemetry import disable_tracing, enable_tracing
    from ponder.telemetry.otlp import otlp_provider

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider = otlp_provider(endpoint=f"http://127.0.0.1:{server.server_address[1]}")
    backend = ScriptedBackend(native_tool_calls=False)
    agent = Agent(backend, tools=[add])
    dropping = TracerProvider()
    off, on, dropped = [], [], []
    conditions = [(None, off), (provider, on), (dropping, dropped)]
    for r in range(args.rounds):  # interleaved, each round in another order, to share the machine's moods
        for target, results in conditions[r % 3 :] + conditions[: r % 3]:
            if target is None:
                disable_tracing()
            else:
                enable_tracing(provider=target)
            results.append(per_step(agent, backend, args.runs))
    disable_tracing()
    spans_only = tracer_cost(agent, backend, dropping, args.runs * 10)
    exported = tracer_cost(agent, backend, provider, args.runs * 10)
    provider.shutdown()
    server.shutdown()

    def show(label: str, runs: list[tuple[float, float]]) -> float:
        cpu, wall = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"{label:<28}{cpu * 1000:7.3f} ms CPU/step  ({wall * 1000:.3f} ms wall)")
        return cpu

    o = show("tracing off", off)
    t = show("tracing on, OTLP export", on)
    d = show("tracing on, spans dropped", dropped)
    print(f"OTLP sent: {Receiver.received / 1024:.0f} KiB")
    print(f"the tracer alone, fed a recorded run: {spans_only * 1000:.3f} ms CPU/step making the spans, "
          f"{exported * 1000:.3f} ms CPU/step with their OTLP export")
    print(f"ratio on/off = {t / o:.2f} (+{(t - o) * 1000:.3f} ms/step); Ponder's spans alone: {d / o:.2f} (+{(d - o) * 1000:.3f} ms/step)")


if __name__ == "__main__":
    main()
