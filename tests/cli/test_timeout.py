"""``ponder run --timeout`` bounds a run against a server that never answers, and says which limit it was."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.faults import OLLAMA_MODEL, serve
from tests.fakes.replies import Reply

PONDER = [sys.executable, "-m", "ponder.cli.main"]
SLACK = 2.0
"""Seconds past the limit for the watchdog to fire, the error to be printed and the process to exit."""


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_a_server_that_never_answers_ends_the_run_at_its_timeout(protocol: str, tmp_path: Path) -> None:
    with serve(protocol) as server:
        server.enqueue(Reply(fault="hang"))
        env = {**os.environ, "OPENAI_BASE_URL": f"{server.url}/v1", "OLLAMA_HOST": server.url, "XDG_DATA_HOME": str(tmp_path)}
        env.pop("OPENAI_API_KEY", None)
        model = "openai:m" if protocol == "openai" else f"ollama:{OLLAMA_MODEL}"
        process = subprocess.Popen(
            [*PONDER, "run", "-m", model, "--timeout", "3", "hi"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
        )
        assert process.stderr is not None
        lines, told = [], None
        for line in process.stderr:  # when the error is shown (the interpreter's exit after it is not the run's)
            lines.append(line)
            told = told or (time.monotonic() if line.startswith("error:") else None)
        process.wait(timeout=120)
        asked = [r for r in server.requests if r.path.endswith(("/chat/completions", "/api/chat"))]
    stderr = "".join(lines)
    assert process.returncode == 4, stderr
    assert len(asked) == 1, "a request that hangs is not retried"
    assert told is not None and told - asked[0].at < 3 + SLACK, f"the error came {told and told - asked[0].at}s after the request"
    assert "within the run's time limit of 3s (--timeout)" in stderr
    assert "120" not in stderr, "the backend's own timeout is not the limit that ended the run"
    assert "fix:" in stderr and "Traceback" not in stderr
