"""Writing files so that nothing is ever half-written, interleaved or silently lost.

Every file Ponder writes goes through one of these:
- ``atomic_write``: a temporary file in the same folder, flushed and fsynced, then ``os.replace``d
  over the target. A reader (or a crash) sees the old file or the new one, never a mix.
- ``WriterLock``: an exclusive lock on a hidden sidecar file (``.NAME.lock``), held for as long
  as a process writes a file that grows (a results log). The kernel releases it when the process
  dies, even on ``kill -9``, so a stale lock never blocks anyone. A second writer is refused
  with a message naming the holder's pid, or waits for it, as the caller chooses.
- ``locked_append``: append text under that same lock (several processes may append in turn).
- ``set_aside``: a file Ponder cannot read is renamed with a ``.corrupt-<time>`` suffix and
  kept, never truncated or deleted, so the user can look at it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from ponder.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: Ponder supports Linux and macOS
    fcntl = None  # type: ignore[assignment]


def atomic_write(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` in one step (temp file in the same folder, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode(encoding) if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # 0o666 less the umask, like any new file; the mode of a file being replaced is kept.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def lock_path(path: Path) -> Path:
    """The sidecar lock file of ``path``: hidden, next to it, never deleted (deleting it would race)."""
    return path.with_name(f".{path.name}.lock")


class LockBusy(InputError):
    """Another process holds the writer lock of a file."""


class WriterLock:
    """An exclusive, process-wide lock on ``lock_path(path)``; ``what`` names the writer in messages.

    ``acquire(wait=0)`` refuses at once if another process holds it; ``wait=None`` waits as long
    as it takes; a number waits that many seconds. Where ``fcntl`` does not exist it locks nothing.
    """

    def __init__(self, path: Path, *, what: str = "another Ponder process") -> None:
        self.path = path
        self.what = what
        self._handle: IO[str] | None = None

    def acquire(self, *, wait: float | None = 0.0, on_wait: Callable[[str], None] | None = None) -> WriterLock:
        if fcntl is None or self._handle is not None:
            return self
        target = lock_path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        give_up = None if wait is None else time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if give_up is not None and time.monotonic() >= give_up:
                    holder = _holder(handle)
                    handle.close()
                    raise LockBusy(
                        f"{self.what}{holder} is writing {self.path}",
                        fix="wait for it to finish, or write somewhere else (another --out / --name)",
                    ) from None
                if on_wait is not None and not told:
                    on_wait(f"waiting for {self.what}{_holder(handle)}, which is writing {self.path}")
                    told = True
                time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.seek(0)
                self._handle.truncate()
            self._handle.close()  # closing the descriptor releases the flock
            self._handle = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def exclusive(
    path: Path, *, what: str = "another Ponder process", wait: float | None = 0.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """``with exclusive(path):`` hold ``path``'s writer lock for the block."""
    lock = WriterLock(path, what=what).acquire(wait=wait, on_wait=on_wait)
    try:
        yield
    finally:
        lock.release()


def locked_append(path: Path, text: str, *, wait: float | None = 30.0) -> None:
    """Append ``text`` to ``path`` under its writer lock, so concurrent appenders never interleave."""
    with exclusive(path, wait=wait), open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def set_aside(path: Path, *, also: tuple[str, ...] = ()) -> Path:
    """Rename an unreadable file to ``NAME.corrupt-YYYYmmdd-HHMMSS`` (kept for the user) and return the new path.

    ``also`` lists suffixes of companion files that move with it (sqlite's ``-wal`` and ``-shm``).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in also:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    return target


def _holder(handle: IO[str]) -> str:
    with contextlib.suppress(OSError, ValueError):
        handle.seek(0)
        pid = handle.read().strip()
        if pid.isdigit():
            return f" (pid {pid})"
    return ""
