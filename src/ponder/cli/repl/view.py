"""Show one turn as it happens.

In a terminal the model's text streams live, token by token, in a region at the bottom that
keeps the latest lines in view. When a step turns out to be a tool call the region gives way to
the compact step lines (``/steps``) or to a one-line "running tool…" spinner; when the answer
comes it is printed once more, rendered as Markdown. In a pipe only the answer reaches stdout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.agents import events as ev
from ponder.cli.render import StepPrinter

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from ponder.cli.repl.output import Output

NO_ANSWER = {
    "max_steps": "the step limit was reached (raise it with --max-steps)",
    "timeout": "the time limit was reached (raise it with --timeout)",
    "loop": "the model kept repeating the same tool call (rephrase the question, or /model to try another)",
    "cancelled": "the turn was cancelled",
}


class TurnView:
    def __init__(self, out: Output, *, show_steps: bool) -> None:
        self.out = out
        self.live_enabled = out.interactive
        self.steps = StepPrinter(out.info) if show_steps else None
        self.text = ""
        """The current step's text so far."""
        self.status = "thinking…"
        self.answered = False
        self.failed = False
        self._live: Live | None = None

    # -- events -----------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.StepStarted):
            self._stop()
            self.text, self.status = "", "thinking…"
            self._show()
        elif isinstance(event, ev.TextDelta):
            self.text += event.text
        elif isinstance(event, (ev.Thought, ev.ModelMistakeEvent, ev.ToolResult)):
            self._stop()
            self._step(event)
        elif isinstance(event, ev.ToolCallStarted):
            self._stop()
            self._step(event)
            self.text, self.status = "", f"running {event.name}…"
            self._show()
        elif isinstance(event, ev.Answer):
            self._stop()
            self.answered = True
            self.out.answer(event.text)
        elif isinstance(event, ev.ErrorEvent):
            self._stop()
            self.failed = True
            self.out.error(event.message, event.fix)
        elif isinstance(event, ev.RunFinished):
            self._stop()
            self._step(event)
            reason = event.stop_reason.value
            if not self.answered and not self.failed:
                self.out.note(f"no answer: {NO_ANSWER.get(reason, reason)}", style="yellow")

    def cancelled(self, *, kept: bool = True) -> None:
        """Ctrl-C: keep what was streamed on screen, and say the session goes on."""
        partial = self.text.strip()
        self._stop()
        if partial and self.live_enabled:
            self.out.note(partial)
        where = "the question stays in the history" if kept else "the session goes on"
        self.out.note(f"⏹ cancelled; {where} (/retry asks it again)", style="yellow")

    def pause(self) -> None:
        """Clear the live region (before asking the user something)."""
        self._stop()

    def close(self) -> None:
        self._stop()

    # -- drawing ------------------------------------------------------------------------------
    def _step(self, event: ev.Event) -> None:
        if self.steps is not None:
            self.steps(event)

    def _show(self) -> None:
        if not self.live_enabled or self._live is not None:
            return
        from rich.live import Live

        self._live = Live(
            console=self.out.console,
            get_renderable=self._render,
            refresh_per_second=15,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def _stop(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()

    def _render(self) -> RenderableType:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.text import Text

        spinner = Spinner("dots", text=Text(self.status, style="dim"), style="cyan")
        if not self.text.strip():
            return spinner
        console = self.out.console
        lines = Text(self.text.strip()).wrap(console, max(20, console.width - 1))
        keep = max(3, console.height - 3)
        tail = Text("\n").join(lines[-keep:])
        return Group(tail, Text("▍", style="cyan blink"))
