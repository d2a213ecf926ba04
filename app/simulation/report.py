"""The figures of a simulated day: KPIs, the three estimators' errors, fairness; as a dict
(``--json``) and as text."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..rules.stats import PERCENT_FROM_S
from ..rules.vocabulary import Priority, TicketStatus
from .day import Customer, DayRun

OVER_S = 300  # "waits over 5 minutes": the error people feel most
ESTIMATORS: dict[str, Callable[[Customer], float | None]] = {
    "lobbyq": lambda c: c.estimate,
    "QL": lambda c: c.ql,
    "LES": lambda c: c.les,
}


def nearest_rank(values: list[float], p: float) -> float | None:
    """An observed value (as the day's stats take percentiles), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def waits(customers: list[Customer]) -> dict[str, Any]:
    values = [c.wait_s for c in customers if c.wait_s is not None]
    return {
        "count": len(values),
        "p50_s": _r(nearest_rank(values, 0.5)),
        "p90_s": _r(nearest_rank(values, 0.9)),
        "max_s": _r(max(values) if values else None),
    }


def estimate_error(customers: list[Customer], estimate: Callable[[Customer], float | None]) -> dict[str, Any]:
    """Median and p90 absolute error (seconds; percent of real waits of a minute or more),
    and the median error of waits over 5 minutes, over the called tickets that had one."""
    pairs: list[tuple[float, float]] = []
    for c in customers:
        real, est = c.wait_s, estimate(c)
        if real is not None and est is not None:
            pairs.append((real, est))
    seconds = [abs(real - est) for real, est in pairs]
    percent = [100 * abs(real - est) / real for real, est in pairs if real >= PERCENT_FROM_S]
    over = [abs(real - est) for real, est in pairs if real > OVER_S]
    return {
        "count": len(pairs),
        "p50_s": _r(nearest_rank(seconds, 0.5)),
        "p90_s": _r(nearest_rank(seconds, 0.9)),
        "p50_pct": _r(nearest_rank(percent, 0.5)),
        "p90_pct": _r(nearest_rank(percent, 0.9)),
        "over_5min_count": len(over),
        "over_5min_p50_s": _r(nearest_rank(over, 0.5)),
    }


def by_hour(run: DayRun) -> list[dict[str, Any]]:
    """Arrivals and the p90 wait of the customers who arrived in each hour of the day."""
    opening_minutes = int(run.loaded.open_s // 60)
    hours: dict[int, list[Customer]] = {}
    for c in run.customers:
        hours.setdefault(int(c.arrives // 3600), []).append(c)
    rows = []
    for h in sorted(hours):
        mine = hours[h]
        minutes = opening_minutes + h * 60
        rows.append(
            {
                "hour": f"{minutes // 60:02d}:{minutes % 60:02d}",
                "arrivals": len(mine),
                "p90_wait_s": waits(mine)["p90_s"],
                "by_category": {
                    cat: waits([c for c in mine if c.category == cat])["p90_s"]
                    for cat in sorted({c.category for c in mine})
                },
            }
        )
    return rows


def summarize(run: DayRun, seconds: float | None = None) -> dict[str, Any]:
    customers = run.customers
    statuses = [c.status for c in customers]
    no_show = statuses.count(TicketStatus.NO_SHOW)
    cancelled = statuses.count(TicketStatus.CANCELLED)
    busy, open_s = sum(run.busy_seconds.values()), sum(run.open_seconds.values())
    served = [c for c in customers if c.status == TicketStatus.DONE]
    services = [c.finished_at - c.started_at for c in served if c.finished_at is not None and c.started_at is not None]
    result: dict[str, Any] = {
        "scenario": run.loaded.scenario.name,
        "file": run.loaded.source,
        "seed": run.seed,
        "date": run.loaded.scenario.date.isoformat(),
        "hours": {"open": run.loaded.scenario.hours.open, "close": run.loaded.scenario.hours.close},
        "last_event_s": round(run.end_s, 1),
        "tickets": len(customers),
        "served": len(served),
        "no_show": no_show,
        "cancelled": cancelled,
        "abandonment": round((no_show + cancelled) / len(customers), 4) if customers else None,
        "wait": waits(customers),
        "service_max_s": _r(max(services) if services else None),
        "utilisation": round(busy / open_s, 4) if open_s else None,
        "by_counter": [
            {
                "counter": n,
                "open_s": round(run.open_seconds[n], 1),
                "utilisation": round(run.busy_seconds[n] / run.open_seconds[n], 4) if run.open_seconds[n] else None,
            }
            for n in sorted(run.open_seconds)
        ],
        "by_category": {
            cat: {
                "tickets": sum(c.category == cat for c in customers),
                **waits([c for c in customers if c.category == cat]),
            }
            for cat in sorted({c.category for c in customers})
        },
        "by_priority": {
            p.value: waits([c for c in customers if c.priority == p])
            for p in Priority
            if any(c.priority == p for c in customers)
        },
        "by_hour": by_hour(run),
        "estimators": {name: estimate_error(customers, get) for name, get in ESTIMATORS.items()},
        "service_calls": run.service_calls,
    }
    if seconds is not None:
        result["run_s"] = round(seconds, 2)
        result["tickets_per_s"] = round(len(customers) / seconds, 1) if seconds > 0 else None
    return result


def fairness(guarded: DayRun, unguarded: DayRun | None) -> dict[str, Any] | None:
    """Section 3 of #11: per category, the longest wait of a normal ticket against
    ``max_wait_minutes`` plus the longest service, and the VIPs' waits with the guard and,
    the same day, without it. The bound is the guard's only where a counter serves the
    category first: elsewhere an aged ticket still yields to that counter's first
    category's VIPs (same class, better place in its order), and the check says so."""
    limit = guarded.loaded.parsed.policy.max_wait_minutes
    if limit is None:
        return None
    layout = guarded.loaded.parsed
    normal = [c for c in guarded.customers if c.priority == Priority.NORMAL and c.wait_s is not None]
    longest_service = max(
        (c.finished_at - c.started_at for c in guarded.customers if c.finished_at and c.started_at is not None),
        default=0.0,
    )
    bound = limit * 60 + longest_service
    categories = {}
    for category in sorted({c.category for c in normal}):
        mine = [c.wait_s or 0.0 for c in normal if c.category == category]
        first = any(counter.serves and counter.serves[0] == category for counter in layout.counters)
        categories[category] = {
            "normal_max_wait_s": round(max(mine), 1),
            "served_first_somewhere": first,
            "holds": (max(mine) <= bound) if first else None,
        }
    bounded = [c for c in categories.values() if c["served_first_somewhere"]]
    worst = max((c.wait_s or 0.0 for c in normal), default=0.0)
    vip = [c for c in guarded.customers if c.priority == Priority.VIP]
    result: dict[str, Any] = {
        "max_wait_minutes": limit,
        "normal_max_wait_s": round(worst, 1),
        "longest_service_s": round(longest_service, 1),
        "bound_s": round(bound, 1),
        "holds": all(c["holds"] for c in bounded),
        "by_category": categories,
        "normal_over_limit": sum((c.wait_s or 0) > limit * 60 for c in normal),
        "vip_with_guard": waits(vip),
    }
    if unguarded is not None:
        unguarded_normal = [c for c in unguarded.customers if c.priority == Priority.NORMAL]
        result["vip_without_guard"] = waits([c for c in unguarded.customers if c.priority == Priority.VIP])
        result["normal_max_wait_without_guard_s"] = waits(unguarded_normal)["max_s"]
    return result


# -- text ----------------------------------------------------------------------------------


def _min(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.0f} s"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} %"


def _clock(loaded_open: str, seconds: float) -> str:
    h, m = (int(x) for x in loaded_open.split(":"))
    total = h * 60 + m + int(seconds // 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def text(result: dict[str, Any]) -> str:
    r = result
    w = r["wait"]
    hours = r["hours"]
    speed = ""
    if "run_s" in r:
        speed = f"; {r['tickets']} tickets in {r['run_s']:.1f} s ({r['tickets_per_s']:.0f} tickets/s)"
    lines = [
        f"lobbyq simulate: {r['scenario']} ({r['file']}), seed {r['seed']}, {r['date']}",
        f"  open {hours['open']}-{hours['close']}, last customer left "
        f"{_clock(hours['open'], r['last_event_s'])}{speed}",
        "",
        f"tickets {r['tickets']}   served {r['served']}   no-show {r['no_show']}   cancelled {r['cancelled']}"
        f"   abandonment {100 * (r['abandonment'] or 0):.1f} %",
        f"wait    p50 {_min(w['p50_s'])}   p90 {_min(w['p90_s'])}   max {_min(w['max_s'])}"
        f"   utilisation {100 * (r['utilisation'] or 0):.0f} %",
        "  by category: "
        + "   ".join(f"{cat} {v['tickets']} p90 {_min(v['p90_s'])}" for cat, v in r["by_category"].items()),
        "",
        "estimated wait at issue vs real wait (absolute error)",
        f"  {'':8}{'median':>9}{'p90':>9}{'median %':>10}{'p90 %':>8}{'median >5 min':>15}{'tickets':>9}",
    ]
    for name, e in r["estimators"].items():
        lines.append(
            f"  {name:8}{_s(e['p50_s']):>9}{_s(e['p90_s']):>9}{_pct(e['p50_pct']):>10}{_pct(e['p90_pct']):>8}"
            f"{_s(e['over_5min_p50_s']):>15}{e['count']:>9}"
        )
    f = r.get("fairness")
    if f:
        vip = f["vip_with_guard"]
        lines += [
            "",
            f"fairness (policy.max_wait_minutes {f['max_wait_minutes']})",
            f"  bound: {f['max_wait_minutes']} min + longest service {_min(f['longest_service_s'])}"
            f" = {_min(f['bound_s'])}: " + ("holds" if f["holds"] else "EXCEEDED"),
        ]
        for category, c in f["by_category"].items():
            verdict = (
                ("holds" if c["holds"] else "EXCEEDED")
                if c["served_first_somewhere"]
                else "not bounded: no counter serves it first"
            )
            lines.append(f"    {category:10} longest normal wait {_min(c['normal_max_wait_s']):>9}   {verdict}")
        lines += [
            f"  VIP wait with the guard     p50 {_min(vip['p50_s'])}   p90 {_min(vip['p90_s'])}",
        ]
        if "vip_without_guard" in f:
            v = f["vip_without_guard"]
            lines += [
                f"  VIP wait without the guard  p50 {_min(v['p50_s'])}   p90 {_min(v['p90_s'])}"
                f"   (a normal ticket's longest wait then {_min(f['normal_max_wait_without_guard_s'])})",
            ]
    elif "fairness" in r:
        lines += ["", "fairness: policy.max_wait_minutes is not set: no guard to check"]
    return "\n".join(lines)
