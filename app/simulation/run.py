"""A scenario's simulation as the command runs it: the day, and the same day again without
the fairness guard when the policy has one."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from . import report
from .day import Day, DayRun
from .scenario import Loaded

# (label, length in virtual seconds) → a context giving progress(virtual seconds)
Progress = Callable[[str, float], AbstractContextManager[Callable[[float], None]]]


def _quiet(label: str, length: float) -> AbstractContextManager[Callable[[float], None]]:
    return nullcontext(lambda _t: None)


def run_day(loaded: Loaded, seed: int, label: str = "", progress: Progress = _quiet) -> tuple[DayRun, float]:
    started = time.perf_counter()
    with progress(label, loaded.day_s) as step:
        day = Day(loaded, seed).run(step)
    return day, time.perf_counter() - started


def simulate(
    loaded: Loaded, seed: int | None = None, *, fairness: bool = True, progress: Progress = _quiet
) -> tuple[dict[str, Any], DayRun]:
    seed = loaded.scenario.seed if seed is None else seed
    day, seconds = run_day(loaded, seed, "the day", progress)
    result = report.summarize(day, seconds)
    if fairness:
        unguarded = None
        if loaded.parsed.policy.max_wait_minutes is not None:
            unguarded, _ = run_day(loaded.with_policy(max_wait_minutes=None), seed, "without the guard", progress)
        result["fairness"] = report.fairness(day, unguarded)
    return result, day
