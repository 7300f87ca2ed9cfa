"""Runs on disk: a paused run survives a restart, a finished one can still be read back.

One JSON file per run under ``<state_dir>/runs/``, replaced whole (written to a temporary file,
flushed to disk, renamed over the old one), so a crash at any moment leaves either the old
state or the new one, never half of either. A paused run holds everything needed to go on: the
agent's spec as JSON, the conversation so far, the call waiting for approval and what the
earlier steps did.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any, Literal

from llama_index.core.base.llms.types import ChatMessage
from pydantic import BaseModel, Field

from ponder.agents.result import RunResult, StepRecord, ToolCallRecord
from ponder.usage import Usage

RUN_ID = re.compile(r"^run_[0-9a-f]{24}$")
Status = Literal["running", "paused", "finished", "interrupted"]


def new_run_id() -> str:
    return f"run_{secrets.token_hex(12)}"


class PendingCall(BaseModel):
    """The tool call a paused run waits on."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    native: bool
    """The model called it through the API's tool calls: its result must answer its id."""
    later_ids: list[str] = Field(default_factory=list)
    """Native calls the model made after it in the same turn: never run, answered as such."""
    description: str


class Progress(BaseModel):
    """What a run's earlier segments did (before each pause), added to the final result."""

    steps: int = 0
    trajectory: list[ToolCallRecord] = Field(default_factory=list)
    step_records: list[StepRecord] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0


class StoredRun(BaseModel):
    id: str
    model: str
    """The served model id the run was started on."""
    status: Status
    created: float = Field(default_factory=time.time)
    updated: float = Field(default_factory=time.time)
    spec: str
    """The agent's ``AgentSpec`` JSON: a restarted server rebuilds the same agent from it."""
    task: str
    system_extra: str | None = None
    """The client's own system text, appended to the agent's system prompt."""
    messages: list[ChatMessage] = Field(default_factory=list)
    """The conversation without the system message: the request's messages, then the run's."""
    pending: PendingCall | None = None
    decision: Literal["approve", "deny"] | None = None
    progress: Progress = Field(default_factory=Progress)
    result: RunResult | None = None


class RunStore:
    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "runs"

    def path(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id):
            raise KeyError(run_id)
        return self.root / f"{run_id}.json"

    def save(self, run: StoredRun) -> None:
        """Replace the run's file atomically and durably."""
        run.updated = time.time()
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(run.id)
        temporary = self.root / f".{run.id}.{secrets.token_hex(4)}.tmp"
        data = run.model_dump_json().encode("utf-8")
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        _sync_dir(self.root)

    def load(self, run_id: str) -> StoredRun | None:
        try:
            raw = self.path(run_id).read_bytes()
        except (KeyError, FileNotFoundError):
            return None
        return StoredRun.model_validate_json(raw)

    def ids(self, status: Status | None = None) -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("run_*.json")):
            if status is None:
                found.append(path.stem)
                continue
            run = self.load(path.stem)
            if run is not None and run.status == status:
                found.append(path.stem)
        return found


def _sync_dir(path: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
