"""Backpressure under load: every request is answered once or refused with 429; none is lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from llama_index.core.base.llms.types import ChatMessage

from ponder.agents.spec import AgentSpec
from ponder.backends.scripted import Reply, ScriptedBackend
from ponder.serve.served import ServedAgents
from tests.serve.helpers import last_user, metric, running, settings

REQUESTS = 200
CLIENTS = 50


def slow_echo(messages: Sequence[ChatMessage]) -> Reply:
    time.sleep(0.01)  # a model that takes a moment, so a queue forms
    return f"echo {last_user(messages)}"


async def hammer(url: str) -> list[tuple[str, httpx.Response]]:
    """REQUESTS requests, each with its own nonce, from CLIENTS clients at once (no retries)."""
    todo: asyncio.Queue[str] = asyncio.Queue()
    for i in range(REQUESTS):
        todo.put_nowait(f"nonce-{i:04d}")
    done: list[tuple[str, httpx.Response]] = []
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one_client() -> None:
            while not todo.empty():
                nonce = todo.get_nowait()
                body = {"model": "echo", "messages": [{"role": "user", "content": nonce}]}
                done.append((nonce, await client.post("/v1/chat/completions", json=body)))

        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return done


def serve_and_hammer(tmp_path: Path, **limits: Any) -> tuple[list[tuple[str, httpx.Response]], ScriptedBackend, dict[str, float]]:
    agents = ServedAgents(settings(tmp_path, **limits))
    backend = ScriptedBackend(responder=slow_echo)
    agents.add(AgentSpec(tools=[]), model_id="echo", backend=backend)
    with running(agents) as server:
        done = asyncio.run(hammer(server.url))
        counts = {
            "answered": metric(server.url, "ponder_serve_runs_total", model="echo", stop_reason="answer"),
            "rejected": metric(server.url, "ponder_serve_rejected_total", lane="echo"),
            "queue": metric(server.url, "ponder_serve_queue_depth", lane="echo"),
        }
    return done, backend, counts


def test_a_full_queue_refuses_with_429_and_every_request_gets_exactly_one_answer(tmp_path: Path) -> None:
    done, backend, counts = serve_and_hammer(tmp_path, concurrency=2, queue_size=6)
    statuses = [r.status_code for _, r in done]
    assert len(done) == REQUESTS  # none lost
    assert set(statuses) == {200, 429}  # both happened: the queue did fill
    answered = [(nonce, r.json()) for nonce, r in done if r.status_code == 200]
    for nonce, body in answered:
        assert body["choices"][0]["message"]["content"] == f"echo {nonce}"  # each its own answer
    run_ids = [body["ponder"]["run_id"] for _, body in answered]
    assert len(set(run_ids)) == len(run_ids)
    assert len(backend.requests) == len(answered)  # none ran twice (or ran and was then refused)
    assert counts["answered"] == len(answered)
    assert counts["rejected"] == statuses.count(429)
    assert counts["queue"] == 0
    for _, refused in ((n, r) for n, r in done if r.status_code == 429):
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_queue_deep_enough_answers_everyone(tmp_path: Path) -> None:
    done, backend, _ = serve_and_hammer(tmp_path, concurrency=4, queue_size=REQUESTS)
    assert [r.status_code for _, r in done].count(200) == REQUESTS
    assert sorted(r.json()["choices"][0]["message"]["content"] for _, r in done) == [f"echo nonce-{i:04d}" for i in range(REQUESTS)]
    assert len(backend.requests) == REQUESTS
