"""Tools the serve tests give their agents (importable as ``tests.serve.tools:NAME`` in a server subprocess)."""

from __future__ import annotations

import os
from pathlib import Path

from ponder.tools.base import tool

LOG_ENV = "PONDER_TEST_TOOL_LOG"


@tool(needs_approval=True)
def append_note(text: str) -> str:
    """Append a line to the notes file (a side effect the tests can count).

    Args:
        text: the line to append
    """
    path = Path(os.environ[LOG_ENV])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return f"appended {text!r}"


@tool
def shout(text: str) -> str:
    """Upper-case a text.

    Args:
        text: what to shout
    """
    return text.upper()
