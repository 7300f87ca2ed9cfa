"""``ponder.files``: atomic writes, the writer lock (refused, waited for, freed by a kill) and files set aside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ponder.files import LockBusy, WriterLock, atomic_write, exclusive, lock_path, locked_append, set_aside


def test_an_atomic_write_replaces_the_file_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, '{"new": true}')
    assert target.read_text() == '{"new": true}'
    assert target.stat().st_mode & 0o777 == 0o640, "the replaced file's mode is kept"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_atomic_write_that_fails_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_second_writer_is_refused_naming_the_first_ones_pid(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    with exclusive(log, what="another `ponder eval`"), pytest.raises(LockBusy) as caught:
        WriterLock(log, what="another `ponder eval`").acquire(wait=0)
    assert f"another `ponder eval` (pid {os.getpid()}) is writing {log}" in caught.value.message
    assert caught.value.exit_code == 2
    WriterLock(log).acquire(wait=0).release()  # free again once the first let go


def test_a_waiting_writer_is_told_and_goes_on_when_the_first_finishes(tmp_path: Path) -> None:
    target = tmp_path / "kb"
    first = WriterLock(target).acquire()
    told: list[str] = []
    threading.Timer(0.3, first.release).start()
    started = time.monotonic()
    with exclusive(target, wait=10, on_wait=told.append):
        waited = time.monotonic() - started
    assert 0.2 < waited < 5
    assert told and "waiting for" in told[0]


def test_a_writer_killed_with_sigkill_frees_its_lock(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from ponder.files import WriterLock; from pathlib import Path; import time; "
         f"lock = WriterLock(Path({str(log)!r})).acquire(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(LockBusy):
        WriterLock(log).acquire(wait=0)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    WriterLock(log).acquire(wait=2).release()
    assert lock_path(log).name == ".run.jsonl.lock"


def test_appends_under_the_lock_from_many_threads_never_interleave(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    line = "x" * 5000 + "\n"
    threads = [threading.Thread(target=locked_append, args=(target, line * 3)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_text() == line * 24


def test_a_file_set_aside_is_renamed_with_its_companions_never_deleted(tmp_path: Path) -> None:
    db = tmp_path / "evals.sqlite3"
    db.write_bytes(b"garbage")
    (tmp_path / "evals.sqlite3-wal").write_bytes(b"wal")
    kept = set_aside(db, also=("-wal", "-shm"))
    assert not db.exists() and kept.read_bytes() == b"garbage"
    assert kept.name.startswith("evals.sqlite3.corrupt-")
    assert Path(f"{kept}-wal").read_bytes() == b"wal"
    db.write_bytes(b"again")
    assert set_aside(db) != kept, "a second file set aside in the same second gets its own name"
