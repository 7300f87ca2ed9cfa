"""Show a run's events in the terminal (rich), each step once: thought, tool call, result, answer.

The model's text streams into a transient region at the bottom of a terminal while it is being
written; once the step is read, the region gives way to the step's lines, so a tool call written
as text (a fenced JSON block) is never shown raw next to the call line. Outside a terminal only
the step lines are printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

    from ponder.agents.events import Event
    from ponder.agents.result import RunResult


def plural(count: int, word: str) -> str:
    """``1 step``, ``2 steps``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def preview(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class StepPrinter:
    """Prints each step as it happens.

    ``stream_text``: show the model's text live while it is written (on a terminal only; the
    region is cleared when the step is read). ``show_answer``: print the answer too (``ponder
    run`` prints it on stdout itself; ``ponder runs show`` wants it here).
    """

    def __init__(self, console: Console, *, stream_text: bool = False, show_answer: bool = False) -> None:
        self.console = console
        self.stream_text = stream_text and console.is_terminal
        self.show_answer = show_answer
        self._text = ""
        self._live: Live | None = None

    def __call__(self, event: Event) -> None:
        from ponder.agents import events as ev

        if isinstance(event, ev.TextDelta):
            if self.stream_text:
                self._text += event.text
                self._show_live()
            return
        self._clear_live()
        c = self.console
        if isinstance(event, ev.RunStarted):
            tools = ", ".join(event.tools) or "none"
            c.print(f"[dim]▶ {event.model} · protocol {event.protocol} · tools: {tools}[/dim]", highlight=False)
        elif isinstance(event, ev.Thought):
            c.print(f"[italic cyan]thought[/] {_escape(preview(event.text))}", highlight=False)
        elif isinstance(event, ev.ToolCallStarted):
            import json

            c.print(f"[bold yellow]→ {event.name}[/] {_escape(preview(json.dumps(event.arguments, ensure_ascii=False)))}", highlight=False)
        elif isinstance(event, ev.ToolResult):
            if event.inner is not None:
                self.nested(event.inner, depth=1)
            mark = "[green]✓[/]" if event.ok else "[red]✗[/]"
            c.print(f"  {mark} {_escape(preview(event.output))} [dim]({event.seconds:.2f}s)[/]", highlight=False)
        elif isinstance(event, ev.ModelMistakeEvent):
            c.print(f"  [red]✗ {event.kind}[/] {_escape(preview(event.observation))}", highlight=False)
        elif isinstance(event, ev.Answer) and self.show_answer:
            c.print(f"[bold green]answer[/] {_escape(event.text.strip())}", highlight=False)
        elif isinstance(event, ev.ErrorEvent):
            c.print(f"[bold red]error[/] {_escape(event.message)}" + (f"\n  fix: {_escape(event.fix)}" if event.fix else ""), highlight=False)
        elif isinstance(event, ev.RunFinished):
            c.print(f"[dim]■ {summary(event.result)}[/dim]", highlight=False)

    def nested(self, result: RunResult, *, depth: int) -> None:
        """The run of an agent used as a tool, indented under its call: its calls, then how it ended."""
        import json

        c = self.console
        bar = "  " + "[dim]┊[/] " * depth
        for call in result.trajectory:
            if call.name:
                arguments = _escape(preview(json.dumps(call.arguments, ensure_ascii=False)))
                c.print(f"{bar}[yellow]→ {call.name}[/] {arguments}", highlight=False)
            if call.inner is not None:
                self.nested(call.inner, depth=depth + 1)
            mark = "[green]✓[/]" if call.ok else "[red]✗[/]"
            c.print(f"{bar}  {mark} {_escape(preview(call.output))} [dim]({call.seconds:.2f}s)[/]", highlight=False)
        c.print(f"{bar}[dim]■ {_escape(result.model)} · {summary(result)}[/dim]", highlight=False)

    def close(self) -> None:
        self._clear_live()

    def _show_live(self) -> None:
        from rich.text import Text

        lines = self._text.strip().splitlines()[-6:]
        renderable = Text("\n".join(lines), style="dim")
        if self._live is None:
            from rich.live import Live

            self._live = Live(renderable, console=self.console, transient=True, refresh_per_second=12, redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        else:
            self._live.update(renderable)

    def _clear_live(self) -> None:
        self._text = ""
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def summary(r: RunResult) -> str:
    """``answer · 2 steps · 1 tool call · 300+40 tokens · 4.2s``."""
    return (
        f"{r.stop_reason.value} · {plural(r.steps, 'step')} · {plural(len(r.trajectory), 'tool call')} · "
        f"{r.usage.prompt_tokens}+{r.usage.completion_tokens} tokens · {r.seconds:.1f}s"
    )
