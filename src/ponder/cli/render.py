"""Show a run's events in the terminal (rich), compactly: thoughts, tool calls, result previews."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from ponder.agents.events import Event


def plural(count: int, word: str) -> str:
    """``1 step``, ``2 steps``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def preview(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def shown(text: str, width: int = 200) -> str:
    """``preview`` made safe to put inside rich markup: brackets from outside are printed, not parsed."""
    from rich.markup import escape

    return escape(preview(text, width))


class StepPrinter:
    """Prints each step as it happens. ``stream_text`` also echoes the model's tokens live."""

    def __init__(self, console: Console, *, stream_text: bool = False) -> None:
        self.console = console
        self.stream_text = stream_text
        self._mid_line = False

    def __call__(self, event: Event) -> None:
        from ponder.agents import events as ev

        c = self.console
        if isinstance(event, ev.TextDelta) and self.stream_text:
            c.print(event.text, end="", style="dim", markup=False, highlight=False)
            self._mid_line = True
            return
        if self._mid_line and not isinstance(event, ev.TextDelta):
            c.print()
            self._mid_line = False
        if isinstance(event, ev.RunStarted):
            tools = ", ".join(event.tools) or "none"
            c.print(f"[dim]▶ {shown(event.model)} · protocol {event.protocol} · tools: {shown(tools, 2000)}[/dim]")
        elif isinstance(event, ev.Thought):
            c.print(f"[italic cyan]thought[/] {shown(event.text)}", highlight=False)
        elif isinstance(event, ev.ToolCallStarted):
            import json

            arguments = json.dumps(event.arguments, ensure_ascii=False)
            c.print(f"[bold yellow]→ {shown(event.name)}[/] {shown(arguments)}", highlight=False)
        elif isinstance(event, ev.ToolResult):
            mark = "[green]✓[/]" if event.ok else "[red]✗[/]"
            c.print(f"  {mark} {shown(event.output)} [dim]({event.seconds:.2f}s)[/]", highlight=False)
        elif isinstance(event, ev.ModelMistakeEvent):
            c.print(f"  [red]✗ {event.kind}[/] {shown(event.observation)}", highlight=False)
        elif isinstance(event, ev.ErrorEvent):
            message = shown(event.message, 10_000) + (f"\n  fix: {shown(event.fix, 10_000)}" if event.fix else "")
            c.print(f"[bold red]error[/] {message}", highlight=False)
        elif isinstance(event, ev.RunFinished):
            r = event.result
            c.print(
                f"[dim]■ {r.stop_reason.value} · {plural(r.steps, 'step')} · {plural(len(r.trajectory), 'tool call')} · "
                f"{r.usage.prompt_tokens}+{r.usage.completion_tokens} tokens · {r.seconds:.1f}s[/dim]"
            )
