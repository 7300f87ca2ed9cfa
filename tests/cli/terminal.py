"""A real terminal for REPL tests: the program runs in a pseudo-terminal (pexpect) and its output
goes through a VT100 emulator (pyte), so tests assert on what the screen shows, after every
cursor move, redraw and erase, not on raw escape sequences.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import pexpect
import pyte

PROMPT = "›"


class Terminal:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        cwd: str | None = None,
        rows: int = 40,
        cols: int = 110,
    ) -> None:
        self.screen = pyte.HistoryScreen(cols, rows, history=5000)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(argv[0], list(argv[1:]), env=env, cwd=cwd, dimensions=(rows, cols))
        self.eof = False

    # -- reading ------------------------------------------------------------------------------
    def pump(self, timeout: float = 0.05) -> None:
        if self.eof:
            time.sleep(timeout)
            return
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.eof = True
            return
        parts = data.split(b"\x1b[6n")
        for i, part in enumerate(parts):
            self.stream.feed(part)
            if i < len(parts) - 1:  # answer cursor position requests, as a real terminal does
                self.child.send(f"\x1b[{self.screen.cursor.y + 1};{self.screen.cursor.x + 1}R")

    def lines(self) -> list[str]:
        """Everything on screen plus what scrolled off the top, as text."""
        width = self.screen.columns
        scrolled = ["".join(line[x].data for x in range(width)).rstrip() for line in self.screen.history.top]
        return scrolled + [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait(self, condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            if condition():
                return
            if time.monotonic() > deadline or self.eof:
                raise AssertionError(
                    f"{'the program ended' if self.eof else 'timed out'} before {what}; the screen shows:\n{self.text()}"
                )

    def wait_for(self, pattern: str, *, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``pattern`` (a regex) shows at least ``count`` times."""
        rx = re.compile(pattern)
        self.wait(lambda: len(rx.findall(self.text())) >= count, timeout=timeout, what=repr(pattern))

    def output_of(self, submitted: str) -> str:
        """What the screen shows between the last prompt holding ``submitted`` and the next prompt."""
        lines = self.lines()
        starts = [i for i, line in enumerate(lines) if line.startswith(f"{PROMPT} {submitted}")]
        if not starts:
            raise AssertionError(f"no prompt line with {submitted!r}; the screen shows:\n{self.text()}")
        rest = lines[starts[-1] + 1 :]
        end = next((i for i, line in enumerate(rest) if line.startswith(PROMPT)), len(rest))
        return "\n".join(rest[:end])

    def flat_output_of(self, submitted: str) -> str:
        """``output_of`` with line wraps and runs of spaces folded to one space."""
        return " ".join(self.output_of(submitted).split())

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.text()))

    def prompts(self) -> int:
        return sum(1 for line in self.lines() if line.startswith(PROMPT))

    def at_prompt(self) -> bool:
        """The cursor sits on an empty prompt line: the REPL waits for input."""
        row = self.screen.display[self.screen.cursor.y].rstrip()
        return row == PROMPT

    # -- typing -------------------------------------------------------------------------------
    def ready(self, timeout: float = 30.0) -> None:
        self.wait(self.at_prompt, timeout=timeout, what="the prompt")

    def type(self, text: str) -> None:
        self.child.send(text)

    def submit(self, line: str, *, timeout: float = 30.0) -> None:
        """Type a line, press Enter and wait for the next empty prompt."""
        before = self.prompts()
        self.child.send(line + "\r")
        self.wait(
            lambda: self.prompts() > before and self.at_prompt(),
            timeout=timeout,
            what=f"the prompt after {line!r}",
        )

    def ctrl_c(self) -> None:
        self.child.sendintr()

    def ctrl_d(self) -> None:
        self.child.sendeof()

    def exit_status(self, timeout: float = 30.0) -> int | None:
        deadline = time.monotonic() + timeout
        while not self.eof:
            self.pump()
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not end; the screen shows:\n{self.text()}")
        self.child.close()
        return self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
