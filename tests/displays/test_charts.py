"""The SVG charts of the reports, as pure functions: valid SVG, every text escaped, the
p50 and p90 marks where the waits put them, bars as tall as their values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from displays import charts

NS = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_svg_with_one_bar_per_value_and_escaped_words():
    svg = charts.bar_chart(
        ["9:00", "10:00", "<b>"],
        [charts.Series("到达 & <arrivals>", [10, 20, None], charts.BLUE)],
        title="每小时 <到达>",
    )
    root = ET.fromstring(svg)  # well-formed: every text escaped
    bars = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert len(bars) == 2  # None draws nothing
    assert float(bars[1].get("height")) == 2 * float(bars[0].get("height"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_the_histogram_marks_p50_and_p90_where_the_waits_are():
    bins = [(i * 120, (i + 1) * 120, n) for i, n in enumerate([5, 9, 3, 1])]
    svg = charts.histogram(bins, title="waits", marks=[("p50", 180, charts.GREEN), ("p90", 420, charts.ORANGE)])
    ET.fromstring(svg)
    lines = {
        line.get("stroke"): float(line.get("x1"))
        for line in ET.fromstring(svg).iter(f"{NS}line")
        if line.get("stroke-dasharray")
    }
    left, right = 52.0, charts.WIDTH - 16.0
    scale = (right - left) / 480
    assert abs(lines[charts.GREEN] - (left + 180 * scale)) < 0.1
    assert abs(lines[charts.ORANGE] - (left + 420 * scale)) < 0.1
    assert "p90 7 min" in svg


def test_meters_show_a_share_and_nothing_for_none():
    svg = charts.meters([("1号窗口", 0.5, "办结 3"), ("2号窗口", None, "")], title="利用率")
    ET.fromstring(svg)
    assert "50%" in svg and "–" in svg
    assert re.search(r'viewBox="0 0 760 \d+"', svg)


def test_nice_steps():
    assert [charts.nice_step(x) for x in (4, 10, 23, 75, 1200)] == [1, 2, 5, 20, 500]
