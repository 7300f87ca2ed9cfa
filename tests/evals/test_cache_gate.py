"""A cached eval can never pass for the wrong server: the cache knows where replies came from,
reports say how much was replayed, and ``--require-live`` refuses a replayed run (the real CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.faults import closed_port_url
from tests.fakes.openai_server import FakeOpenAIServer

PONDER = str(Path(sys.executable).with_name("ponder"))
SUITE = "name: gate\nmodel: openai:m\ncases:\n" + "".join(
    f"  - {{id: c{i}, input: q{i}, expected: 'You said: q{i}'}}\n" for i in range(3)
)


def echo(body: Any) -> str:
    return f"You said: {body['messages'][-1]['content']}"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        fake.responder = echo
        yield fake


def ponder(*args: str, cwd: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "OPENAI_BASE_URL": base_url}
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run([PONDER, "eval", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_an_eval_pointed_at_a_dead_server_errors_instead_of_replaying(tmp_path: Path, server: FakeOpenAIServer) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    first = ponder("s.yaml", "--min-score", "1", cwd=tmp_path, base_url=f"{server.url}/v1")
    assert first.returncode == 0, first.stderr
    dead = closed_port_url()
    again = ponder("s.yaml", "--min-score", "1", "--json", "r.json", cwd=tmp_path, base_url=f"{dead}/v1")
    assert again.returncode == 10, again.stdout + again.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["overall"]["errors"] == 3 and report["overall"]["passed"] == 0
    assert report["cache"] == {"live": 3, "partly": 0, "replies": 0, "runs": 0}
    assert all("cannot connect" in r["error"] for r in report["records"])


def test_an_eval_pointed_at_another_live_server_asks_it(tmp_path: Path, server: FakeOpenAIServer) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    assert ponder("s.yaml", cwd=tmp_path, base_url=f"{server.url}/v1").returncode == 0
    with FakeOpenAIServer() as other:
        other.responder = lambda body: "something else entirely"
        out = ponder("s.yaml", "--json", "r.json", cwd=tmp_path, base_url=f"{other.url}/v1")
        assert len(other.posted("/chat/completions")) >= 3, "every case asked the new server"
    assert out.returncode == 0
    assert json.loads((tmp_path / "r.json").read_text())["overall"]["failed"] == 3


def test_every_report_says_how_many_runs_were_replayed(tmp_path: Path, server: FakeOpenAIServer) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    url = f"{server.url}/v1"
    assert ponder("s.yaml", cwd=tmp_path, base_url=url).returncode == 0
    asked = len(server.requests)
    out = ponder("s.yaml", "--json", "r.json", "--junit", "r.xml", "--markdown", "r.md", cwd=tmp_path, base_url=url)
    assert out.returncode == 0, out.stderr
    assert len(server.requests) == asked, "the rerun was replayed"
    assert "cache: 3 of 3 runs replayed from the cache (3 whole, 0 from cached replies), 0 partly, 0 live" in out.stdout
    assert json.loads((tmp_path / "r.json").read_text())["cache"]["runs"] == 3
    props = {p.get("name"): p.get("value") for p in ET.parse(tmp_path / "r.xml").iter("property")}
    assert props["runs_replayed_from_cache"] == "3" and props["runs_live"] == "0"
    assert "**Cache:** 3 of 3 runs replayed" in (tmp_path / "r.md").read_text()


def test_require_live_refuses_a_replayed_run_with_exit_13(tmp_path: Path, server: FakeOpenAIServer) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    url = f"{server.url}/v1"
    live = ponder("s.yaml", "--require-live", "--min-score", "1", cwd=tmp_path, base_url=url)
    assert live.returncode == 0, "a live run passes the gate"
    replayed = ponder("s.yaml", "--require-live", "--min-score", "1", cwd=tmp_path, base_url=url)
    assert replayed.returncode == 13
    assert "--require-live: 3 of 3 runs took replies from the cache" in replayed.stdout
    fresh = ponder("s.yaml", "--require-live", "--no-cache", cwd=tmp_path, base_url=url)
    assert fresh.returncode == 0, "--no-cache always measures the live model"


def test_a_run_whose_replies_all_came_from_the_cache_counts_against_require_live(tmp_path: Path, server: FakeOpenAIServer) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    url = f"{server.url}/v1"
    assert ponder("s.yaml", cwd=tmp_path, base_url=url).returncode == 0
    out = ponder("s.yaml", "--responses-only", "--require-live", "--json", "r.json", cwd=tmp_path, base_url=url)
    assert out.returncode == 13
    assert json.loads((tmp_path / "r.json").read_text())["cache"]["replies"] == 3
