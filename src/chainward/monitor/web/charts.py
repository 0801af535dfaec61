"""Inline SVG charts for the dashboard (no JavaScript, no front-end build)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

COLOURS = {
    "critical": "#b91c1c",
    "high": "#ea580c",
    "medium": "#d97706",
    "low": "#2563eb",
    "unknown": "#6b7280",
}
ORDER = ("unknown", "low", "medium", "high", "critical")  # bottom to top of the stack


def trend_svg(series: Sequence[dict[str, Any]], width: int = 760, height: int = 220) -> str:
    """A stacked area chart of open findings per severity, one point per day."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    days = len(series)
    totals = [sum(int(point.get(s, 0)) for s in ORDER) for point in series]
    peak = max([*totals, 1])
    step = plot_w / max(days - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(value: float) -> float:
        return top + plot_h - (value / peak) * plot_h

    parts = [
        f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Open findings per severity over the last {days} days</title>",
    ]
    for fraction in (0, 0.5, 1):
        value = peak * fraction
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#6b7280">{round(value)}</text>'
        )
    base = [0.0] * days
    for severity in ORDER:
        upper = [base[i] + int(series[i].get(severity, 0)) for i in range(days)]
        if any(upper[i] != base[i] for i in range(days)):
            points = [f"{x(i):.1f},{y(upper[i]):.1f}" for i in range(days)]
            points += [f"{x(i):.1f},{y(base[i]):.1f}" for i in reversed(range(days))]
            parts.append(
                f'<polygon class="area-{severity}" points="{" ".join(points)}" '
                f'fill="{COLOURS[severity]}" fill-opacity="0.78" stroke="{COLOURS[severity]}" '
                f'stroke-width="1"><title>{severity}</title></polygon>'
            )
        base = upper
    for i, point in enumerate(series):
        if i in (0, days - 1) or (days > 10 and i == days // 2):
            anchor = "start" if i == 0 else "end" if i == days - 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" '
                f'fill="#6b7280">{escape(str(point.get("date", "")))}</text>'
            )
        total = totals[i]
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(total):.1f}" r="2.5" fill="#111827">'
            f"<title>{escape(str(point.get('date', '')))}: {total} open</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["COLOURS", "trend_svg"]
