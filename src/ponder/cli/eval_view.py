"""How ``ponder eval`` looks in the terminal: a live progress bar, then the summary tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from ponder.evals.compare import Comparison
    from ponder.evals.gate import Verdict
    from ponder.evals.report import Aggregate, Report
    from ponder.evals.runner import RunnerEvent

_MARKS = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "error": "[bold red]![/]", "unscored": "[yellow]?[/]", "skipped": "[dim]-[/]"}


class EvalProgress:
    """A live bar on a terminal; one line per finished run elsewhere (readable CI logs)."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.live = enabled and console.is_terminal
        self.counts = {s: 0 for s in _MARKS}
        self.actors: int | None = None
        """Live Ray actors (None with the local executor)."""
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, event: RunnerEvent) -> None:
        from ponder.evals.runner import JobFinished, JobRetried, RunPlanned, WorkersChanged

        if not self.enabled:
            return
        if isinstance(event, RunPlanned):
            self._start(event.to_run, event.already_done)
        elif isinstance(event, WorkersChanged):
            self.actors = event.live
            if self.live and self._progress is not None:
                self._progress.update(self._task, description=self._describe())
            else:
                self.console.print(f"[dim]{event.live} Ray actor{'s' if event.live != 1 else ''} live[/]", highlight=False)
        elif isinstance(event, JobRetried):
            self.console.print(f"[yellow]↻[/] {event.key} [dim]re-running on another actor: {event.reason[:120]}[/]", highlight=False, soft_wrap=True)
        elif isinstance(event, JobFinished):
            r = event.record
            self.counts[r.status] += 1
            if self.live and self._progress is not None:
                self._progress.update(self._task, advance=1, description=self._describe())
            else:
                note = f" [dim]{r.failure_reason()[:100]}[/]" if r.status != "pass" else ""
                self.console.print(f"{_MARKS[r.status]} {r.key} [dim]({r.seconds:.1f}s)[/]{note}", highlight=False, soft_wrap=True)

    def _start(self, total: int, done: int) -> None:
        if done:
            self.console.print(f"[dim]resuming: {done} runs already done, {total} to go[/]")
        if not self.live:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=self.console, transient=True
        )
        self._task = self._progress.add_task(self._describe(), total=total)
        self._progress.start()

    def _describe(self) -> str:
        c = self.counts
        text = f"[green]{c['pass']} pass[/] [red]{c['fail']} fail[/] [bold red]{c['error']} error[/]"
        return text if self.actors is None else f"{text} [dim]· {self.actors} actor{'s' if self.actors != 1 else ''}[/]"

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _short(text: str, width: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _ci(agg: Aggregate) -> str:
    return "" if agg.ci_low is None or agg.ci_high is None else f"{agg.ci_low:.0%}–{agg.ci_high:.0%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def render_report(console: Console, report: Report, *, verdict: Verdict | None = None) -> None:
    from rich.table import Table

    o = report.overall
    repeats = max(o.pass_at_k, default=1)
    table = Table(title=f"{report.name} · {report.model}", title_justify="left", show_lines=False)
    table.add_column("case", no_wrap=True)
    table.add_column("tags", no_wrap=True, overflow="ellipsis", max_width=24)
    for column in ("pass", "95% CI", "steps", "tokens", "s"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("why not", ratio=1, overflow="fold")
    for c in report.cases:
        passes = f"{c.passed}/{c.graded}" if c.graded else ("skipped" if c.skipped else "–")
        if c.errors:
            passes += f" [bold red]+{c.errors}![/]"
        table.add_row(c.id, ",".join(c.tags), passes, _ci(c), _num(c.mean_steps), _num(c.mean_tokens, 0), _num(c.mean_seconds),
                      _short(c.reason))
    console.print(table)
    if len(report.tags) > 1:
        tags = Table(title="by tag", title_justify="left")
        for column in ("tag", "runs", "pass rate", "95% CI", "steps", "tokens", "s"):
            tags.add_column(column, justify="left" if column == "tag" else "right")
        for tag, agg in report.tags.items():
            tags.add_row(tag, str(agg.runs), _pct(agg.score), _ci(agg), _num(agg.mean_steps), _num(agg.mean_tokens, 0), _num(agg.mean_seconds))
        console.print(tags)
    line = (f"[bold]score {_pct(o.score)}[/] ({o.passed}/{o.graded}, 95% CI {_ci(o) or '–'}) · {o.errors} errors · "
            f"{o.unscored} unscored · {o.skipped} skipped · {_num(o.mean_seconds)} s/run · {_num(o.mean_tokens, 0)} tokens/run")
    if report.wall_seconds is not None:
        line += f" · wall {report.wall_seconds:.1f}s"
    console.print(line, highlight=False)
    if repeats > 1:
        console.print(f"pass@{repeats} {_pct(o.pass_at_k[repeats])} · pass^{repeats} {_pct(o.pass_hat_k[repeats])}", highlight=False)
    if report.manifest.get("cache", "off") != "off" or report.cache.touched:
        style = "yellow" if report.cache.replayed and report.cache.replayed == report.cache.total else "dim"
        console.print(f"[{style}]{report.cache.describe()}[/]", highlight=False)
    for message in verdict.messages if verdict else []:
        console.print(f"[bold red]✗ {message}[/]", highlight=False)


def render_comparison(console: Console, c: Comparison) -> None:
    from rich.table import Table

    delta = "–" if c.delta is None else f"{c.delta:+.1%}"
    sig = "[bold red]significant[/]" if c.significant else "not significant"
    console.print(f"[bold]{c.a}[/] → [bold]{c.b}[/]", highlight=False)
    console.print(
        f"score {_pct(c.score_a)} → {_pct(c.score_b)} ({delta}) on {c.paired} paired runs · "
        f"{len(c.pass_to_fail)} pass→fail, {len(c.fail_to_pass)} fail→pass · McNemar p={c.p_value:.3g} ({sig} at {c.alpha:g})",
        highlight=False,
    )
    console.print(
        f"tokens/run {_num(c.tokens_a, 0)} → {_num(c.tokens_b, 0)} · seconds/run {_num(c.seconds_a)} → {_num(c.seconds_b)}",
        highlight=False,
    )
    if c.suite_changed:
        console.print("[yellow]the suite changed between the runs: only runs present in both are paired[/]")
    if c.cases:
        table = Table(title="cases that changed", title_justify="left")
        for column in ("case", "before", "after", "delta"):
            table.add_column(column, justify="left" if column == "case" else "right")
        for d in sorted(c.cases, key=lambda d: d.delta or 0.0):
            table.add_row(d.id, _pct(d.rate_a), _pct(d.rate_b), "–" if d.delta is None else f"{d.delta:+.0%}")
        console.print(table)
    if c.only_a or c.only_b:
        console.print(f"[dim]only in the first: {len(c.only_a)} runs · only in the second: {len(c.only_b)} runs[/]")
