"""Where the chat writes. In a terminal everything goes to the screen; in a pipe, stdout carries
only the answers (so ``echo q | ponder chat > answer.txt`` is clean) and the rest goes to stderr.

rich is imported on first use, after the prompt has shown.
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


class Output:
    def __init__(self, *, interactive: bool) -> None:
        self.interactive = interactive

    @cached_property
    def console(self) -> Console:
        """Answers (and, in a terminal, everything else)."""
        from rich.console import Console

        return (
            Console(highlight=False)
            if self.interactive
            else Console(file=sys.stdout, highlight=False, soft_wrap=True)
        )

    @cached_property
    def info(self) -> Console:
        """Notes, steps, command output and errors."""
        if self.interactive:
            return self.console
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)

    def note(self, text: str, *, style: str = "dim") -> None:
        self.info.print(text, style=style, markup=False, highlight=False)

    def line(self, text: str) -> None:
        """Plain text, no markup: command output that may contain brackets."""
        self.info.print(text, markup=False, highlight=False)

    def error(self, message: str, fix: str = "") -> None:
        """One line: what went wrong and how to fix it. The session goes on."""
        from rich.text import Text

        text = Text("error: ", style="bold red")
        text.append(message)
        if fix:
            text.append(" · fix: ", style="dim")
            text.append(fix)
        self.info.print(text, highlight=False, soft_wrap=True)

    def answer(self, text: str) -> None:
        """The final answer: Markdown in a terminal, the raw text in a pipe."""
        if self.interactive:
            from rich.markdown import Markdown

            self.console.print(Markdown(text))
        else:
            print(text, flush=True)
