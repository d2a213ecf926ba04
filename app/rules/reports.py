"""A report of a day or a range of days, from their tickets alone: what the manager reads
once the day is over, and what the admin compares across branches.

Built on the day's figures (``stats.py``: the same waits, percentiles, abandonment and
satisfaction), with what a report adds:
- per hour of the branch's clock: arrivals (by issue), served (by finish), abandoned (by
  issue, so the rate's numerator and denominator are the same customers), waits;
- the waits' histogram with p50 and p90 (nearest rank) marked;
- per counter and per teller: served, mean service time, satisfaction, utilisation;
- a staffing suggestion per category and hour: Erlang C's ``counters_needed`` from the
  hour's arrivals averaged over the days the branch issued tickets, and the category's
  mean service time, for a p90 wait under a target.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .staffing import counters_needed
from .stats import _estimate_error, _figures, _nearest_rank
from .tickets import Ticket
from .vocabulary import TicketStatus

# The p90 wait a staffing suggestion aims under, unless the report is asked for another.
DEFAULT_WAIT_TARGET_S = 600
# The share of customers that must wait less than the target: the p90.
STAFFING_WITHIN = 0.9
# A report spans at most a quarter: the reports of longer spans are for a warehouse.
MAX_DAYS = 92
# Histogram bin widths, the narrowest that covers the longest wait in at most MAX_BINS
# bins; a wait past the last bin is counted in it (its ``to_s`` is null).
BIN_WIDTHS_S = (60, 120, 300, 600)
MAX_BINS = 20


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RangeError(ValueError):
    """A date range a report cannot be made of; the message says why."""


def _day(name: str, value: str) -> date:
    try:
        if _DAY.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise RangeError(f"{name} {value!r} is not a calendar day (YYYY-MM-DD)")


def date_range(start: str, end: str | None, max_days: int = MAX_DAYS) -> tuple[str, str, int]:
    """``(from, to, days)`` of a range given as YYYY-MM-DD; ``end`` defaults to ``start``."""
    first = _day("from", start)
    last = _day("to", end) if end is not None else first
    if last < first:
        raise RangeError(f"to ({last}) is before from ({first})")
    days = (last - first).days + 1
    if days > max_days:
        raise RangeError(f"a report spans at most {max_days} days; {first} to {last} is {days}")
    return first.isoformat(), last.isoformat(), days


def _rate(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _busy_and_span(tickets: list[Ticket]) -> tuple[float, float]:
    """Service seconds of done tickets, and the span from the first call to the last
    finish of each business day (the day's figures' utilisation, summed over days)."""
    busy = 0.0
    span = 0.0
    by_day: dict[str, list[Ticket]] = defaultdict(list)
    for t in tickets:
        by_day[t.day].append(t)
        if t.status == TicketStatus.DONE and t.started_at and t.finished_at:
            busy += t.finished_at - t.started_at
    for mine in by_day.values():
        calls = [t.called_at for t in mine if t.called_at]
        ends = [t.finished_at for t in mine if t.finished_at]
        if calls and ends:
            span += max(0.0, max(ends) - min(calls))
    return busy, span


def _utilisation(tickets: list[Ticket]) -> float | None:
    """Every counter's busy seconds over the sum of their spans: two counters busy half
    their day make 0.5, not 1 (a teller who moved counters, likewise)."""
    busy = span = 0.0
    for mine in _grouped(tickets, "counter").values():
        b, s = _busy_and_span(mine)
        busy, span = busy + b, span + s
    return round(min(1.0, busy / span), 4) if span > 0 else None


def _people(tickets: list[Ticket]) -> dict[str, Any]:
    """What a counter's or a teller's line shows: served, service time, satisfaction."""
    f = _figures(tickets)
    return {
        "served": f["served"],
        "no_show": f["no_show"],
        "service_avg_s": f["service_s"]["avg"],
        "service_p90_s": f["service_s"]["p90"],
        "ratings": f["ratings"],
        "satisfaction_rate": f["satisfaction_rate"],
        "score_avg": f["score_avg"],
        "utilisation": _utilisation(tickets),
    }


def wait_histogram(waits: list[float]) -> dict[str, Any]:
    """Waits in bins of equal width, with their count, mean, p50, p90 and maximum."""
    ordered = sorted(waits)
    if not ordered:
        return {"count": 0, "bin_s": BIN_WIDTHS_S[0], "bins": [], **dict.fromkeys(("avg_s", "p50_s", "p90_s", "max_s"))}
    longest = ordered[-1]
    width = next((w for w in BIN_WIDTHS_S if longest < w * MAX_BINS), BIN_WIDTHS_S[-1])
    count = min(MAX_BINS, int(longest // width) + 1)
    counts = [0] * count
    for w in ordered:
        counts[min(count - 1, int(w // width))] += 1
    last_open = longest >= width * count
    bins = [
        {"from_s": i * width, "to_s": None if (last_open and i == count - 1) else (i + 1) * width, "count": n}
        for i, n in enumerate(counts)
    ]
    return {
        "count": len(ordered),
        "bin_s": width,
        "bins": bins,
        "avg_s": round(sum(ordered) / len(ordered), 1),
        "p50_s": round(_nearest_rank(ordered, 0.5), 1),
        "p90_s": round(_nearest_rank(ordered, 0.9), 1),
        "max_s": round(longest, 1),
    }


def _hour(moment: float, zone: ZoneInfo) -> int:
    return datetime.fromtimestamp(moment, zone).hour


def _hourly(tickets: list[Ticket], zone: ZoneInfo) -> list[dict[str, Any]]:
    issued: dict[int, list[Ticket]] = defaultdict(list)
    served: dict[int, int] = defaultdict(int)
    for t in tickets:
        issued[_hour(t.issued_at, zone)].append(t)
        if t.status == TicketStatus.DONE and t.finished_at:
            served[_hour(t.finished_at, zone)] += 1
    hours = set(issued) | set(served)
    if not hours:
        return []
    rows = []
    for h in range(min(hours), max(hours) + 1):  # every hour between, the quiet ones too
        f = _figures(issued.get(h, []))
        rows.append(
            {
                "hour": h,
                "arrivals": f["issued"],
                "served": served.get(h, 0),
                "abandoned": f["abandoned"],
                "no_show": f["no_show"],
                "cancelled": f["cancelled"],
                "expired": f["expired"],
                "abandonment_rate": f["abandonment_rate"],
                "wait_avg_s": f["wait_s"]["avg"],
                "wait_p90_s": f["wait_s"]["p90"],
            }
        )
    return rows


def _staffing(
    tickets: list[Ticket], zone: ZoneInfo, open_days: int, default_service_s: float, wait_target_s: float
) -> list[dict[str, Any]]:
    arrivals: dict[tuple[str, int], int] = defaultdict(int)
    services: dict[str, list[float]] = defaultdict(list)
    for t in tickets:
        arrivals[(t.category, _hour(t.issued_at, zone))] += 1
        if t.status == TicketStatus.DONE and t.started_at and t.finished_at:
            services[t.category].append(t.finished_at - t.started_at)
    rows = []
    for (category, hour), n in sorted(arrivals.items()):
        mine = services.get(category)
        mean_service = sum(mine) / len(mine) if mine else float(default_service_s)
        per_hour = n / open_days
        rows.append(
            {
                "category": category,
                "hour": hour,
                "arrivals_per_hour": round(per_hour, 2),
                "service_avg_s": round(mean_service, 1),
                "service_from": "measured" if mine else "default",
                "counters_needed": counters_needed(per_hour / 3600, mean_service, wait_target_s, STAFFING_WITHIN),
            }
        )
    return rows


def _grouped(tickets: list[Ticket], key: str) -> dict[Any, list[Ticket]]:
    out: dict[Any, list[Ticket]] = defaultdict(list)
    for t in tickets:
        value = getattr(t, key)
        if value is not None:
            out[value].append(t)
    return out


def branch_report(
    tickets: Iterable[Ticket],
    zone: ZoneInfo,
    *,
    start: str,
    end: str,
    default_service_s: float,
    wait_target_s: float = DEFAULT_WAIT_TARGET_S,
    counter_names: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The report of a branch's tickets from ``start`` to ``end`` (business days)."""
    tickets = list(tickets)
    names = counter_names or {}
    open_days = len({t.day for t in tickets})
    waits = [t.called_at - t.issued_at for t in tickets if t.called_at is not None]
    counters = [
        {"counter": n, "name": names.get(n, str(n)), **_people(mine)}
        for n, mine in sorted(_grouped(tickets, "counter").items())
    ]
    tellers = [
        {"teller": name, "counters": sorted({t.counter for t in mine if t.counter is not None}), **_people(mine)}
        for name, mine in sorted(_grouped(tickets, "teller").items())
    ]
    return {
        "from": start,
        "to": end,
        "days": (date.fromisoformat(end) - date.fromisoformat(start)).days + 1,
        "open_days": open_days,
        "summary": {**_figures(tickets), "utilisation": _utilisation(tickets)},
        "hourly": _hourly(tickets, zone),
        "waits": wait_histogram(waits),
        "counters": counters,
        "tellers": tellers,
        "estimate_error": _estimate_error(tickets),
        "staffing": {
            "wait_target_s": wait_target_s,
            "within": STAFFING_WITHIN,
            "rows": _staffing(tickets, zone, max(1, open_days), default_service_s, wait_target_s),
        },
    }


def comparison_row(code: str, name: str, tickets: Iterable[Ticket]) -> dict[str, Any]:
    """One branch's line of the admin's side-by-side: the lobby's KPIs over the range."""
    tickets = list(tickets)
    f = _figures(tickets)
    return {
        "branch": code,
        "name": name,
        "issued": f["issued"],
        "served": f["served"],
        "wait_avg_s": f["wait_s"]["avg"],
        "wait_p90_s": f["wait_s"]["p90"],
        "abandoned": f["abandoned"],
        "abandonment_rate": f["abandonment_rate"],
        "ratings": f["ratings"],
        "satisfaction_rate": f["satisfaction_rate"],
        "score_avg": f["score_avg"],
        "utilisation": _utilisation(tickets),
    }
