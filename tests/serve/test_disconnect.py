"""A client that hangs up cancels its run: the model stops writing and the slot is free again."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import httpx

from ponder.agents.spec import AgentSpec
from ponder.serve.served import ServedAgents
from tests.serve.helpers import DripBackend, metric, running, settings

WORDS = 300


def wait_for(check: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def served_drip(tmp_path: Path) -> tuple[ServedAgents, DripBackend]:
    agents = ServedAgents(settings(tmp_path, concurrency=1, queue_size=0))
    backend = DripBackend(words=WORDS, interval=0.02)
    agents.add(AgentSpec(tools=[]), model_id="drip", backend=backend)
    return agents, backend


def test_hanging_up_mid_stream_cancels_the_run(tmp_path: Path) -> None:
    agents, backend = served_drip(tmp_path)
    body = {"model": "drip", "stream": True, "messages": [{"role": "user", "content": "talk"}]}
    with running(agents) as server:
        with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body) as response:
            received = 0
            for line in response.iter_lines():
                received += '"content":"word' in line
                if received >= 3:
                    break  # leaving the block closes the connection
        url = server.url
        assert wait_for(lambda: metric(url, "ponder_serve_runs_total", model="drip", stop_reason="cancelled") == 1)
        written = backend.written
        time.sleep(0.3)
        assert backend.written == written < WORDS  # the model stopped writing
        assert metric(url, "ponder_serve_runs_in_flight", lane="drip") == 0
        # the one slot (no queue) is free again: the next request is served, not refused with 429
        with httpx.stream("POST", f"{url}/v1/chat/completions", json=body) as again:
            assert again.status_code == 200
            assert any('"content":"word0' in line for line in again.iter_lines())


def test_hanging_up_on_a_plain_request_cancels_the_run(tmp_path: Path) -> None:
    agents, backend = served_drip(tmp_path)
    body = {"model": "drip", "messages": [{"role": "user", "content": "talk"}]}
    with running(agents) as server:
        with contextlib.suppress(httpx.ReadTimeout):  # the client gives up and closes the connection
            httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=0.5)
        url = server.url
        assert wait_for(lambda: metric(url, "ponder_serve_runs_total", model="drip", stop_reason="cancelled") == 1)
        assert backend.written < WORDS
