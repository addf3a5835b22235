"""Server-rendered SVG charts for the cockpit: pure functions, no JavaScript, no CDN.
Day and month names follow the active language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.utils.formats import date_format

WIDTH, HEIGHT = 1200, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 10, 22


@dataclass(frozen=True)
class Series:
    """One line of a chart: a count per hour slot, drawn in `colour`."""

    name: str
    css_class: str
    colour: str
    counts: list[int]


def _y(count: int, top: int) -> float:
    plot = HEIGHT - PAD_TOP - PAD_BOTTOM
    return round(PAD_TOP + plot - plot * count / top, 1)


def _x(index: int, slots: int) -> float:
    plot = WIDTH - PAD_LEFT - PAD_RIGHT
    return round(PAD_LEFT + plot * index / max(slots - 1, 1), 1)


def hourly_chart_svg(*, hours: list[datetime], series: list[Series], title: str) -> str:
    """An SVG line chart of counts per hour: one line per series, a dot (with a tooltip) on
    every hour whose count is not zero, a label at each midnight. `hours` are the slot starts
    (local time); every series has one count per slot. Returns markup, text escaped."""
    slots = len(hours)
    top = max([1, *(max(s.counts, default=0) for s in series)])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cockpit-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD_LEFT}" y1="{_y(0, top)}" x2="{WIDTH - PAD_RIGHT}" y2="{_y(0, top)}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{PAD_LEFT - 4}" y="{_y(top, top) + 4}" text-anchor="end" font-size="10" '
        f'fill="#666">{top}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{_y(0, top) + 4}" text-anchor="end" font-size="10" '
        'fill="#666">0</text>',
    ]
    for index, hour in enumerate(hours):
        if hour.hour == 0:
            x = _x(index, slots)
            parts.append(
                f'<line x1="{x}" y1="{PAD_TOP}" x2="{x}" y2="{_y(0, top)}" '
                'stroke="#ddd" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{x}" y="{HEIGHT - 6}" text-anchor="middle" font-size="10" '
                f'fill="#666">{date_format(hour, "D d")}</text>'
            )
    for line in series:
        points = " ".join(f"{_x(i, slots)},{_y(c, top)}" for i, c in enumerate(line.counts))
        parts.append(
            f'<polyline class="{escape(line.css_class)}" fill="none" '
            f'stroke="{escape(line.colour)}" stroke-width="1.5" points="{points}"/>'
        )
        for index, count in enumerate(line.counts):
            if count:
                hour = hours[index]
                parts.append(
                    f'<circle class="{escape(line.css_class)}-point" '
                    f'data-hour="{hour.isoformat()}" data-count="{count}" '
                    f'cx="{_x(index, slots)}" cy="{_y(count, top)}" r="2.5" '
                    f'fill="{escape(line.colour)}"><title>'
                    f"{date_format(hour, 'D d M H')}:00 — {count} "
                    f"{escape(line.name)}</title></circle>"
                )
    parts.append("</svg>")
    return "".join(parts)
