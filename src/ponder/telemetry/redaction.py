"""The redaction that logs and traces share with run records and tool results: ``ponder.redact``."""

from __future__ import annotations

from collections.abc import Callable


def redactor() -> Callable[[str], str]:
    """``ponder.redact.redact``: masks secret-named environment variables' values (read at each
    call, so a key set later is hidden too) and well-known key shapes."""
    from ponder.redact import redact

    return redact


def redact(text: str) -> str:
    """``text`` with secrets masked."""
    return redactor()(text)
