"""The results file of a batch (``ponder run -f``): one JSON line per task, never lost, never doubled.

- A file that already holds results is never truncated: starting again needs ``resume`` (the
  finished tasks are kept and skipped; errored ones are run again) or ``force`` (the file is
  replaced whole). Anything else is refused with a message naming both.
- One process writes a results file at a time (its writer lock); a second one is refused.
- Each line is flushed as its task ends, so ``kill -9`` loses at most the task that was running;
  on resume a last line cut short is dropped (that task runs again), and lines that cannot be
  read are reported and the file as it was is kept aside (``.corrupt-<time>``).
- On resume the file is first rewritten (atomically) with exactly one line per finished task,
  so a resumed batch ends with one line per task.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ponder.errors import InputError, warn
from ponder.files import WriterLock, atomic_write


@dataclass
class BatchTask:
    id: str
    task: str


@dataclass
class _Read:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    garbled: int = 0
    cut_short: bool = False


class BatchResults:
    """``open`` it for a list of tasks, ``append`` a record per task, ``close`` it (or use ``with``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = WriterLock(path, what="another `ponder run -f`")
        self._file: IO[str] | None = None
        self.kept: dict[str, dict[str, Any]] = {}
        """Finished records carried over from the earlier run (by task id)."""

    def open(self, tasks: list[BatchTask], *, resume: bool = False, force: bool = False) -> list[BatchTask]:
        """Prepare the file and return the tasks still to run."""
        self._lock.acquire(wait=0)
        try:
            return self._prepare(tasks, resume=resume, force=force)
        except BaseException:
            self._lock.release()
            raise

    def _prepare(self, tasks: list[BatchTask], *, resume: bool, force: bool) -> list[BatchTask]:
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if exists and not (resume or force):
            found = _read(self.path)
            raise InputError(
                f"{self.path} already holds {len(found.records)} result(s) of an earlier run",
                fix="pass --resume to continue it (finished tasks are skipped), --force to start over, or -o another file",
            )
        if not exists or force:
            atomic_write(self.path, "")
            self._file = self.path.open("a", encoding="utf-8")
            return list(tasks)
        found = _read(self.path)
        by_id = {t.id: t for t in tasks}
        for task_id, record in found.records.items():
            known = by_id.get(task_id)
            if known is not None and record.get("task") not in (None, known.task):
                raise InputError(
                    f"cannot resume {self.path}: task '{task_id}' is not the task it holds a result for",
                    fix="the task file changed: pass --force to start over, or -o another file",
                )
        if found.garbled:
            kept = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            shutil.copy2(self.path, kept)
            warn(f"{found.garbled} line(s) of {self.path} could not be read: their tasks run again (the file as it was is kept as {kept.name})")
        if found.cut_short:
            warn(f"dropped the last line of {self.path}, cut short when the earlier run stopped; that task runs again")
        self.kept = {k: r for k, r in found.records.items() if r.get("stop_reason") != "error"}
        order = {t.id: i for i, t in enumerate(tasks)}
        ordered = sorted(self.kept.values(), key=lambda r: order.get(str(r.get("id")), len(order)))
        atomic_write(self.path, "".join(_line(r) for r in ordered))
        self._file = self.path.open("a", encoding="utf-8")
        return [t for t in tasks if t.id not in self.kept]

    def append(self, record: dict[str, Any]) -> None:
        assert self._file is not None, "open() first"
        self._file.write(_line(record))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._lock.release()

    def __enter__(self) -> BatchResults:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _read(path: Path) -> _Read:
    found = _Read()
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", fix="check the file's permissions, or pass -o another file") from None
    with handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                found.cut_short = True
                break
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError):
                found.garbled += 1
                continue
            if isinstance(data, dict) and isinstance(data.get("id"), str | int):
                found.records[str(data["id"])] = data
            else:
                found.garbled += 1
    return found
