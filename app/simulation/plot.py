"""The day as one SVG, drawn by hand (no plotting dependency): customers waiting per category,
counters open, and each ticket's real wait against lobbyq's estimate at issue."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from .day import DayRun
from .scenario import minutes_of

WIDTH, LEFT, RIGHT = 960, 60, 150
PANEL, GAP, TOP = 170, 50, 40
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


class _Panel:
    def __init__(self, index: int, title: str, y_max: float, y_label: str, end_s: float):
        self.top = TOP + index * (PANEL + GAP)
        self.title = title
        self.y_max = y_max or 1.0
        self.y_label = y_label
        self.end_s = end_s or 1.0

    def x(self, t: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * t / self.end_s

    def y(self, v: float) -> float:
        return self.top + PANEL - PANEL * min(v, self.y_max) / self.y_max

    def frame(self, hours: list[tuple[float, str]]) -> list[str]:
        out = [
            f'<text x="{LEFT}" y="{self.top - 8}" font-weight="bold">{escape(self.title)}</text>',
            f'<rect x="{LEFT}" y="{self.top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}" '
            'fill="none" stroke="#999"/>',
        ]
        for i in range(6):
            v = self.y_max * i / 5
            y = self.y(v)
            out.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" stroke="#999"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{v:g}</text>')
        for t, label in hours:
            x = self.x(t)
            out.append(
                f'<line x1="{x:.1f}" y1="{self.top}" x2="{x:.1f}" y2="{self.top + PANEL}" stroke="#eee"/>'
                f'<text x="{x:.1f}" y="{self.top + PANEL + 14}" text-anchor="middle" font-size="10">{label}</text>'
            )
        out.append(
            f'<text x="14" y="{self.top + PANEL / 2:.1f}" font-size="10" '
            f'transform="rotate(-90 14 {self.top + PANEL / 2:.1f})" text-anchor="middle">{escape(self.y_label)}</text>'
        )
        return out

    def steps(self, points: list[tuple[float, float]], colour: str, end: float) -> str:
        """A step line: each value holds until the next change."""
        if not points:
            return ""
        d = [f"M{self.x(points[0][0]):.1f},{self.y(points[0][1]):.1f}"]
        for t, v in points[1:]:
            d.append(f"H{self.x(t):.1f}V{self.y(v):.1f}")
        d.append(f"H{self.x(end):.1f}")
        return f'<path d="{"".join(d)}" fill="none" stroke="{colour}" stroke-width="1.5"/>'


def _legend(top: float, entries: list[tuple[str, str]]) -> list[str]:
    x = WIDTH - RIGHT + 12
    out = []
    for i, (label, colour) in enumerate(entries):
        y = top + 12 + i * 16
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{y}" font-size="11">{escape(label)}</text>')
    return out


def day_svg(run: DayRun) -> str:
    loaded = run.loaded
    end = max(run.end_s, loaded.day_s)
    opening = minutes_of(loaded.scenario.hours.open)
    hours = [(h * 3600.0, f"{(opening + 60 * h) // 60:02d}:{opening % 60:02d}") for h in range(int(end // 3600) + 1)]
    categories = [c.code for c in loaded.parsed.categories]
    colour = {code: COLOURS[i % len(COLOURS)] for i, code in enumerate(categories)}

    series: dict[str, list[tuple[float, float]]] = {code: [(0.0, 0.0)] for code in categories}
    for t, code, count in run.waiting:
        series[code].append((t, float(count)))
    most_waiting = max((v for points in series.values() for _, v in points), default=1.0)
    waiting = _Panel(0, "Customers waiting, per category", _nice_max(most_waiting), "waiting", end)
    body = waiting.frame(hours)
    body += [waiting.steps(points, colour[code], end) for code, points in series.items()]
    body += _legend(waiting.top, [(code, colour[code]) for code in categories])

    opened = [(t, float(n)) for t, n in run.open_counters]
    most_open = max((n for _, n in run.open_counters), default=1)
    counters = _Panel(1, "Counters open (not paused)", 5.0 * math.ceil(max(most_open, 1) / 5), "counters", end)
    body += counters.frame(hours)
    body.append(counters.steps(opened, "#444", end))

    called = [c for c in run.customers if c.wait_s is not None]
    longest = max([c.wait_s or 0.0 for c in called] + [c.estimate or 0.0 for c in called] + [60.0]) / 60
    title = "Each ticket: real wait (dot) and lobbyq's estimate at issue (tick)"
    scatter = _Panel(2, title, _nice_max(longest), "minutes", end)
    body += scatter.frame(hours)
    for c in called:
        x, real = scatter.x(c.arrives), scatter.y((c.wait_s or 0.0) / 60)
        if c.estimate is not None:
            est = scatter.y(c.estimate / 60)
            body.append(f'<line x1="{x:.1f}" y1="{real:.1f}" x2="{x:.1f}" y2="{est:.1f}" stroke="#ccc"/>')
            body.append(f'<line x1="{x - 2:.1f}" y1="{est:.1f}" x2="{x + 2:.1f}" y2="{est:.1f}" stroke="#000"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{real:.1f}" r="1.8" fill="{colour[c.category]}"/>')
    body += _legend(scatter.top, [(code, colour[code]) for code in categories] + [("estimate", "#000")])

    height = TOP + 3 * (PANEL + GAP)
    title = f"{loaded.scenario.name} · {loaded.scenario.date.isoformat()} · seed {run.seed}"
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
            f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
            *body,
            "</svg>",
            "",
        ]
    )
