"""Retention: the newest N records, none older than the age limit, never the one being written."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ponder.runs import Retention, prune


def files(directory: Path, ages_days: list[float]) -> list[Path]:
    now = time.time()
    paths = []
    for i, age in enumerate(ages_days):
        path = directory / f"run{i}.jsonl"
        path.write_text("{}\n")
        os.utime(path, (now - age * 86400, now - age * 86400))
        paths.append(path)
    return paths


def test_keeps_the_newest(tmp_path: Path) -> None:
    paths = files(tmp_path, [0.1, 0.2, 0.3, 0.4])
    removed = prune(tmp_path, Retention(keep=2, max_age_days=None))
    assert sorted(removed) == sorted(paths[2:])
    assert sorted(tmp_path.iterdir()) == sorted(paths[:2])


def test_removes_what_is_older_than_the_age_limit(tmp_path: Path) -> None:
    paths = files(tmp_path, [1, 10, 40])
    prune(tmp_path, Retention(keep=None, max_age_days=30))
    assert sorted(tmp_path.iterdir()) == sorted(paths[:2])


def test_never_removes_the_record_being_written_or_other_files(tmp_path: Path) -> None:
    paths = files(tmp_path, [50, 60])
    (tmp_path / "notes.txt").write_text("mine")
    prune(tmp_path, Retention(keep=0, max_age_days=1), keep_path=paths[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "run1.jsonl"]
