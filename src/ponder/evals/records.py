"""One record per case × repeat, appended to a JSONL log the moment it is known.

The log's first line is the run's manifest; each further line one ``CaseRecord``. Every
line is flushed to the OS as it is written (so ``kill -9`` loses nothing written) and
fsynced at most every half second and at the end (a power cut may lose the last instant).
``--resume`` reads the log back, drops a line cut short by a kill, and skips the keys that
are done; an errored key is run again and its new record supersedes the old one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ponder.agents.result import StepRecord
from ponder.errors import InputError

if TYPE_CHECKING:
    from ponder.agents.result import RunResult

Status = Literal["pass", "fail", "error", "unscored", "skipped"]
FSYNC_EVERY = 0.5
RECORD_CHARS = 4000
"""A tool result or a step's text longer than this is cut in the record (the report says how much)."""


class GradeRecord(BaseModel):
    grader: str
    passed: bool | None = None
    score: float | None = None
    reason: str = ""
    error: str | None = None


class CallRecord(BaseModel):
    """One tool call. ``step``, ``error_kind`` and ``seconds`` are absent from logs written before they existed."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    output: str = ""
    step: int | None = None
    error_kind: str | None = None
    seconds: float | None = None


class CaseRecord(BaseModel):
    type: Literal["case"] = "case"
    key: str
    case: str
    repeat: int
    status: Status
    tags: list[str] = Field(default_factory=list)
    input: str = ""
    expected: Any = None
    answer: str | None = None
    stop_reason: str | None = None
    score: float | None = None
    grades: list[GradeRecord] = Field(default_factory=list)
    steps: int = 0
    tool_calls: list[CallRecord] = Field(default_factory=list)
    step_records: list[StepRecord] = Field(default_factory=list)
    """Each model call: its text (cut at RECORD_CHARS), token usage and seconds; empty in older logs."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0
    seconds: float = 0.0
    error: str | None = None
    cached: Literal["no", "partly", "responses", "run"] = "no"
    finished_at: float = Field(default_factory=time.time)

    @property
    def passed(self) -> bool | None:
        return {"pass": True, "fail": False}.get(self.status)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def failure_reason(self) -> str:
        if self.error:
            return self.error
        reasons = [f"{g.grader}: {g.error or g.reason}" for g in self.grades if g.error or g.passed is False]
        return "; ".join(reasons) or (self.stop_reason or "")


def bounded(text: str, limit: int = RECORD_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[… {len(text) - limit} more characters not recorded]"


def trajectory_fields(result: RunResult) -> dict[str, Any]:
    """A record's fields for a finished run: answer, usage, and the whole trajectory (bounded)."""
    return {
        "answer": result.answer,
        "stop_reason": result.stop_reason.value,
        "steps": result.steps,
        "tool_calls": [
            CallRecord(
                name=c.name, arguments=c.arguments, ok=c.ok, output=bounded(c.output), step=c.step,
                error_kind=c.error_kind, seconds=round(c.seconds, 4),
            )
            for c in result.trajectory
        ],
        "step_records": [s.model_copy(update={"text": bounded(s.text), "seconds": round(s.seconds, 4)}) for s in result.step_records],
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": result.usage.completion_tokens,
        "model_calls": result.usage.model_calls,
        "seconds": round(result.seconds, 4),
    }


def job_key(case_id: str, repeat: int) -> str:
    return f"{case_id}#{repeat}"


class ResultsLog:
    """The JSONL log of a run. Single writer (the runner's main thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None
        self._last_sync = 0.0

    def start(self, manifest: dict[str, Any], *, resume: bool) -> dict[str, CaseRecord]:
        """Open the log; with ``resume``, return the finished records (and refuse a different suite or model)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.is_file():
            old_manifest, records, good_bytes = read_log(self.path)
            _check_resumable(self.path, old_manifest, manifest)
            with self.path.open("r+b") as f:  # drop a line cut short by a kill before appending
                f.truncate(good_bytes)
            self._file = self.path.open("a", encoding="utf-8")
            if old_manifest is None:
                self._write({"type": "manifest", **manifest})
            return records
        self._file = self.path.open("w", encoding="utf-8")
        self._write({"type": "manifest", **manifest})
        return {}

    def append(self, record: CaseRecord) -> None:
        self._write(record.model_dump(mode="json"))

    def _write(self, data: dict[str, Any]) -> None:
        self._file.write(json.dumps(data, ensure_ascii=False) + "\n")
        self._file.flush()
        now = time.monotonic()
        if now - self._last_sync >= FSYNC_EVERY:
            os.fsync(self._file.fileno())
            self._last_sync = now

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


def read_log(path: Path) -> tuple[dict[str, Any] | None, dict[str, CaseRecord], int]:
    """(manifest, records by key with the last one winning, bytes of well-formed lines)."""
    manifest: dict[str, Any] | None = None
    records: dict[str, CaseRecord] = {}
    good = 0
    with path.open("rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # the last line, cut short by a kill: ignored and redone
            good += len(raw)
            try:
                data = json.loads(raw)
            except ValueError:
                continue  # a complete but garbled line (not ours): skip it, keep what follows
            if data.get("type") == "manifest":
                manifest = manifest or data
            elif data.get("type") == "case":
                try:
                    record = CaseRecord.model_validate(data)
                except ValidationError:
                    continue
                records[record.key] = record
    return manifest, records, good


def _check_resumable(path: Path, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if old is None:
        return
    for field, what in (("suite_digest", "the suite changed"), ("model", "the model is different"), ("repeat", "--repeat differs")):
        if field == "repeat" and new.get("repeat", 0) >= old.get("repeat", 0):
            continue  # more repeats than before: the earlier ones still count
        if old.get(field) != new.get(field):
            raise InputError(
                f"cannot resume {path}: {what} since it was written ({old.get(field)} -> {new.get(field)})",
                fix="run without --resume to start over, or pass another --out",
            )
