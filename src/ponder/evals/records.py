"""One record per case × repeat, appended to a JSONL log the moment it is known.

The log's first line is the run's manifest; each further line one ``CaseRecord``. Every
line is flushed to the OS as it is written (so ``kill -9`` loses nothing written) and
fsynced at most every half second and at the end (a power cut may lose the last instant).
``--resume`` reads the log back, drops a line cut short by a kill, and skips the keys that
are done; an errored key is run again and its new record supersedes the old one. One process
writes a log at a time (a second is refused); lines that cannot be read are reported, and the
file as it was is kept aside, never silently dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ponder.agents.result import StepRecord
from ponder.errors import InputError, warn
from ponder.files import WriterLock, atomic_write, set_aside

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
    """The JSONL log of a run. One writer at a time: a second process is refused (the log's lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None
        self._last_sync = 0.0
        self._lock = WriterLock(path, what="another `ponder eval`")

    def start(self, manifest: dict[str, Any], *, resume: bool) -> dict[str, CaseRecord]:
        """Open the log; with ``resume``, return the finished records (and refuse a different suite or model).

        A fresh start replaces an earlier log whole (a new file moved into place). On resume, a
        last line cut short by a kill is dropped (that run is redone); a log with lines that cannot
        be read is copied aside first (``.corrupt-<time>``) and rewritten with the readable ones.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(wait=0)
        try:
            records = self._open(manifest, resume=resume)
        except BaseException:
            self._lock.release()
            raise
        return records

    def _open(self, manifest: dict[str, Any], *, resume: bool) -> dict[str, CaseRecord]:
        header = json.dumps({"type": "manifest", **manifest}, ensure_ascii=False) + "\n"
        if not (resume and self.path.is_file()):
            atomic_write(self.path, header)
            self._file = self.path.open("a", encoding="utf-8")
            return {}
        log = read_log(self.path)
        if log.manifest is None and log.garbled:
            kept = set_aside(self.path)
            warn(f"{self.path} is not a results log Ponder can read; it was set aside as {kept.name} and a new run started")
            atomic_write(self.path, header)
            self._file = self.path.open("a", encoding="utf-8")
            return {}
        _check_resumable(self.path, log.manifest, manifest)
        if log.garbled:
            kept = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            shutil.copy2(self.path, kept)
            warn(f"{log.garbled} line(s) of {self.path} could not be read: skipped (the file as it was is kept as {kept.name})")
        if log.garbled or log.manifest is None:
            lines = [json.dumps({"type": "manifest", **(log.manifest or manifest)}, ensure_ascii=False) + "\n"]
            lines += [json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in log.records.values()]
            atomic_write(self.path, "".join(lines))
        elif log.cut_short:
            warn(f"dropped the last line of {self.path}, cut short when the earlier run stopped; that run is done again")
            with self.path.open("r+b") as f:
                f.truncate(log.good_bytes)
        self._file = self.path.open("a", encoding="utf-8")
        return log.records

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
        self._lock.release()


@dataclass
class LogContents:
    manifest: dict[str, Any] | None = None
    records: dict[str, CaseRecord] = field(default_factory=dict)
    """By key, the last record winning."""
    good_bytes: int = 0
    """Bytes up to the end of the last complete line."""
    garbled: int = 0
    """Complete lines that are not a manifest or a record Ponder can read."""
    cut_short: bool = False
    """The file ends in a line without its newline (a write cut by a kill)."""


def read_log(path: Path) -> LogContents:
    """What a log holds: its manifest, its records (the last of each key winning), and what could not be read."""
    log = LogContents()
    with path.open("rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                log.cut_short = True
                break  # the last line, cut short by a kill: ignored and redone
            log.good_bytes += len(raw)
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError):
                log.garbled += 1
                continue
            kind = data.get("type") if isinstance(data, dict) else None
            if kind == "manifest":
                log.manifest = log.manifest or data
            elif kind == "case":
                try:
                    record = CaseRecord.model_validate(data)
                except ValidationError:
                    log.garbled += 1
                    continue
                log.records[record.key] = record
            else:
                log.garbled += 1
    return log


def _check_resumable(path: Path, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if old is None:
        return
    for key, what in (("suite_digest", "the suite changed"), ("model", "the model is different"), ("repeat", "--repeat differs")):
        if key == "repeat" and new.get("repeat", 0) >= old.get("repeat", 0):
            continue  # more repeats than before: the earlier ones still count
        if old.get(key) != new.get(key):
            raise InputError(
                f"cannot resume {path}: {what} since it was written ({old.get(key)} -> {new.get(key)})",
                fix="run without --resume to start over, or pass another --out",
            )
