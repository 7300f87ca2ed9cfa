"""The cache's sqlite file, kept usable whatever happened to it.

A file that is not a database, or whose pages are damaged, is set aside (renamed
``evals.sqlite3.corrupt-<time>``, with its ``-wal`` and ``-shm``) with a warning, and a fresh
cache starts in its place: a cache only saves work, so losing one costs model calls, never
results, and the damaged file stays for the user to inspect. A database that another process
keeps locked past the timeout is skipped for that read or write (the call goes to the model).
A file that cannot be opened at all (a folder without write permission) is an error that says so.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ponder.errors import ConfigError, warn
from ponder.files import set_aside

BUSY = ("locked", "busy")
CORRUPT = ("malformed", "not a database", "no such table", "no such column", "file is encrypted")


class CacheDatabase:
    """A sqlite connection that recovers from a corrupt file; ``execute`` returns the rows."""

    def __init__(self, path: Path, tables: Sequence[str], *, timeout: float = 30.0) -> None:
        self.path = path
        self.tables = tuple(tables)
        self.timeout = timeout
        self._warned_busy = False
        self._lock = threading.RLock()
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            if not _corrupt(exc):
                raise ConfigError(
                    f"cannot open the eval cache {path}: {exc}",
                    fix="check the folder's permissions, pass --cache-dir elsewhere, or --no-cache",
                ) from None
            self._db = self._recover(exc)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                if _busy(exc):
                    self._busy(exc)
                    return []
                if not _corrupt(exc):
                    raise
                self._db = self._recover(exc)
                return self._db.execute(sql, params).fetchall()

    def write(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """``(table, key, value)`` rows in one transaction (skipped if the file stays locked)."""
        with self._lock:
            for attempt in range(2):
                try:
                    self._db.execute("BEGIN")
                    for table, key, value in rows:
                        self._db.execute(f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)", (key, value))
                    self._db.execute("COMMIT")
                    return
                except sqlite3.DatabaseError as exc:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    if _busy(exc):
                        self._busy(exc)
                        return
                    if not _corrupt(exc) or attempt:
                        raise
                    self._db = self._recover(exc)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- internals ------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=self.timeout)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            for table in self.tables:
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute(f"SELECT key, value FROM {table} LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        return db

    def _recover(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        old = getattr(self, "_db", None)
        if old is not None:
            old.close()
        moved = set_aside(self.path, also=("-wal", "-shm")) if self.path.exists() else None
        kept = f"; the damaged file is kept as {moved}" if moved else ""
        warn(f"the eval cache {self.path} is damaged ({exc}): a new one was started{kept}")
        return self._connect()

    def _busy(self, exc: sqlite3.DatabaseError) -> None:
        if not self._warned_busy:
            self._warned_busy = True
            warn(f"the eval cache {self.path} stayed locked by another process ({exc}): some replies are neither read nor stored")


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(word in str(exc).lower() for word in BUSY)


def _corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(word in text for word in CORRUPT) or type(exc) is sqlite3.DatabaseError
