"""The redaction hook that logs and traces share with run records: secrets never leave the process."""

from __future__ import annotations

from collections.abc import Callable


def redactor() -> Callable[[str], str]:
    """``ponder.redact``'s ``redact`` when installed, else the run records' redactor (it reads the
    environment when built: build one per run or per log line, not once per process)."""
    from ponder.runs.recorder import default_redactor

    return default_redactor()


def redact(text: str) -> str:
    """``text`` with secrets masked."""
    return redactor()(text)
