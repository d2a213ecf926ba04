"""The honest figures of a business day, from the day's tickets alone.

Definitions (also in the README):
- wait: from issue to the first call (``called_at - issued_at``) of tickets that were called;
- service: from start to finish of done tickets;
- abandonment: tickets that left without service (cancelled, final no-show, expired) over
  tickets issued;
- abandoned: the count of those tickets (the rate's numerator);
- satisfaction: ratings 1 or 2 over all ratings; the average score beside it (1 the best,
  4 unsatisfied);
- utilisation of a counter: its service seconds over the span from its first call to its
  last finish;
- estimate error: mean absolute difference between the wait promised at issue and the
  real wait; its median and p90 in seconds, and in percent of the real wait for tickets
  that waited at least a minute (a percent of a few seconds says nothing).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .tickets import Ticket
from .vocabulary import TicketStatus

# Tickets that left without service.
LEFT = (TicketStatus.CANCELLED, TicketStatus.NO_SHOW, TicketStatus.EXPIRED)


# Below this real wait an estimate's error is not counted in percent.
PERCENT_FROM_S = 60


def _nearest_rank(ordered: list[float], p: float) -> float:
    # an actual observed value, never an interpolation
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _estimate_error(tickets: list[Ticket]) -> dict[str, Any]:
    """How wrong the promise made at issue was: median and p90, in seconds and percent."""
    pairs = [
        (t.called_at - t.issued_at, t.estimated_wait_s)
        for t in tickets
        if t.called_at is not None and t.estimated_wait_s is not None
    ]
    seconds = sorted(abs(real - promised) for real, promised in pairs)
    percent = sorted(100 * abs(real - promised) / real for real, promised in pairs if real >= PERCENT_FROM_S)

    def rank(values: list[float], p: float) -> float | None:
        return round(_nearest_rank(values, p), 1) if values else None

    return {
        "count": len(seconds),
        "p50_s": rank(seconds, 0.5),
        "p90_s": rank(seconds, 0.9),
        "p50_pct": rank(percent, 0.5),
        "p90_pct": rank(percent, 0.9),
    }


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"avg": None, "p50": None, "p90": None, "max": None}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return _nearest_rank(ordered, p)

    return {
        "avg": round(sum(ordered) / len(ordered), 1),
        "p50": round(pct(0.5), 1),
        "p90": round(pct(0.9), 1),
        "max": round(ordered[-1], 1),
    }


def _figures(tickets: list[Ticket]) -> dict[str, Any]:
    issued = len(tickets)
    done = [t for t in tickets if t.status == TicketStatus.DONE]
    left = [t for t in tickets if t.status in LEFT]
    waits = [t.called_at - t.issued_at for t in tickets if t.called_at is not None]
    services = [t.finished_at - t.started_at for t in done if t.started_at and t.finished_at]
    rated = [t.score for t in tickets if t.score is not None]
    errors = [
        abs((t.called_at - t.issued_at) - t.estimated_wait_s)
        for t in tickets
        if t.called_at is not None and t.estimated_wait_s is not None
    ]
    return {
        "issued": issued,
        "served": len(done),
        "no_show": sum(t.status == TicketStatus.NO_SHOW for t in tickets),
        "cancelled": sum(t.status == TicketStatus.CANCELLED for t in tickets),
        "expired": sum(t.status == TicketStatus.EXPIRED for t in tickets),
        "waiting": sum(t.status == TicketStatus.WAITING for t in tickets),
        "abandoned": len(left),
        "abandonment_rate": round(len(left) / issued, 4) if issued else None,
        "wait_s": _summary(waits),
        "service_s": _summary(services),
        "ratings": len(rated),
        "scores": {str(s): rated.count(s) for s in (1, 2, 3, 4)},
        "satisfaction_rate": round(sum(s <= 2 for s in rated) / len(rated), 4) if rated else None,
        "score_avg": round(sum(rated) / len(rated), 2) if rated else None,
        "estimate_error_s": round(sum(errors) / len(errors), 1) if errors else None,
        "estimate_error": _estimate_error(tickets),
    }


def day_stats(day: str, tickets: Iterable[Ticket], zone: ZoneInfo) -> dict[str, Any]:
    tickets = list(tickets)
    by_category: dict[str, list[Ticket]] = defaultdict(list)
    by_counter: dict[int, list[Ticket]] = defaultdict(list)
    by_hour: dict[int, list[Ticket]] = defaultdict(list)
    for t in tickets:
        by_category[t.category].append(t)
        if t.counter is not None:
            by_counter[t.counter].append(t)
        by_hour[datetime.fromtimestamp(t.issued_at, zone).hour].append(t)

    counters = []
    for number, mine in sorted(by_counter.items()):
        figures = _figures(mine)
        busy = sum(
            t.finished_at - t.started_at
            for t in mine
            if t.status == TicketStatus.DONE and t.started_at and t.finished_at
        )
        calls = [t.called_at for t in mine if t.called_at]
        ends = [t.finished_at for t in mine if t.finished_at]
        span = (max(ends) - min(calls)) if calls and ends else 0
        figures["utilisation"] = round(min(1.0, busy / span), 4) if span > 0 else None
        counters.append({"counter": number, **figures})

    return {
        "date": day,
        **_figures(tickets),
        "by_category": [{"category": c, **_figures(ts)} for c, ts in sorted(by_category.items())],
        "by_counter": counters,
        "by_hour": [{"hour": h, **_figures(ts)} for h, ts in sorted(by_hour.items())],
    }
