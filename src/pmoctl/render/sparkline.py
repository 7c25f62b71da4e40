"""Small trend charts: a KPI's readings as an inline SVG line, no script and no request.

The chart is made of numbers only (coordinates computed here); the one text from the
catalogue, the label, is escaped, and the same figures are in the label for readers who
cannot see the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 96
HEIGHT = 24
PAD = 3
#: the line's colour by the latest reading's status (the colour is never the only cue:
#: the page says the status in words beside it)
COLOURS = {"red": "#b42318", "amber": "#9a6700", "green": "#1a7f37"}
NEUTRAL = "#1d4e89"


def _figure(value: float) -> str:
    return f"{value:g}"


def sparkline(values: Sequence[float], label: str, *, rag: str | None = None) -> Markup:
    """The values (oldest first) as a line, the latest marked; empty with fewer than two."""
    points = [float(value) for value in values if math.isfinite(value)]
    if len(points) < 2:
        return Markup("")
    low, high = min(points), max(points)
    span = high - low or 1.0
    step = (WIDTH - 2 * PAD) / (len(points) - 1)
    coords = [
        (PAD + index * step, HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD))
        for index, value in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    last_x, last_y = coords[-1]
    title = f"{label}: " + ", ".join(_figure(value) for value in points)
    colour = COLOURS.get(rag or "", NEUTRAL)
    return Markup(
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
        f'stroke-linejoin="round" stroke-linecap="round" points="{line}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{colour}"/></svg>'
    )
