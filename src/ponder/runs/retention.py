"""How many run records to keep: the newest ``keep`` of them, none older than ``max_age_days``.

Pruned when a new record starts (a directory listing and a few ``stat`` calls), so the runs
directory stays bounded without a separate clean-up command.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

RECORD_SUFFIXES = (".jsonl", ".corrupt")


@dataclass(frozen=True, kw_only=True)
class Retention:
    keep: int | None = 500
    """Records kept at most (the newest); None: no limit."""
    max_age_days: float | None = 30.0
    """Records older than this are removed; None: no limit."""

    @property
    def active(self) -> bool:
        return self.keep is not None or self.max_age_days is not None


def prune(directory: Path, retention: Retention, *, keep_path: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the records ``retention`` does not keep; returns what was removed. Never ``keep_path``."""
    now = time.time() if now is None else now
    found: list[tuple[float, Path]] = []
    for path in directory.iterdir() if directory.is_dir() else ():
        if path.suffix in RECORD_SUFFIXES and path != keep_path and path.is_file():
            try:
                found.append((path.stat().st_mtime, path))
            except FileNotFoundError:  # another process pruned it first
                continue
    found.sort(reverse=True)
    doomed: list[Path] = []
    if retention.keep is not None:
        room = max(0, retention.keep - (1 if keep_path is not None else 0))
        doomed += [p for _, p in found[room:]]
    if retention.max_age_days is not None:
        cutoff = now - retention.max_age_days * 86400
        doomed += [p for mtime, p in found if mtime < cutoff and p not in doomed]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
