"""The one redaction hook that logs and traces share with run records: secrets never leave the process."""

from __future__ import annotations

import threading
from collections.abc import Callable

_LOCK = threading.Lock()
_REDACT: Callable[[str], str] | None = None


def redact(text: str) -> str:
    """``text`` with secrets masked (``ponder.redact`` when installed, else the run records' redactor).

    The redactor is built on first use (it reads the environment once): a process that never
    logs or traces never pays for it.
    """
    global _REDACT
    if _REDACT is None:
        with _LOCK:
            if _REDACT is None:
                from ponder.runs.recorder import default_redactor

                _REDACT = default_redactor()
    return _REDACT(text)


def reset() -> None:
    """Forget the redactor: the next call reads the environment again (for tests that change it)."""
    global _REDACT
    with _LOCK:
        _REDACT = None
