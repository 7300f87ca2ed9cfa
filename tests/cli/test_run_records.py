"""Every `ponder run` and chat turn leaves a record under .ponder/runs, with the spec's fingerprint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PONDER = str(Path(sys.executable).with_name("ponder"))


def ponder(*args: str, cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PONDER, *args], cwd=cwd, input=stdin, env={**os.environ, "COLUMNS": "160", **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def records(project: Path) -> list[list[dict[str, object]]]:
    folder = project / ".ponder" / "runs"
    return [[json.loads(line) for line in p.read_text().splitlines()] for p in sorted(folder.glob("*.jsonl"))]


def test_a_run_leaves_a_record_with_the_spec_fingerprint(tmp_path: Path) -> None:
    out = ponder("run", "-m", "scripted:echo", "--tools", "calculator", "hello", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (record,) = records(tmp_path)
    header, last = record[0], record[-1]
    assert header["type"] == "RunHeader" and header["source"] == "run" and header["task"] == "hello"
    assert header["model"] == "scripted:echo" and len(str(header["spec_fingerprint"])) == 64
    assert last["type"] == "RunFinished" and last["stop_reason"] == "answer"


def test_each_chat_turn_leaves_its_own_record(tmp_path: Path) -> None:
    out = ponder("chat", "-m", "scripted:echo", cwd=tmp_path, stdin="first\nsecond\n", XDG_DATA_HOME=str(tmp_path / "data"))
    assert out.returncode == 0, out.stderr
    tasks = sorted(str(r[0]["task"]) for r in records(tmp_path))
    assert tasks == ["first", "second"] and {r[0]["source"] for r in records(tmp_path)} == {"chat"}


def test_recording_can_be_switched_off_in_ponder_toml(tmp_path: Path) -> None:
    (tmp_path / "ponder.toml").write_text("[runs]\nrecord = false\n")
    assert ponder("run", "-m", "scripted:echo", "hello", cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".ponder" / "runs").exists()


def test_a_secret_in_the_environment_never_reaches_a_record(tmp_path: Path) -> None:
    secret = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
    out = ponder("run", "-m", "scripted:echo", f"my key is {secret}", cwd=tmp_path, OPENAI_API_KEY=secret)
    assert out.returncode == 0, out.stderr
    text = "".join(p.read_text() for p in (tmp_path / ".ponder" / "runs").glob("*.jsonl"))
    assert secret not in text and "my key is" in text
