"""How many counters per category and hour keep the p90 wait under the scenario's target:
Erlang C's first guess (app/rules/staffing.py), then the simulator's check, adding a counter
where an hour still misses the target (#11 section 6)."""

from __future__ import annotations

import math
from typing import Any

from ..rules.staffing import counters_needed
from .run import Progress, _quiet, run_day
from .scenario import CounterSchedule, Loaded, Pause, minutes_of

ROUNDS = 3  # simulator checks after the first guess; each adds a counter where the target is missed


def hourly_rate(loaded: Loaded, category: str, hour: int) -> float:
    """Mean arrivals per second over one hour of the day (the rate may step inside it)."""
    start, end = hour * 3600.0, min((hour + 1) * 3600.0, loaded.day_s)
    steps = loaded.rates(category) + [(loaded.day_s, 0.0)]
    total = 0.0
    for (a, rate), (b, _) in zip(steps, steps[1:], strict=False):
        total += rate * max(0.0, min(b, end) - max(a, start))
    return total / (end - start) if end > start else 0.0


def erlang_guess(loaded: Loaded) -> dict[str, list[int]]:
    s = loaded.scenario
    hours = math.ceil(loaded.day_s / 3600)
    target = s.target.p90_wait_minutes * 60
    return {
        category: [
            counters_needed(hourly_rate(loaded, category, h), s.service[category].mean_s, target, 0.9)
            for h in range(hours)
        ]
        for category in s.arrivals
    }


def _clock(loaded: Loaded, hour: int) -> str:
    minutes = minutes_of(loaded.scenario.hours.open) + 60 * hour
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedules(loaded: Loaded, table: dict[str, list[int]]) -> list[CounterSchedule]:
    """Counters dedicated to one category each: the k-th opens in the hours that need k or
    more, paused in the hours between, closed after its last hour."""
    out: list[CounterSchedule] = []
    hours = math.ceil(loaded.day_s / 3600)
    for category, needed in table.items():
        for k in range(1, max(needed, default=0) + 1):
            on = [h for h in range(hours) if needed[h] >= k]
            first, last = on[0], on[-1]
            pauses = [Pause(at=_clock(loaded, h), minutes=60) for h in range(first, last + 1) if h not in on]
            close = None if last == hours - 1 else _clock(loaded, last + 1)
            out.append(
                CounterSchedule(
                    number=len(out) + 1, open=_clock(loaded, first), close=close, pauses=pauses, serves=[category]
                )
            )
    return out


def _misses(result: dict[str, Any], target_s: float) -> list[tuple[int, str]]:
    return [
        (h, category)
        for h, row in enumerate(result["by_hour"])
        for category, p90 in row["by_category"].items()
        if p90 is not None and p90 > target_s
    ]


def suggest(loaded: Loaded, seed: int, progress: Progress = _quiet) -> dict[str, Any]:
    from .report import summarize

    target_s = loaded.scenario.target.p90_wait_minutes * 60
    guess = erlang_guess(loaded)
    table = {c: list(v) for c, v in guess.items()}
    checks = []
    for round_ in range(ROUNDS + 1):
        day, _ = run_day(loaded.with_counters(schedules(loaded, table)), seed, f"staffing check {round_ + 1}", progress)
        result = summarize(day)
        misses = _misses(result, target_s)
        checks.append({"round": round_ + 1, "p90_by_hour": result["by_hour"], "misses": len(misses)})
        if not misses or round_ == ROUNDS:
            break
        for h, category in misses:
            if h < len(table[category]):
                table[category][h] += 1
    return {
        "target_p90_wait_s": target_s,
        "hours": [_clock(loaded, h) for h in range(len(next(iter(table.values()))))],
        "erlang_c": guess,
        "suggested": table,
        "checks": checks,
        "met": checks[-1]["misses"] == 0,
        "overall_p90_s": result["wait"]["p90_s"],
    }


def text(s: dict[str, Any]) -> str:
    hours = s["hours"]
    width = max(10, *(len(c) + 5 for c in s["suggested"]))
    lines = [
        f"staffing for a p90 wait under {s['target_p90_wait_s'] / 60:g} min "
        "(counters per category and hour, each counter dedicated to one category)",
        f"  {'hour':{width}}" + "".join(f"{h:>7}" for h in hours),
    ]
    for category, guess in s["erlang_c"].items():
        lines.append(f"  {category + ' C':{width}}" + "".join(f"{n:>7}" for n in guess))
        lines.append(f"  {category + ' sim':{width}}" + "".join(f"{n:>7}" for n in s["suggested"][category]))
    totals = [sum(column) for column in zip(*s["suggested"].values(), strict=True)]
    lines.append(f"  {'counters':{width}}" + "".join(f"{n:>7}" for n in totals))
    last = s["checks"][-1]
    p90 = {row["hour"]: row["p90_wait_s"] for row in last["p90_by_hour"]}
    lines.append(
        f"  {'p90 wait':{width}}" + "".join(f"{'-' if p90.get(h) is None else f'{p90[h] / 60:.1f}m':>7}" for h in hours)
    )
    verdict = "met in every hour" if s["met"] else f"still missed in {last['misses']} category-hours"
    lines.append(
        f"  (C: Erlang C's first guess; sim: after {len(s['checks'])} simulated check(s), target {verdict}; "
        f"the day's p90 wait {s['overall_p90_s'] / 60 if s['overall_p90_s'] is not None else 0:.1f} min)"
    )
    return "\n".join(lines)
