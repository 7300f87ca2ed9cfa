"""Starting ``ponder chat`` for tests: in a pseudo-terminal (``Terminal``) or as a piped subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.cli.terminal import Terminal


def ponder_argv(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("ponder")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "ponder.cli.main"]
    return [*base, *args]


def chat_env() -> dict[str, str]:
    """The test's environment (isolated XDG dirs from conftest) plus a real terminal type."""
    env = dict(os.environ)
    env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1", COLUMNS="110", LINES="40")
    env.pop("PONDER_DEBUG", None)
    return env


def write_script(path: Path, replies: Sequence[Any]) -> str:
    """A ``scripted:`` model spec replaying ``replies`` (strings or {text, tool_calls, delay, fail})."""
    path.write_text(yaml.safe_dump(list(replies), sort_keys=False), encoding="utf-8")
    return f"scripted:{path}"


def start_chat(*args: str, cwd: Path | None = None) -> Terminal:
    term = Terminal(ponder_argv("chat", *args), env=chat_env(), cwd=str(cwd) if cwd else None)
    term.ready(timeout=20)
    return term


def pipe_chat(stdin: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ponder_argv("chat", *args),
        input=stdin,
        capture_output=True,
        text=True,
        env=chat_env(),
        cwd=cwd,
        timeout=120,
    )
