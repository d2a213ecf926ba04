"""Charts as SVG text, drawn on the server from numbers alone: no charting library, no CDN,
and they print as sharp as the page around them.

Pure functions: numbers and words in, an ``<svg>`` string out (every text escaped). Sized
by a viewBox, so a chart takes its container's width on screen and on A4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
HEIGHT = 260
INK = "#14233a"
MUTED = "#5b6b82"
GRID = "#e2e8f0"
FONT = 'font-family="Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"'
BLUE = "#1f5fbf"
GREEN = "#23a35a"
RED = "#d9534f"
ORANGE = "#e08a00"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str


def nice_step(top: float, ticks: int = 5) -> float:
    """The 1, 2 or 5 × 10ⁿ step that reaches ``top`` in at most ``ticks`` steps."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _svg(body: list[str], height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" {FONT} font-size="14" class="chart">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for s in series:
        out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{s.color}"/>')
        out.append(f'<text x="{x + 17:.1f}" y="{y:.1f}" fill="{INK}">{escape(s.name)}</text>')
        x += 30 + 14 * len(s.name) if not s.name.isascii() else 30 + 7.5 * len(s.name)
    return out


def _y_axis(
    top: float, left: float, plot_top: float, plot_h: float, right: float, unit: str
) -> tuple[list[str], float]:
    """Gridlines and their labels; answers them and the axis' maximum."""
    step = nice_step(top)
    y_max = max(step, math.ceil(top / step) * step)
    out = []
    for i in range(int(round(y_max / step)) + 1):
        value = i * step
        y = plot_top + plot_h - plot_h * value / y_max
        out.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_number(value)}</text>')
    if unit:
        out.append(
            f'<text x="{left - 6:.1f}" y="{plot_top - 10:.1f}" text-anchor="end" fill="{MUTED}">{escape(unit)}</text>'
        )
    return out, y_max


def bar_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "", height: int = HEIGHT
) -> str:
    """Bars grouped by label (an hour, a branch), one colour per series, values on top."""
    left, right, top, bottom = 52.0, WIDTH - 12.0, 44.0, 30.0
    plot_h = height - top - bottom
    body = _legend(series, left, 18)
    values = [v for s in series for v in s.values if v is not None]
    grid, y_max = _y_axis(max(values, default=0), left, top, plot_h, right, unit)
    body += grid
    n = max(1, len(labels))
    slot = (right - left) / n
    bar = min(38.0, slot * 0.8 / max(1, len(series)))
    show_values = n * len(series) <= 40
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for k, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else None
            if v is None:
                continue
            h = plot_h * v / y_max
            x = x0 + k * bar
            y = top + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" rx="2" fill="{s.color}">'
                f"<title>{escape(label)} · {escape(s.name)}: {_number(v)}</title></rect>"
            )
            if show_values and v > 0:
                body.append(
                    f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" '
                    f'fill="{INK}">{_number(v)}</text>'
                )
        body.append(
            f'<text x="{left + slot * (i + 0.5):.1f}" y="{height - 10:.1f}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    body.append(f'<line x1="{left}" x2="{right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    return _svg(body, height, title)


def histogram(
    bins: Sequence[tuple[float, float | None, int]],
    *,
    title: str,
    marks: Sequence[tuple[str, float | None, str]],
    unit: str = "",
    x_unit: str = "min",
    height: int = HEIGHT,
) -> str:
    """Counts of waits per bin (from seconds, to seconds or None for "and more"), with
    vertical marks (label, seconds, colour) such as the p50 and p90."""
    left, right, top, bottom = 52.0, WIDTH - 16.0, 44.0, 30.0
    plot_h = height - top - bottom
    body: list[str] = []
    grid, y_max = _y_axis(max((c for _, _, c in bins), default=0), left, top, plot_h, right, unit)
    body += grid
    if bins:
        width_s = (bins[0][1] or 60) - bins[0][0]
        end_s = bins[-1][0] + width_s
        scale = (right - left) / end_s
        for start, _, count in bins:
            h = plot_h * count / y_max
            x = left + start * scale
            body.append(
                f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{width_s * scale - 2:.1f}" '
                f'height="{h:.1f}" fill="{BLUE}" opacity=".85"><title>{_number(start / 60)}–'
                f"{_number((start + width_s) / 60)} {escape(x_unit)}: {count}</title></rect>"
            )
        every = max(1, math.ceil(len(bins) / 10))
        for i in range(0, len(bins) + 1, every):
            edge = i * width_s
            more = i == len(bins) and bins[-1][1] is None
            body.append(
                f'<text x="{left + edge * scale:.1f}" y="{height - 10:.1f}" text-anchor="middle" '
                f'fill="{MUTED}">{_number(edge / 60)}{"+" if more else ""}</text>'
            )
        body.append(
            f'<text x="{right:.1f}" y="{top - 10:.1f}" text-anchor="end" fill="{MUTED}">{escape(x_unit)}</text>'
        )
        legend_x = left
        for label, at_s, color in marks:
            if at_s is None:
                continue
            x = left + min(at_s, end_s) * scale
            text = f"{label} {_number(at_s / 60)} {x_unit}"
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4:.1f}" y2="{top + plot_h:.1f}" stroke="{color}" '
                f'stroke-width="2.5" stroke-dasharray="6 4"/>'
            )
            body.append(f'<rect x="{legend_x:.1f}" y="8" width="12" height="12" rx="2" fill="{color}"/>')
            body.append(f'<text x="{legend_x + 17:.1f}" y="18" fill="{INK}" font-weight="700">{escape(text)}</text>')
            legend_x += 30 + 8 * len(text)
    body.append(f'<line x1="{left}" x2="{right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    return _svg(body, height, title)


def meters(rows: Sequence[tuple[str, float | None, str]], *, title: str, color: str = BLUE) -> str:
    """One horizontal bar per row: a label, a share from 0 to 1 (None: no figure) and a note
    written after the bar, such as a counter's utilisation and what it served."""
    row_h, left, right, top = 30.0, 170.0, WIDTH - 200.0, 8.0
    height = int(top * 2 + row_h * max(1, len(rows)))
    body: list[str] = []
    for i, (label, share, note) in enumerate(rows):
        y = top + i * row_h
        body.append(f'<text x="{left - 10:.1f}" y="{y + 19:.1f}" text-anchor="end" fill="{INK}">{escape(label)}</text>')
        body.append(
            f'<rect x="{left:.1f}" y="{y + 6:.1f}" width="{right - left:.1f}" height="18" rx="3" fill="{GRID}"/>'
        )
        if share is not None:
            w = (right - left) * max(0.0, min(1.0, share))
            body.append(f'<rect x="{left:.1f}" y="{y + 6:.1f}" width="{w:.1f}" height="18" rx="3" fill="{color}"/>')
        shown = "–" if share is None else f"{share * 100:.0f}%"
        body.append(
            f'<text x="{right + 8:.1f}" y="{y + 19:.1f}" fill="{INK}"><tspan font-weight="700">{shown}</tspan>'
            f'<tspan fill="{MUTED}"> {escape(note)}</tspan></text>'
        )
    return _svg(body, height, title)
