"""Paint the banner and the prompt before prompt_toolkit is imported.

Importing prompt_toolkit takes 0.2 s on an idle laptop and more on a busy one. Meanwhile the
terminal is put in no-echo, no-line-editing mode, so keys typed early wait in the kernel's
buffer without being echoed; prompt_toolkit reads them as soon as it starts and redraws the
same prompt line over this one. Nothing typed is lost and nothing is shown twice.

The terminal stays quiet until the first prompt has been read: prompt_toolkit keeps it that way
around its own raw mode, so a key typed while the REPL is still being set up is never echoed by
the terminal itself (which would shift the line prompt_toolkit then draws).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any


class EarlyPrompt:
    """The painted prompt and the terminal settings to give back once the REPL has its own prompt."""

    def __init__(self, fd: int | None, saved: Any) -> None:
        self._fd = fd
        self._saved = saved

    def hand_over(self) -> None:
        """prompt_toolkit draws its prompt over this one (call it just before the first prompt)."""
        sys.stdout.write("\r")
        sys.stdout.flush()

    def restore(self) -> None:
        """Give the terminal its settings back (after the first prompt, or on the way out; once is enough)."""
        if self._saved is None or self._fd is None:
            return
        import termios

        saved, self._saved = self._saved, None
        with contextlib.suppress(OSError):
            termios.tcsetattr(self._fd, termios.TCSANOW, saved)


def paint(banner: str, prompt: str) -> EarlyPrompt:
    """Show ``banner`` and ``prompt`` now, with the terminal quiet until the REPL's first prompt."""
    fd: int | None = None
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[0] &= ~(
            termios.ICRNL | termios.INLCR | termios.IGNCR
        )  # iflags: Enter stays \r, as prompt_toolkit reads it
        quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflags: keys wait, unseen, for prompt_toolkit
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except (ImportError, OSError, ValueError):  # not a POSIX terminal: just print
        saved = None
    sys.stdout.write(f"{banner}\n{prompt}")
    sys.stdout.flush()
    return EarlyPrompt(fd, saved)
