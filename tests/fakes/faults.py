"""The fault cells: one server fault each, the replies that inject it, and what must come of it per protocol.

Shared by ``tests/backends/test_faults.py`` (which asserts every cell) and ``benchmarks/faults.py``
(which prints the table). A cell either recovers (the agent still answers) or ends in an error
whose message contains ``message``; ``min_seconds`` says it must have waited (a ``Retry-After``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from ponder.backends.base import Backend
from tests.fakes.ollama_server import FakeOllamaServer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.replies import Call, Reply
from tests.fakes.server import FakeServer

PROTOCOLS = ("openai", "ollama")
OLLAMA_MODEL = "qwen2.5:1.5b"
ANSWER = "The answer is 42."


@dataclass(frozen=True)
class Outcome:
    recovers: bool
    answer: str = "42"
    message: str = ""
    min_seconds: float = 0.0


def recovered(min_seconds: float = 0.0) -> Outcome:
    return Outcome(recovers=True, min_seconds=min_seconds)


def error(message: str) -> Outcome:
    return Outcome(recovers=False, message=message)


@dataclass(frozen=True)
class Cell:
    name: str
    replies: list[Reply | str]
    expected: Outcome
    per_protocol: dict[str, Outcome] = field(default_factory=dict)
    task: str = "What is 6 * 7?"
    dead: bool = False
    """Nothing listens: the backend points at a closed port."""

    def outcome(self, protocol: str) -> Outcome:
        return self.per_protocol.get(protocol, self.expected)


CELLS = [
    Cell("429 with Retry-After", [Reply(status=429, error="rate limited", headers={"Retry-After": "1"}), ANSWER], recovered(1.0)),
    Cell("429 without Retry-After", [Reply(status=429, error="rate limited"), ANSWER], recovered()),
    Cell("503 once", [Reply(status=503, error="overloaded"), ANSWER], recovered()),
    Cell("500 every time", [Reply(status=500, error="CUDA out of memory")] * 3, error("HTTP 500")),
    Cell("connection reset", [Reply(fault="reset"), ANSWER], recovered()),
    Cell("closed before answering", [Reply(fault="close"), ANSWER], recovered()),
    Cell("never answers", [Reply(fault="hang")], error("within the run's time limit of 3s (--timeout)")),
    Cell(
        "stalls mid-answer",
        [Reply(text="The answer is forty-two.", stall=60)],
        error("within the run's time limit of 3s (--timeout)"),
    ),
    Cell("stream cut midway", [Reply(text="The answer is forty-two, as computed.", fault="cut")], error("cut mid-answer")),
    Cell("invalid JSON", [Reply(fault="invalid_json")], error("not valid JSON")),
    Cell(
        "empty answer",
        [Reply(fault="empty")],
        error("empty answer"),
        per_protocol={"openai": error("answered with no choices")},
    ),
    Cell(
        "tool call with malformed arguments",
        [Reply(calls=[Call("calculator", '{"expression": 6*7')]), Reply(calls=[Call("calculator", {"expression": "6*7"})]), ANSWER],
        recovered(),
        per_protocol={"ollama": error("sent a tool call Ponder cannot read")},
    ),
    Cell(
        "tool call with unknown arguments",
        [Reply(calls=[Call("calculator", {"expr": "6*7"})]), Reply(calls=[Call("calculator", {"expression": "6*7"})]), ANSWER],
        recovered(),
    ),
    Cell("error event mid-stream", [Reply(text="partial answer here", stream_error="model crashed")], error("model crashed")),
    Cell("nothing listening", [], error("not reachable"), per_protocol={"openai": error("cannot connect")}, dead=True),
]


def serve(protocol: str) -> FakeServer:
    """A started-on-enter fake server of ``protocol``."""
    return FakeOpenAIServer() if protocol == "openai" else FakeOllamaServer(models=(OLLAMA_MODEL,))


def backend_for(protocol: str, url: str) -> Backend:
    """The backend of ``protocol`` pointed at ``url`` (the server's root)."""
    if protocol == "openai":
        from ponder.backends.openai.backend import OpenAIBackend

        return OpenAIBackend("m", base_url=f"{url}/v1")
    from ponder.backends.ollama.backend import OllamaBackend

    return OllamaBackend(OLLAMA_MODEL, host=url)


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


RUN_TIMEOUT = 3.0
"""The run limit every cell is held to (seconds)."""


def run_cell(cell: Cell, protocol: str, server: FakeServer) -> tuple[str | None, BaseException | None, float, Backend]:
    """Run the cell's task against ``server`` (or a closed port): (answer, error, seconds, backend)."""
    import time

    from ponder import Agent
    from ponder.agents.limits import Limits
    from ponder.backends.retry import RetryPolicy
    from ponder.errors import BackendError
    from ponder.tools.builtin.calculator import calculator

    server.enqueue(*cell.replies)
    backend = backend_for(protocol, closed_port_url() if cell.dead else server.url)
    backend.retry_policy = RetryPolicy(retries=2, base=0.2)  # type: ignore[attr-defined]
    agent = Agent(backend, tools=[calculator], limits=Limits(run_timeout=RUN_TIMEOUT, max_steps=4))
    started = time.perf_counter()
    try:
        answer, error = agent.run(cell.task).answer, None
    except BackendError as exc:
        answer, error = None, exc
    return answer, error, time.perf_counter() - started, backend
