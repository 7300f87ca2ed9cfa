"""Where the REPL keeps its files: the user's data dir (``$XDG_DATA_HOME/ponder`` or the platform's)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """``$XDG_DATA_HOME/ponder`` when set (also on macOS and Windows, so tests can isolate it), else platformdirs'."""
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "ponder"
    import platformdirs

    return Path(platformdirs.user_data_dir("ponder", appauthor=False))


def history_file() -> Path:
    """The input history shared by every REPL session (one line per entry, prompt_toolkit's format)."""
    return data_dir() / "history"


def sessions_dir() -> Path:
    return data_dir() / "sessions"
