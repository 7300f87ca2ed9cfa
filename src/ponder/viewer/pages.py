"""The viewer's own pages (the index and a run's timeline), rendered on the server, no script.

Everything taken from a record is escaped. An eval run's page is the ``--html`` report.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from urllib.parse import quote

from ponder.evals.html_report import fill, template
from ponder.runs import RunListing, RunRecord, RunSummary
from ponder.viewer.catalog import Catalog, EvalSummary
from ponder.viewer.timeline import Call, Step, Timeline, build_timeline

BACK = '<p class="nav"><a href="/">← all runs and evals</a></p>'


def page(title: str, body: str, *, nav: str = BACK) -> str:
    shell = resources.files("ponder.viewer").joinpath("templates", "page.html").read_text(encoding="utf-8")
    return fill(shell, title=escape(title), css=template("report.css"), nav=nav, body=body)


def _secs(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


# -- the index ---------------------------------------------------------------------------------
def _eval_rows(catalog: Catalog, evals: list[EvalSummary]) -> str:
    rows = []
    for e in evals:
        report = catalog.eval_report(e.id)
        score = "–"
        runs = 0
        if report is not None:
            o = report.overall
            runs = o.runs
            score = "–" if o.score is None else f"{o.score:.0%} ({o.passed}/{o.graded})"
        rows.append(
            f'<tr><td><a href="/evals/{quote(e.id)}">{escape(e.suite)}</a></td><td>{escape(e.model)}</td>'
            f"<td>{escape(e.started)}</td><td>{runs}</td><td>{escape(score)}</td><td><code>{escape(e.path.name)}</code></td></tr>"
        )
    return "".join(rows)


def _compare_form(evals: list[EvalSummary]) -> str:
    if len(evals) < 2:
        return '<p class="muted">Two eval logs are needed to compare them side by side.</p>'

    def options(selected: int) -> str:
        return "".join(
            f'<option value="{escape(e.id)}"{" selected" if i == selected else ""}>{escape(e.suite)} · {escape(e.model)} · {escape(e.path.name)}</option>'
            for i, e in enumerate(evals)
        )

    return (
        '<form class="filters" method="get" action="/compare" id="compare-form">'
        f'<label>baseline <select name="a" id="compare-a">{options(1)}</select></label>'
        f'<label>against <select name="b" id="compare-b">{options(0)}</select></label>'
        '<button type="submit" class="chip" id="compare-go">Compare side by side</button></form>'
    )


def _run_row(run: RunSummary) -> str:
    h = run.header
    stop = run.stop_reason or "unfinished"
    cls = "warn" if not run.finished else ("" if stop == "answer" else "bad")
    task = h.task if len(h.task) <= 90 else h.task[:89] + "…"
    return (
        f'<tr><td><a href="/runs/{quote(run.run_id)}"><code>{escape(run.run_id)}</code></a></td><td>{escape(h.started)}</td>'
        f"<td>{escape(h.source)}</td><td>{escape(h.model)}</td><td>{escape(task)}</td><td class=\"{cls}\">{escape(stop)}</td>"
        f"<td>{'–' if run.steps is None else run.steps}</td><td>{_secs(run.seconds)}</td></tr>"
    )


def index_page(catalog: Catalog) -> str:
    evals = catalog.evals()
    listing: RunListing = catalog.runs()
    parts = [f'<p class="muted">Records of <code>{escape(str(catalog.root))}</code>, newest first.</p>', "<h3>Eval runs</h3>"]
    if evals:
        head = "".join(f"<th>{h}</th>" for h in ("suite", "model", "started", "runs", "score", "log"))
        parts.append(f'<table class="runs-list" id="evals"><thead><tr>{head}</tr></thead><tbody>{_eval_rows(catalog, evals)}</tbody></table>')
        parts.append(_compare_form(evals))
    else:
        parts.append('<p class="muted">No eval logs in .ponder/evals yet: <code>ponder eval evals/smoke.yaml</code> writes one.</p>')
    parts.append("<h3>Runs</h3>")
    parts += [f'<p class="warn">{escape(m)}</p>' for m in listing.set_aside]
    if listing.runs:
        head = "".join(f"<th>{h}</th>" for h in ("id", "started", "source", "model", "task", "stop", "steps", "seconds"))
        rows = "".join(_run_row(r) for r in listing.runs)
        parts.append(f'<table class="runs-list" id="runs"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    else:
        parts.append('<p class="muted">No run records in .ponder/runs yet: <code>ponder run</code>, chat turns and eval cases record theirs there.</p>')
    return page("Ponder runs and evals", "".join(parts), nav="")


# -- one run -----------------------------------------------------------------------------------
def _tick(t: float, total: float) -> str:
    return f"{t:.3g}s" if total >= 1 else f"{t * 1000:.3g}ms"


def timeline_svg(tl: Timeline) -> str:
    if not tl.steps:
        return '<p class="muted">No step was recorded.</p>'
    total = tl.total or 1.0
    row = 18 if len(tl.steps) <= 40 else 7
    left, width, top = 64, 860, 18
    height = top + row * len(tl.steps) + 4

    def x(t: float) -> float:
        return left + t / total * width

    parts = [f'<svg class="plot timeline" role="img" aria-label="timeline" viewBox="0 0 {left + width + 8} {height}" width="{left + width + 8}" height="{height}">']
    for i in range(5):
        t = total * i / 4
        anchor = ("start", "middle", "middle", "middle", "end")[i]
        parts.append(f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 4}" y2="{height}"/>')
        parts.append(f'<text class="tick" x="{x(t):.1f}" y="11" text-anchor="{anchor}">{_tick(t, total)}</text>')
    for i, step in enumerate(tl.steps):
        y = top + i * row
        parts.append(f'<a href="#step-{step.number}"><rect class="row" x="0" y="{y}" width="{left + width}" height="{row}"/>')
        if row >= 14:
            parts.append(f'<text class="tick" x="{left - 6}" y="{y + row - 5}" text-anchor="end">step {step.number}</text>')
        end = step.model_end if step.model_end is not None else step.end
        parts.append(
            f'<rect class="span model" x="{x(step.start):.1f}" y="{y + 2}" width="{max(1.0, x(end) - x(step.start)):.1f}" height="{row - 4}">'
            f"<title>step {step.number}: model {end - step.start:.2f}s, {step.prompt_tokens}+{step.completion_tokens} tokens</title></rect>"
        )
        for call in step.calls:
            stop = call.end if call.end is not None else call.start
            parts.append(
                f'<rect class="span tool{"" if call.ok is not False else " failed"}" x="{x(call.start):.1f}" y="{y + 2}" '
                f'width="{max(1.0, x(stop) - x(call.start)):.1f}" height="{row - 4}"><title>{escape(call.name)}: {stop - call.start:.2f}s</title></rect>'
            )
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)


def _call_html(call: Call) -> str:
    args = json.dumps(call.arguments, ensure_ascii=False)
    if call.ok is None:
        status = "no result (the record ends first)"
    else:
        status = ("✓ ok" if call.ok else f"✗ failed{': ' + call.error_kind if call.error_kind else ''}") + f" · {_secs((call.end or call.start) - call.start)}"
    return (
        f'<div class="call{"" if call.ok is not False else " failed"}"><div class="call-line">→ {escape(call.name)}({escape(args)})</div>'
        f'<div class="call-meta">{escape(status)}</div>'
        + (f'<pre class="result">{escape(call.output or "(empty result)")}</pre>' if call.output is not None else "")
        + "</div>"
    )


def _step_html(step: Step) -> str:
    model = (step.model_end or step.start) - step.start
    head = f"step {step.number} · at {step.start:.2f} s · model {model:.2f} s · {step.prompt_tokens}+{step.completion_tokens} tokens"
    text = step.text.strip()
    body = f'<pre class="model-text">{escape(text)}</pre>' if text else '<div class="muted">(no text)</div>'
    mistakes = "".join(f'<div class="call failed"><div class="call-line">✗ unusable reply</div><pre>{escape(m)}</pre></div>' for m in step.mistakes)
    return f'<div class="step" id="step-{step.number}"><div class="step-head">{escape(head)}</div>{body}{"".join(_call_html(c) for c in step.calls)}{mistakes}</div>'


def run_page(record: RunRecord) -> str:
    h = record.header
    tl = build_timeline(record.lines)
    result = record.result
    facts = [h.started, h.source, h.model or "?"]
    if h.spec_fingerprint:
        facts.append(f"spec {h.spec_fingerprint}")
    if result is not None:
        facts += [f"stopped: {result.stop_reason.value}", f"{result.steps} steps", f"{len(result.trajectory)} tool calls",
                  f"{result.usage.prompt_tokens}+{result.usage.completion_tokens} tokens", _secs(result.seconds)]
    parts = [f'<p class="facts">{" · ".join(escape(f) for f in facts)}</p>', f'<h3>Task</h3><pre id="task">{escape(h.task)}</pre>']
    if result is None:
        parts.append('<p class="warn">The record ends before the run finished (the process stopped or is still running).</p>')
    parts.append(f'<h3>Timeline</h3><p class="muted">Model calls in blue, tool calls in green (red when they failed). Click a step to jump to it.</p>{timeline_svg(tl)}')
    parts += [f'<p class="bad">error: {escape(e)}</p>' for e in tl.errors]
    parts.append("<h3>Steps</h3>" + "".join(_step_html(s) for s in tl.steps))
    if tl.answer is not None:
        parts.append(f'<h3>Answer</h3><pre id="answer">{escape(tl.answer)}</pre>')
    return page(f"Run {record.path.stem}", "".join(parts))


def not_found(what: str) -> str:
    return page("Not found", f'<p class="bad">{escape(what)}</p>')
