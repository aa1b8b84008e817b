"""Charts for the reports page, drawn on the server as inline SVG: bars per period (stacked or
side by side) and a line (service level). No script runs in the browser; each chart has a
title and a description for screen readers, a tooltip on every bar, and a table beside it
on the page with the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 10, 36
MAX_LABELS = 12
"""X-axis labels shown at most: the rest are thinned so they never overlap."""


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    """The class that colours it in desk.css (`series-1`...)."""
    values: Sequence[float | None]


def _nice_top(top: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step * 4:
            return float(step * 4)
    return float(top)


def _frame(title: str, description: str, labels: Sequence[str], top: float, unit: str,
           chart_id: str, legend: Sequence[Series]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 18}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
           f'<title id="{chart_id}-title">{escape(title)}</title>',
           f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{value:g}{unit}</text>')
    step = max(1, -(-len(labels) // MAX_LABELS))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = LEFT + slot * (i + 0.5)
            out.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                       f'text-anchor="middle">{escape(label)}</text>')
    x = LEFT
    for series in legend:
        out.append(f'<rect class="{series.css}" x="{x}" y="{HEIGHT + 4}" width="10" height="10"/>')
        out.append(f'<text class="axis" x="{x + 14}" y="{HEIGHT + 13}">{escape(series.name)}</text>')
        x += 26 + 9.5 * len(series.name)
    return out


def bars(title: str, description: str, labels: Sequence[str], series: Sequence[Series], *,
         stacked: bool, chart_id: str) -> Markup:
    """Bars per period: stacked (parts of one whole), or side by side."""
    totals = [sum(s.values[i] or 0 for s in series) if stacked else
              max((s.values[i] or 0 for s in series), default=0) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0) or 1)
    out = _frame(title, description, labels, top, "", chart_id, series)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    width = slot * 0.8 if stacked else slot * 0.8 / len(series)
    for i, label in enumerate(labels):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[i] or 0
            if not value:
                continue
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + (0 if stacked else k * width)
            y = TOP + plot_h - h - (plot_h * base / top if stacked else 0)
            out.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                       f'height="{h:.1f}"><title>{escape(label)}: {escape(s.name)} {value:g}'
                       f'</title></rect>')
            if stacked:
                base += value
    out.append("</svg>")
    return Markup("".join(out))


def line(title: str, description: str, labels: Sequence[str], series: Series, *, chart_id: str,
         top: float = 100, unit: str = "%") -> Markup:
    """A line through the periods that have a value; a gap where there is none."""
    out = _frame(title, description, labels, top, unit, chart_id, [series])
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    runs: list[list[str]] = [[]]
    for i, value in enumerate(series.values):
        if value is None:
            runs.append([])
            continue
        x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * min(value, top) / top
        runs[-1].append(f"{x:.1f},{y:.1f}")
        out.append(f'<circle class="{series.css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                   f'<title>{escape(labels[i])}: {value:.0f}{unit}</title></circle>')
    for run in runs:
        if len(run) > 1:
            out.append(f'<polyline class="{series.css} stroke" points="{" ".join(run)}"/>')
    out.append("</svg>")
    return Markup("".join(out))
