"""Paint the banner and the prompt before prompt_toolkit is imported.

Importing prompt_toolkit takes 0.2 s on an idle laptop and more on a busy one. Meanwhile the
terminal is put in no-echo, no-line-editing mode, so keys typed early wait in the kernel's
buffer without being echoed; prompt_toolkit reads them as soon as it starts and redraws the
same prompt line over this one. Nothing typed is lost and nothing is shown twice.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable


def paint(banner: str, prompt: str) -> Callable[[], None]:
    """Show ``banner`` and ``prompt`` now; the returned function gives the terminal back (call it once)."""
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

    def restore() -> None:
        if saved is not None:
            with contextlib.suppress(OSError):
                termios.tcsetattr(fd, termios.TCSANOW, saved)
        sys.stdout.write("\r")  # prompt_toolkit draws its prompt over this one
        sys.stdout.flush()

    return restore
