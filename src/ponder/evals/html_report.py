"""``--html``: an eval report as one self-contained HTML file (no CDN, no network; opens offline).

The summary, the per-tag table and the plots (inline SVG) are rendered here; the case table
(sorting, filters, search) and each case's trajectory are drawn by a small vanilla script from
the records, embedded as JSON. The page's parts are package files under ``templates/``
(``report.html``, ``report.css``, ``report.js``), loaded with importlib.resources.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from ponder.evals.compare import Comparison
from ponder.evals.gate import Verdict
from ponder.evals.html_plots import interval, seconds_per_case, tag_pass_rates
from ponder.evals.records import CaseRecord
from ponder.evals.report import Aggregate, Report


def template(name: str) -> str:
    """A file from ``ponder/evals/templates`` (the page's HTML, CSS and script)."""
    return resources.files("ponder.evals").joinpath("templates", name).read_text(encoding="utf-8")


def fill(text: str, **parts: str) -> str:
    """Replace each ``{{name}}`` in ``text``: simpler than a template engine, and safe with CSS and JS braces."""
    for name, value in parts.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element (no ``</script>`` or ``<!--`` can end it early)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ci(agg: Aggregate) -> str:
    return "–" if agg.ci_low is None or agg.ci_high is None else f"{agg.ci_low:.0%}–{agg.ci_high:.0%}"


def record_data(record: CaseRecord) -> dict[str, Any]:
    """What the script needs of a record: the record itself plus why it did not pass."""
    data = record.model_dump(mode="json", exclude={"type"})
    data["reason"] = record.failure_reason() if record.status != "pass" else ""
    return data


def _summary(report: Report, verdict: Verdict | None) -> str:
    o = report.overall
    gated = verdict is not None and not verdict.ok
    mood = "bad" if gated else ("ok" if o.graded and not (o.failed or o.errors) else "plain")
    facts = [
        f"{o.runs} runs",
        f"{o.errors} errors",
        f"{o.unscored} unscored",
        f"{o.skipped} skipped",
        f"{_num(o.mean_seconds)} s/run",
        f"{_num(o.mean_tokens, 0)} tokens/run",
    ]
    if report.wall_seconds is not None:
        facts.append(f"wall {report.wall_seconds:.1f} s")
    if o.pass_at_k and max(o.pass_at_k) > 1:
        k = max(o.pass_at_k)
        facts.append(f"pass@{k} {_pct(o.pass_at_k[k])} · pass^{k} {_pct(o.pass_hat_k[k])}")
    messages = "".join(f'<li class="verdict-message">{escape(m)}</li>' for m in (verdict.messages if verdict else []))
    return (
        f'<div class="score score-{mood}"><span class="big" id="score">{_pct(o.score)}</span>'
        f'<span>{o.passed}/{o.graded} passed · 95% CI {_ci(o)}</span>{interval(o.score, o.ci_low, o.ci_high)}</div>'
        f'<p class="facts">{" · ".join(escape(f) for f in facts)}</p>'
        + (f'<ul class="verdict">{messages}</ul>' if messages else "")
    )


def _tags_table(report: Report) -> str:
    if not report.tags:
        return '<p class="muted">No case has tags.</p>'
    rows = "".join(
        f"<tr><td>{escape(tag)}</td><td>{a.runs}</td><td>{_pct(a.score)}</td><td>{_ci(a)}</td>"
        f"<td>{_num(a.mean_steps)}</td><td>{_num(a.mean_tokens, 0)}</td><td>{_num(a.mean_seconds)}</td></tr>"
        for tag, a in report.tags.items()
    )
    head = "".join(f"<th>{h}</th>" for h in ("tag", "runs", "pass rate", "95% CI", "steps", "tokens", "seconds"))
    return f'<table class="tags"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _manifest(report: Report) -> str:
    m = report.manifest
    keys = ("suite_source", "suite_digest", "started_at", "git_commit", "temperature", "seeds", "repeat", "cache", "platform")
    rows = "".join(f"<tr><th>{k}</th><td>{escape(str(m[k]))}</td></tr>" for k in keys if m.get(k) is not None)
    packages = m.get("packages") or {}
    if packages:
        rows += f"<tr><th>packages</th><td>{escape(', '.join(f'{k} {v}' for k, v in packages.items()))}</td></tr>"
    return f'<details class="manifest"><summary>What this run depends on</summary><table>{rows}</table></details>' if rows else ""


def _comparison(c: Comparison) -> str:
    delta = "–" if c.delta is None else f"{c.delta:+.1%}"
    if c.significant:
        worse = len(c.pass_to_fail) > len(c.fail_to_pass)
        verdict = f'<strong class="{"bad" if worse else "ok"}">significant {"regression" if worse else "improvement"}</strong>'
    else:
        verdict = "<strong>no significant change</strong>"
    lines = [
        f'<p class="compare-head"><span class="label-a">{escape(c.a)}</span> → <span class="label-b">{escape(c.b)}</span></p>',
        f'<p class="compare-score" id="compare-score">score {_pct(c.score_a)} → {_pct(c.score_b)} ({delta}) on {c.paired} paired runs · '
        f"{len(c.pass_to_fail)} pass → fail · {len(c.fail_to_pass)} fail → pass</p>",
        f'<p class="compare-test" id="compare-test">Paired test (exact McNemar): p = {c.p_value:.3g} at α = {c.alpha:g}: {verdict}</p>',
        f"<p class=\"facts\">tokens/run {_num(c.tokens_a, 0)} → {_num(c.tokens_b, 0)} · seconds/run {_num(c.seconds_a)} → {_num(c.seconds_b)}"
        + (f" · only in the baseline: {len(c.only_a)} · only in this run: {len(c.only_b)}" if c.only_a or c.only_b else "")
        + "</p>",
    ]
    if c.suite_changed:
        lines.append('<p class="warn">The suite changed between the two runs: only runs present in both are paired.</p>')
    return "".join(lines)


def to_html(
    report: Report,
    *,
    baseline: Report | None = None,
    comparison: Comparison | None = None,
    verdict: Verdict | None = None,
    nav: str = "",
    tab: str = "cases",
) -> str:
    """The whole page. With ``baseline`` (and its ``comparison``), flips and side-by-side trajectories.

    ``nav`` is trusted HTML put above the title (``ponder view`` adds a link back to its index);
    ``tab`` is the tab shown first: ``cases``, ``tags`` or ``compare``.
    """
    if baseline is not None and comparison is None:
        from ponder.evals.compare import compare

        comparison = compare(baseline, report)
    data: dict[str, Any] = {
        "records": [record_data(r) for r in report.records],
        "baseline": None,
    }
    if baseline is not None and comparison is not None:
        data["baseline"] = {
            "label": comparison.a,
            "records": {r.key: record_data(r) for r in baseline.records},
            "pass_to_fail": comparison.pass_to_fail,
            "fail_to_pass": comparison.fail_to_pass,
        }
    title = f"Eval {report.name} · {report.model}"
    has_baseline = comparison is not None
    return fill(
        template("report.html"),
        title=escape(title),
        css=template("report.css"),
        js=template("report.js"),
        nav=nav,
        tab=escape(tab),
        summary=_summary(report, verdict),
        manifest=_manifest(report),
        tag_plot=tag_pass_rates(report.tags),
        seconds_plot=seconds_per_case(report.records),
        tags_table=_tags_table(report),
        comparison_tab='<button class="tab" role="tab" data-tab="compare" id="tab-compare">Against the baseline</button>' if has_baseline else "",
        comparison=_comparison(comparison) if comparison is not None else "",
        data=script_json(data),
    )
