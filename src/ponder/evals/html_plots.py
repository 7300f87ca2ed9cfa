"""The report's plots as inline SVG strings: no plotting library, no script, readable offline.

Colours come from CSS classes (``pass``, ``fail``...) so the page's light and dark themes apply.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from ponder.evals.records import CaseRecord
from ponder.evals.report import Aggregate

_LABEL_W, _ROW_H, _BAR_W = 150, 24, 330


def _pct(value: float) -> str:
    return f"{value:.0%}"


def tag_pass_rates(tags: dict[str, Aggregate]) -> str:
    """Horizontal bars: each tag's pass rate with its 95% interval as a whisker."""
    if not tags:
        return '<p class="muted">No tags.</p>'
    height = _ROW_H * len(tags) + 26
    width = _LABEL_W + _BAR_W + 110
    parts = [
        f'<svg class="plot" role="img" aria-label="pass rate per tag" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
    ]
    for tick in (0.0, 0.5, 1.0):
        x = _LABEL_W + tick * _BAR_W
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 18}"/>')
        parts.append(f'<text class="tick" x="{x:.1f}" y="{height - 4}" text-anchor="middle">{_pct(tick)}</text>')
    for i, (tag, agg) in enumerate(tags.items()):
        y = i * _ROW_H + 4
        label = tag if len(tag) <= 20 else tag[:19] + "…"
        parts.append(f'<text class="label" x="{_LABEL_W - 8}" y="{y + 14}" text-anchor="end"><title>{escape(tag)}</title>{escape(label)}</text>')
        if agg.score is None:
            parts.append(f'<text class="muted" x="{_LABEL_W + 4}" y="{y + 14}">not graded ({agg.runs} runs)</text>')
            continue
        w = agg.score * _BAR_W
        tip = f"{tag}: {_pct(agg.score)} ({agg.passed}/{agg.graded})"
        if agg.ci_low is not None and agg.ci_high is not None:
            tip += f", 95% CI {_pct(agg.ci_low)}–{_pct(agg.ci_high)}"
        parts.append(f'<rect class="bar pass" x="{_LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{_ROW_H - 8}"><title>{escape(tip)}</title></rect>')
        if agg.ci_low is not None and agg.ci_high is not None:
            x1, x2, cy = _LABEL_W + agg.ci_low * _BAR_W, _LABEL_W + agg.ci_high * _BAR_W, y + _ROW_H / 2 - 1
            parts.append(f'<path class="whisker" d="M{x1:.1f} {cy - 5}v10M{x1:.1f} {cy}H{x2:.1f}M{x2:.1f} {cy - 5}v10"/>')
        parts.append(f'<text class="value" x="{_LABEL_W + _BAR_W + 8}" y="{y + 14}">{_pct(agg.score)} ({agg.passed}/{agg.graded})</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(top: float, ticks: int = 4) -> float:
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _seconds(value: float) -> str:
    return f"{value:g}s" if value >= 1 or value == 0 else f"{value * 1000:g}ms"


def seconds_per_case(records: Sequence[CaseRecord]) -> str:
    """One bar per run, slowest first, coloured by status, with the median as a dashed line."""
    ran = sorted((r for r in records if r.status != "skipped"), key=lambda r: r.seconds, reverse=True)
    if not ran:
        return '<p class="muted">No runs.</p>'
    plot_w, plot_h, left, bottom = 560, 160, 52, 20
    top = max(r.seconds for r in ran) or 1.0
    step = _nice_step(top)
    top = math.ceil(top / step) * step
    bar = min(plot_w / len(ran), 28.0)
    width, height = left + plot_w + 4, plot_h + bottom + 8
    parts = [
        f'<svg class="plot" role="img" aria-label="seconds per case" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
    ]
    tick = 0.0
    while tick <= top + 1e-9:
        y = 4 + plot_h - tick / top * plot_h
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_seconds(tick)}</text>')
        tick = round(tick + step, 9)
    for i, r in enumerate(ran):
        h = max(0.5, r.seconds / top * plot_h)
        x = left + i * bar
        tip = f"{r.key}: {r.seconds:.2f}s, {r.status}"
        parts.append(
            f'<rect class="bar {r.status}" x="{x:.2f}" y="{4 + plot_h - h:.2f}" width="{max(bar - 0.6, 0.4):.2f}" height="{h:.2f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    median = sorted(r.seconds for r in ran)[len(ran) // 2]
    my = 4 + plot_h - median / top * plot_h
    parts.append(f'<line class="median" x1="{left}" x2="{left + plot_w}" y1="{my:.1f}" y2="{my:.1f}"/>')
    parts.append(f'<text class="tick" x="{left + plot_w}" y="{my - 4:.1f}" text-anchor="end">median {median:.2f}s</text>')
    parts.append(f'<text class="tick" x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle">{len(ran)} runs, slowest first</text>')
    parts.append("</svg>")
    return "".join(parts)


def interval(score: float | None, low: float | None, high: float | None) -> str:
    """A one-line gauge: the score as a dot on its 95% interval, on a 0–100% track."""
    if score is None or low is None or high is None:
        return ""
    w = 240
    return (
        f'<svg class="gauge" role="img" aria-label="95% confidence interval" viewBox="0 0 {w + 8} 22" width="{w + 8}" height="22">'
        f'<line class="track" x1="4" x2="{w + 4}" y1="11" y2="11"/>'
        f'<line class="ci" x1="{4 + low * w:.1f}" x2="{4 + high * w:.1f}" y1="11" y2="11"/>'
        f'<circle class="point" cx="{4 + score * w:.1f}" cy="11" r="5"><title>{_pct(score)}, 95% CI {_pct(low)}–{_pct(high)}</title></circle>'
        "</svg>"
    )
