"""A key in the environment never reaches what the user sees, whoever echoes it back.

``ponder run`` as a user runs it, against loopback OpenAI and Ollama servers: a server's error
body, a tool's output and the model's own reply each carry the key; stdout and stderr (with
``--steps`` and ``--json``) must show ``[redacted]`` instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_run import ponder
from tests.fakes.ollama_server import FakeOllamaServer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.replies import Call, Reply
from tests.fakes.server import FakeServer

KEY = "planted-9c1f4e2a7b3d5f60"
"""Not shaped like any known key: only the environment says it is one."""


@pytest.fixture(params=["openai", "ollama"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[FakeServer, str, dict[str, str]]]:
    if request.param == "openai":
        with FakeOpenAIServer(api_key=KEY) as server:
            env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
            yield server, "openai:gpt-4o-mini", env
    else:
        with FakeOllamaServer() as server:
            env = {"OPENAI_API_KEY": KEY, "OLLAMA_HOST": server.url}
            yield server, "ollama:qwen2.5:1.5b", env


def _run(served: tuple[FakeServer, str, dict[str, str]], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """Exit code, everything printed (stdout and stderr), and stdout alone."""
    _, model, env = served
    done = ponder("run", "--model", model, "--steps", *args, cwd=tmp_path, env=env)
    return done.returncode, done.stdout + done.stderr, done.stdout


def test_a_server_error_body_that_echoes_the_key_is_shown_redacted(served: tuple[FakeServer, str, dict[str, str]], tmp_path: Path) -> None:
    served[0].enqueue(Reply(status=400, error=f"bad request: the key {KEY} is not allowed here"))
    code, seen, stdout = _run(served, tmp_path, "Say hi.")
    assert code != 0
    assert KEY not in seen
    assert "the key [redacted] is not allowed" in seen


def test_an_error_in_the_middle_of_a_stream_that_echoes_the_key_is_shown_redacted(
    served: tuple[FakeServer, str, dict[str, str]], tmp_path: Path
) -> None:
    served[0].enqueue(Reply(text="Starting the answer and then", stream_error=f"upstream failed for {KEY}"))
    code, seen, stdout = _run(served, tmp_path, "Say hi.")
    assert KEY not in seen
    assert code != 0


def test_a_model_reply_that_echoes_the_key_is_shown_redacted(served: tuple[FakeServer, str, dict[str, str]], tmp_path: Path) -> None:
    served[0].enqueue(Reply(text=f"Your key is {KEY}, keep it safe.", chunk=3))
    code, seen, stdout = _run(served, tmp_path, "--json", "What is my key?")
    assert code == 0, seen
    assert KEY not in seen
    assert "Your key is [redacted], keep it safe." in seen


def test_a_tool_output_that_holds_the_key_is_shown_redacted(served: tuple[FakeServer, str, dict[str, str]], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(f"deploy with OPENAI_API_KEY={KEY}\n")
    served[0].enqueue(Reply(calls=[Call("read_file", {"path": "notes.txt"})]), Reply(text="The notes hold a deploy key."))
    code, seen, stdout = _run(served, tmp_path, "--tools", "read_file", "--json", "What is in notes.txt?")
    assert code == 0, seen
    assert KEY not in seen
    assert "OPENAI_API_KEY=[redacted]" in seen  # the --steps view shows the brackets
    assert "[redacted]" in json.loads(stdout)["trajectory"][0]["output"]
    model_saw = json.dumps([r.body for r in served[0].requests])
    assert KEY not in model_saw and "[redacted]" in model_saw
