"""A Markdown summary for CI job pages (``$GITHUB_STEP_SUMMARY``) and pull-request comments."""

from __future__ import annotations

from ponder.evals.compare import Comparison
from ponder.evals.gate import Verdict
from ponder.evals.report import Aggregate, Report


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def ci(agg: Aggregate) -> str:
    return "–" if agg.ci_low is None or agg.ci_high is None else f"{agg.ci_low:.0%}–{agg.ci_high:.0%}"


def num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _cell(text: str, width: int = 100) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def to_markdown(report: Report, *, comparison: Comparison | None = None, verdict: Verdict | None = None) -> str:
    o = report.overall
    mark = "✅" if (verdict.ok if verdict else not (o.failed or o.errors)) else "❌"
    lines = [
        f"### {mark} Eval `{report.name}`: {o.passed}/{o.graded} passed ({pct(o.score)}, 95% CI {ci(o)})",
        "",
        f"Model `{report.model}` · {o.runs} runs · {o.errors} errors · {o.unscored} unscored · {o.skipped} skipped · "
        f"{num(o.mean_seconds)} s and {num(o.mean_tokens, 0)} tokens per run",
    ]
    if o.pass_at_k and max(o.pass_at_k) > 1:
        k = max(o.pass_at_k)
        lines.append(f"pass@{k} {pct(o.pass_at_k[k])} · pass^{k} {pct(o.pass_hat_k[k])}")
    if report.manifest.get("cache", "off") != "off" or report.cache.touched:
        lines += ["", report.cache.describe().replace("cache:", "**Cache:**", 1)]
    if verdict and verdict.messages:
        lines += ["", *[f"- **{m}**" for m in verdict.messages]]
    if report.tags:
        lines += ["", "| tag | runs | pass rate | 95% CI | steps | tokens | seconds |", "|---|---:|---:|---|---:|---:|---:|"]
        for tag, agg in report.tags.items():
            lines.append(f"| {tag} | {agg.runs} | {pct(agg.score)} | {ci(agg)} | {num(agg.mean_steps)} | {num(agg.mean_tokens, 0)} | {num(agg.mean_seconds)} |")
    bad = [c for c in report.cases if c.failed or c.errors or c.unscored]
    if bad:
        lines += ["", f"<details><summary>Cases not passing ({len(bad)})</summary>", "", "| case | pass rate | why |", "|---|---:|---|"]
        lines += [f"| `{c.id}` | {pct(c.score)} | {_cell(c.reason)} |" for c in bad]
        lines += ["", "</details>"]
    if comparison is not None:
        lines += ["", *compare_markdown(comparison)]
    return "\n".join(lines) + "\n"


def compare_markdown(c: Comparison) -> list[str]:
    delta = "–" if c.delta is None else f"{c.delta:+.1%}"
    lines = [
        f"#### Against the baseline: {pct(c.score_a)} → {pct(c.score_b)} ({delta}, McNemar p={c.p_value:.3g}"
        f"{', significant' if c.significant else ''})",
        "",
        f"{c.paired} paired runs · {len(c.pass_to_fail)} pass→fail · {len(c.fail_to_pass)} fail→pass · "
        f"tokens/run {num(c.tokens_a, 0)} → {num(c.tokens_b, 0)} · seconds/run {num(c.seconds_a)} → {num(c.seconds_b)}",
    ]
    if c.suite_changed:
        lines.append("\n_The suite changed between the two runs; only cases present in both are paired._")
    flips = [(k, "pass → fail") for k in c.pass_to_fail] + [(k, "fail → pass") for k in c.fail_to_pass]
    if flips:
        lines += ["", "| run | flip |", "|---|---|", *[f"| `{k}` | {what} |" for k, what in flips]]
    return lines
