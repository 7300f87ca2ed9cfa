"""Durable approvals across a killed server, and a graceful shutdown that loses no run."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serve.process import ServerProcess
from tests.serve.runs_client import events
from tests.serve.tools import LOG_ENV

LAUNCH = ["-m", "tests.serve.launch", "{port}"]


def launch(tmp_path: Path, notes: Path) -> ServerProcess:
    return ServerProcess([*LAUNCH, str(tmp_path / "state")], cwd=tmp_path, env={LOG_ENV: str(notes)})


def test_a_run_paused_for_approval_survives_kill_9_and_is_approved_after_restart(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    with launch(tmp_path, notes) as first:
        first.wait_ready()
        pending = events(first.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
        assert pending["type"] == "ApprovalPending"
        first.kill()
    with launch(tmp_path, notes) as second:
        second.wait_ready()
        run = httpx.get(f"{second.url}/v1/runs/{pending['run_id']}").json()
        assert run["status"] == "paused" and run["pending_approval"]["name"] == "append_note"
        assert not notes.exists()
        rest = events(second.url, f"/v1/runs/{pending['run_id']}/approve", {"call_id": pending["call_id"]})
    assert rest[-1]["type"] == "RunFinished"
    assert rest[-1]["result"]["answer"] == "Done: appended 'hello'"
    assert notes.read_text() == "hello\n"  # ran once, after the approval


def test_sigterm_drains_in_flight_runs_and_keeps_paused_ones(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    with launch(tmp_path, notes) as server:
        server.wait_ready()
        pending = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
        streamed: list[dict[str, Any]] = []
        started = threading.Event()

        def follow() -> None:
            with httpx.stream("POST", f"{server.url}/v1/runs", json={"model": "drip", "input": "talk"}, timeout=60) as r:
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        streamed.append(json.loads(line[6:]))
                        started.set()

        reader = threading.Thread(target=follow)
        reader.start()
        assert started.wait(30)
        assert server.terminate() in (0, -15)  # uvicorn re-raises SIGTERM once it has shut down
        reader.join(30)
        log = server.output()
    assert "Finished server process" in log
    finished = streamed[-1]
    assert finished["type"] == "RunFinished" and finished["stop_reason"] == "cancelled"  # the stream ended with the run
    assert "Traceback" not in log
    with launch(tmp_path, notes) as again:
        again.wait_ready()
        assert httpx.get(f"{again.url}/v1/runs/{pending['run_id']}").json()["status"] == "paused"
        drip = httpx.get(f"{again.url}/v1/runs/{finished['run_id']}").json()
        assert drip["status"] == "finished" and drip["result"]["stop_reason"] == "cancelled"


@pytest.mark.parametrize("host", ["0.0.0.0"])
def test_the_cli_refuses_to_bind_beyond_loopback_without_a_key(tmp_path: Path, host: str) -> None:
    with ServerProcess(["-m", "ponder.cli.main", "serve", "--model", "scripted:echo", "--host", host, "--port", "{port}"], cwd=tmp_path) as cli:
        code = cli.process.wait(120)
        output = cli.output()
    assert code == 3
    assert "needs an API key" in output and "PONDER_SERVE_API_KEY" in output
    assert "Traceback" not in output


def test_ponder_serve_serves_the_agent_its_flags_declare(tmp_path: Path) -> None:
    import openai

    key = "sk-cli-test-0123456789"
    with ServerProcess(
        ["-m", "ponder.cli.main", "serve", "--model", "scripted:echo", "--tools", "calculator", "--port", "{port}"],
        cwd=tmp_path,
        env={"PONDER_SERVE_API_KEY": key},
    ) as cli:
        cli.wait_ready()
        client = openai.OpenAI(base_url=f"{cli.url}/v1", api_key=key, max_retries=0)
        assert [m.id for m in client.models.list()] == ["scripted:echo"]
        reply = client.chat.completions.create(model="scripted:echo", messages=[{"role": "user", "content": "from the CLI"}])
        assert reply.choices[0].message.content == "You said: from the CLI"
        assert cli.terminate() in (0, -15)
        log = cli.output()
    assert '"POST /v1/chat/completions HTTP/1.1" 200' in log  # the access log
    assert "Finished server process" in log
    assert key not in log
