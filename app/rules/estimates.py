"""Estimated waiting time, from recent service times and the counters open for a category.

The estimate is deliberately simple and its error is measured in the day's stats
(``estimate_error_s``) rather than assumed: a bank should see how honest it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from .layout import Counter


def service_capacity(category: str, counters: Iterable[Counter], open_numbers: set[int]) -> float:
    """How many counters' worth of service a category gets.

    A counter whose first category is this one gives it its full time; a counter that
    serves it further down its list shares its time with the categories ahead of it.
    If nobody is open yet, the estimate assumes the counters of the layout will open.
    """

    def capacity(numbers: set[int] | None) -> float:
        total = 0.0
        for c in counters:
            if category in c.serves and (numbers is None or c.number in numbers):
                total += 1.0 / (1 + c.serves.index(category))
        return total

    return capacity(open_numbers) or capacity(None) or 1.0


def estimated_wait_s(
    ahead: int,
    category: str,
    counters: Iterable[Counter],
    open_numbers: set[int],
    mean_service_s: Mapping[str, float],
    default_service_s: float,
) -> int:
    mean = mean_service_s.get(category, default_service_s)
    return int(round(ahead * mean / service_capacity(category, list(counters), open_numbers)))


def wait_minutes(estimated_wait_s: int | None) -> int | None:
    """The estimate as a person reads it, in whole minutes, rounded up: the one rule the
    kiosk screen, the printed ticket and the customer's phone all show (docs/domain.md)."""
    if estimated_wait_s is None:
        return None
    return math.ceil(max(0, estimated_wait_s) / 60)


# Baselines from the literature (Ibrahim & Whitt 2009), kept beside lobbyq's own estimate so
# the simulator and the reports can print all three errors side by side (docs/domain.md).


def queue_length_wait_s(ahead: int, capacity: float, mean_service_s: float) -> float:
    """QL: the (ahead + 1)-th completion at the rate the category's counters finish
    services, ``capacity`` counters' worth of service each taking ``mean_service_s``."""
    if capacity <= 0:
        raise ValueError("QL needs a positive service capacity")
    return (ahead + 1) * mean_service_s / capacity


def last_to_enter_service_wait_s(last_called_wait_s: float | None) -> float | None:
    """LES: the wait of the category's ticket most recently called; None before the first call."""
    return None if last_called_wait_s is None else max(0.0, last_called_wait_s)
