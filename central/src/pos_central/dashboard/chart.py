"""Sales charts as inline SVG, drawn in Python with integer arithmetic (no chart library, no
script, nothing fetched): one line per store over the days of a report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from pos_protocol.money import format_amount

# Okabe-Ito colours (told apart with colour-blindness too), dark enough on white.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#8F6A00", "#56B4E9")
DASHES = ("", "6 3", "2 3")
WIDTH, HEIGHT = 880, 300
LEFT, RIGHT, TOP, BOTTOM = 84, 150, 16, 44


def nice_step(raw_max: int, ticks: int = 4) -> int:
    """The smallest 1, 2 or 5 × 10^k (minor units) that covers ``raw_max`` in ``ticks``."""
    want = max(1, -(-raw_max // ticks))
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if m * magnitude >= want:
                return m * magnitude
        magnitude *= 10


def line_chart(days: Sequence[date], series: Sequence[tuple[str, Sequence[int]]],
               exponent: int, title: str) -> str:
    """An SVG line chart: x = days, y = amounts in minor units (formatted with ``exponent``
    decimals), one line per ``(label, values)``."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max((v for _, values in series for v in values), default=0)
    step = nice_step(max(top_value, 10**exponent))
    y_max = step * max(1, -(-max(top_value, 1) // step))
    n = len(days)

    def x(i: int) -> int:
        return LEFT + (i * plot_w) // max(n - 1, 1)

    def y(v: int) -> int:
        return TOP + plot_h - (max(v, 0) * plot_h) // y_max

    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
           'stroke="#444444"/>']
    for k in range(0, y_max // step + 1):  # horizontal grid lines with amounts
        v = k * step
        yy = y(v)
        out.append(f'<line x1="{LEFT}" y1="{yy}" x2="{LEFT + plot_w}" y2="{yy}" '
                   'stroke="#cccccc"/>')
        out.append(f'<text x="{LEFT - 8}" y="{yy + 5}" text-anchor="end" font-size="13" '
                   f'fill="#111111">{escape(format_amount(v, exponent))}</text>')
    every = max(1, -(-n // 10))  # at most about ten day labels, the last day always
    for i, d in enumerate(days):
        if (n - 1 - i) % every:
            continue
        out.append(f'<line x1="{x(i)}" y1="{TOP + plot_h}" x2="{x(i)}" y2="{TOP + plot_h + 5}" '
                   'stroke="#444444"/>')
        out.append(f'<text x="{x(i)}" y="{TOP + plot_h + 22}" text-anchor="middle" '
                   f'font-size="13" fill="#111111">{d.strftime("%d %b")}</text>')
    for j, (label, values) in enumerate(series):
        colour = COLOURS[j % len(COLOURS)]
        dash = DASHES[(j // len(COLOURS)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   f'stroke-width="3"{dash_attr}/>')
        for i, v in enumerate(values):
            out.append(f'<circle cx="{x(i)}" cy="{y(v)}" r="4" fill="{colour}">'
                       f"<title>{escape(label)} {days[i].isoformat()}: "
                       f"{escape(format_amount(v, exponent))}</title></circle>")
        ly = TOP + 14 + j * 22
        lx = LEFT + plot_w + 16
        out.append(f'<line x1="{lx}" y1="{ly - 5}" x2="{lx + 26}" y2="{ly - 5}" '
                   f'stroke="{colour}" stroke-width="3"{dash_attr}/>')
        out.append(f'<text x="{lx + 34}" y="{ly}" font-size="14" fill="#111111">'
                   f"{escape(label)}</text>")
    out.append("</svg>")
    return "\n".join(out)
