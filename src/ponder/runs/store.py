"""Reading run records back: list them (newest first), load one, find one by id.

A record's last line may be cut short (the process was killed while writing it): it is
dropped and the run shows as unfinished. A file that does not start with a run header is
not a record: ``list_runs`` moves it aside (``<name>.corrupt``) and says so; ``load_run``
refuses it with the same explanation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ponder.errors import InputError
from ponder.runs.format import RunHeader, event_from_dict

if TYPE_CHECKING:
    from ponder.agents.events import Event
    from ponder.agents.result import RunResult


class CorruptRunRecord(InputError):
    """A file in the runs directory that is not a run record."""


@dataclass
class RunSummary:
    """One line of ``ponder runs``: the header and how the run ended (None while unfinished)."""

    header: RunHeader
    path: Path
    stop_reason: str | None = None
    steps: int | None = None
    seconds: float | None = None
    answer: str | None = None

    @property
    def run_id(self) -> str:
        """The file's name without ``.jsonl``: what ``find_run`` and ``ponder runs show`` take."""
        return self.path.stem

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None


@dataclass
class RunRecord:
    """A whole record: the header, every event line as written, and the result if the run finished."""

    header: RunHeader
    path: Path
    lines: list[dict[str, Any]] = field(default_factory=list)
    result: RunResult | None = None
    truncated: bool = False
    """The last line was cut short (the writer was killed) and was dropped."""
    skipped_lines: int = 0
    """Complete lines that were not JSON objects (skipped)."""

    def events(self) -> Iterator[Event]:
        """The typed events (lines of types this version does not know are left out)."""
        for line in self.lines:
            event = event_from_dict(line)
            if event is not None:
                yield event


@dataclass
class RunListing:
    runs: list[RunSummary]
    set_aside: list[str] = field(default_factory=list)
    """One message per file that was moved aside as corrupt."""


def _header(first: bytes, path: Path) -> RunHeader:
    why = "it is empty" if not first.strip() else None
    if why is None:
        try:
            data = json.loads(first)
            if not isinstance(data, dict) or data.get("type") != "RunHeader":
                why = "its first line is not a run header"
            else:
                return RunHeader.model_validate(data)
        except ValueError:
            why = "its first line is not JSON" if first.endswith(b"\n") else "it was cut short before its header was written"
        except ValidationError as exc:
            why = f"its header is malformed ({exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']})"
    raise CorruptRunRecord(f"{path} is not a run record: {why}", fix=f"delete it, or run `ponder runs` to move it aside as {path.name}.corrupt")


def load_run(path: Path) -> RunRecord:
    """The record at ``path``; tolerates a last line cut short and skips garbled complete lines."""
    if not path.is_file():
        raise InputError(f"no run record at {path}", fix="`ponder runs` lists the recorded runs")
    with path.open("rb") as f:
        header = _header(f.readline(), path)
        record = RunRecord(header=header, path=path)
        for raw in f:
            if not raw.endswith(b"\n"):
                record.truncated = True
                break
            try:
                data = json.loads(raw)
            except ValueError:
                record.skipped_lines += 1
                continue
            if not isinstance(data, dict):
                record.skipped_lines += 1
                continue
            record.lines.append(data)
    finished = record.lines[-1] if record.lines and record.lines[-1].get("type") == "RunFinished" else None
    if finished is not None:
        from ponder.agents.result import RunResult

        try:
            record.result = RunResult.model_validate(finished.get("result"))
        except ValidationError:
            record.result = None
    return record


def _last_line(path: Path, block: int = 65536) -> bytes:
    """The last complete line of a file (a tail cut short is not one), read from the end."""
    with path.open("rb") as f:
        end = f.seek(0, 2)
        data = b""
        while end > 0:
            start = max(0, end - block)
            f.seek(start)
            data = f.read(end - start) + data
            end = start
            cut = data.rfind(b"\n")
            if cut < 0:
                continue
            previous = data.rfind(b"\n", 0, cut)
            if previous >= 0 or start == 0:
                return data[previous + 1 : cut + 1]
        return b""


def summarize(path: Path) -> RunSummary:
    with path.open("rb") as f:
        header = _header(f.readline(), path)
    summary = RunSummary(header=header, path=path)
    last = _last_line(path)
    if last.startswith(b'{"type": "RunFinished"'):
        try:
            result = json.loads(last).get("result") or {}
        except ValueError:
            return summary
        summary.stop_reason = str(result.get("stop_reason") or "")
        summary.steps = result.get("steps")
        summary.seconds = result.get("seconds")
        summary.answer = result.get("answer")
    return summary


def _newest_first_key(path: Path) -> tuple[str, float]:
    """Ids sort by the millisecond a run began (``YYYYMMDD-HHMMSS-mmm``); ties by when last written."""
    try:
        return path.name[:19], path.stat().st_mtime
    except FileNotFoundError:
        return path.name[:19], 0.0


def list_runs(directory: Path, *, limit: int | None = None) -> RunListing:
    """The records in ``directory``, newest first; corrupt files are moved aside (and reported)."""
    listing = RunListing(runs=[])
    if not directory.is_dir():
        return listing
    paths = sorted((p for p in directory.glob("*.jsonl") if p.is_file()), key=_newest_first_key, reverse=True)
    for path in paths:
        if limit is not None and len(listing.runs) >= limit:
            break
        try:
            listing.runs.append(summarize(path))
        except CorruptRunRecord as exc:
            aside = path.with_name(path.name + ".corrupt")
            path.replace(aside)
            listing.set_aside.append(f"{exc.message}; moved aside to {aside}")
        except FileNotFoundError:  # pruned by another process meanwhile
            continue
    return listing


def find_run(directory: Path, wanted: str) -> Path:
    """A record by its id, a unique prefix of it, or its random tail (``3fa9c2``)."""
    if not directory.is_dir():
        raise InputError(f"no runs recorded yet in {directory}", fix="runs are recorded as they happen; `ponder runs` lists them")
    ids = sorted(p.stem for p in directory.glob("*.jsonl"))
    if wanted in ids:
        return directory / f"{wanted}.jsonl"
    matches = [i for i in ids if i.startswith(wanted) or i.endswith(wanted)]
    if len(matches) == 1:
        return directory / f"{matches[0]}.jsonl"
    if not matches:
        raise InputError(f"no run '{wanted}' in {directory}", fix="`ponder runs` lists the recorded runs and their ids")
    shown = ", ".join(matches[:5]) + (" …" if len(matches) > 5 else "")
    raise InputError(f"'{wanted}' matches {len(matches)} runs: {shown}", fix="give more of the id")
