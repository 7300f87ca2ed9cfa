"""Show a run's events in the terminal (rich), compactly: thoughts, tool calls, result previews."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from ponder.agents.events import Event
    from ponder.agents.result import RunResult


def plural(count: int, word: str) -> str:
    """``1 step``, ``2 steps``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def preview(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


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
            c.print(f"[dim]▶ {event.model} · protocol {event.protocol} · tools: {tools}[/dim]")
        elif isinstance(event, ev.Thought):
            c.print(f"[italic cyan]thought[/] {preview(event.text)}", highlight=False)
        elif isinstance(event, ev.ToolCallStarted):
            import json

            c.print(f"[bold yellow]→ {event.name}[/] {preview(json.dumps(event.arguments, ensure_ascii=False))}", highlight=False)
        elif isinstance(event, ev.ToolResult):
            if event.inner is not None:
                self.nested(event.inner, depth=1)
            mark = "[green]✓[/]" if event.ok else "[red]✗[/]"
            c.print(f"  {mark} {preview(event.output)} [dim]({event.seconds:.2f}s)[/]", highlight=False)
        elif isinstance(event, ev.ModelMistakeEvent):
            c.print(f"  [red]✗ {event.kind}[/] {preview(event.observation)}", highlight=False)
        elif isinstance(event, ev.ErrorEvent):
            c.print(f"[bold red]error[/] {event.message}" + (f"\n  fix: {event.fix}" if event.fix else ""), highlight=False)
        elif isinstance(event, ev.RunFinished):
            c.print(f"[dim]■ {summary(event.result)}[/dim]")

    def nested(self, result: RunResult, *, depth: int) -> None:
        """The run of an agent used as a tool, indented under its call: its calls, then how it ended."""
        import json

        c = self.console
        bar = "  " + "[dim]┊[/] " * depth
        for call in result.trajectory:
            if call.name:
                c.print(f"{bar}[yellow]→ {call.name}[/] {preview(json.dumps(call.arguments, ensure_ascii=False))}", highlight=False)
            if call.inner is not None:
                self.nested(call.inner, depth=depth + 1)
            mark = "[green]✓[/]" if call.ok else "[red]✗[/]"
            c.print(f"{bar}  {mark} {preview(call.output)} [dim]({call.seconds:.2f}s)[/]", highlight=False)
        c.print(f"{bar}[dim]■ {result.model} · {summary(result)}[/dim]", highlight=False)


def summary(r: RunResult) -> str:
    """``answer · 2 steps · 1 tool call · 300+40 tokens · 4.2s``."""
    return (
        f"{r.stop_reason.value} · {plural(r.steps, 'step')} · {plural(len(r.trajectory), 'tool call')} · "
        f"{r.usage.prompt_tokens}+{r.usage.completion_tokens} tokens · {r.seconds:.1f}s"
    )
