"""Two ``ponder eval`` runs writing the same log at once: the second is refused, the first's log stays whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.replies import Reply

PONDER = [sys.executable, "-m", "ponder.cli.main"]


def test_a_second_eval_on_the_same_log_is_refused_and_the_first_log_stays_whole(tmp_path: Path) -> None:
    suite = "name: both\nmodel: openai:m\ncases:\n" + "".join(f"  - {{id: c{i}, input: q{i}, expected: 'ok'}}\n" for i in range(12))
    (tmp_path / "s.yaml").write_text(suite)
    release = threading.Event()

    def answer(body: object) -> Reply:
        release.wait(120)  # the first eval stays mid-run until the second has been tried
        return Reply(text="ok")

    with FakeOpenAIServer() as server:
        server.responder = answer
        env = {**os.environ, "OPENAI_BASE_URL": f"{server.url}/v1", "XDG_DATA_HOME": str(tmp_path)}
        args = [*PONDER, "eval", "s.yaml", "-j", "1", "--no-cache", "-q", "--no-progress", "-o", "log.jsonl"]
        first = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        log = tmp_path / "log.jsonl"
        deadline = time.monotonic() + 120
        while not (log.is_file() and log.read_text().count("\n") >= 1 and server.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        release.set()
        first_out, first_err = first.communicate(timeout=300)
    assert second.returncode == 2
    assert f"another `ponder eval` (pid {first.pid}) is writing log.jsonl" in second.stderr
    assert first.returncode == 0, first_err
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["type"] for r in lines] == ["manifest"] + ["case"] * 12, "one manifest, each case once"
