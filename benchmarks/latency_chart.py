"""An SVG line chart of median latency per request as the backends' stores grow.

Written by `emulator_vs_localstripe.py --chart FILE` from the run it has just measured; plain
SVG text, so it needs no plotting library and diffs readably.
"""

from __future__ import annotations

import math
from html import escape

COLOURS = {"emulator in-process": "#635bff", "in-process, in-memory db": "#9f9af7",
           "emulator over HTTP": "#0a7f5a", "localstripe over HTTP": "#d1353b"}
WIDTH, HEIGHT = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 215, 40, 48  # margins around the plot area
TICKS_MS = (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def latency_chart(series: dict[str, list[float]], labels: list[str], title: str) -> str:
    """`series`: backend name -> median ms per window; `labels`: the windows ("1-50", ...).

    The latency axis is logarithmic: the backends differ by two orders of magnitude.
    """
    values = [v for points in series.values() for v in points]
    low = max(t for t in TICKS_MS if t <= min(values))
    high = min((t for t in TICKS_MS if t >= max(values)), default=max(values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y(ms: float) -> float:
        return TOP + plot_h * (1 - math.log(ms / low) / math.log(high / low))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
           f' font-family="system-ui, sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14" font-weight="600">{escape(title)}</text>']
    for tick in (t for t in TICKS_MS if low <= t <= high):
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}"'
                   f' y2="{y(tick):.1f}" stroke="#e3e8ee"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end"'
                   f' fill="#697386">{tick:g} ms</text>')
    for index, label in enumerate(labels):
        out.append(f'<text x="{x(index):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle"'
                   f' fill="#697386">{escape(label)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle"'
               ' fill="#697386">payments made so far (each backend\'s own store)</text>')
    for row, (name, points) in enumerate(series.items()):
        colour = COLOURS.get(name.strip(), "#30313d")
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(points))
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}"'
                   ' stroke-width="2.5"/>')
        out.extend(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
                   for i, v in enumerate(points))
        legend_y = TOP + 10 + 22 * row
        out.append(f'<line x1="{WIDTH - RIGHT + 16}" x2="{WIDTH - RIGHT + 36}" y1="{legend_y}"'
                   f' y2="{legend_y}" stroke="{colour}" stroke-width="2.5"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 4}">'
                   f'{escape(name.strip())}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
