"""How many counters an hour needs: Erlang C's first guess for a p90 (or any) wait target.

An M/M/s queue ignores priorities, no-shows and counters serving several categories; the
branch-day simulator confirms or corrects what this suggests.
"""

from __future__ import annotations

import math


def probability_of_waiting(counters: int, offered_load: float) -> float:
    """Erlang C: the chance an arrival waits, with ``counters`` serving ``offered_load``
    (arrival rate × mean service time, in counters). 1 when the counters cannot keep up."""
    if counters <= 0 or offered_load >= counters:
        return 1.0
    if offered_load <= 0:
        return 0.0
    blocking = 1.0  # Erlang B by its recursion: stable where the factorials overflow
    for k in range(1, counters + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return counters * blocking / (counters - offered_load * (1 - blocking))


def mean_wait_s(counters: int, arrivals_per_s: float, mean_service_s: float) -> float:
    """E[W] = C(s, a) / (s·μ − λ); infinite when the counters cannot keep up."""
    if mean_service_s <= 0:
        return 0.0  # services of no time (finished as soon as called): nobody waits for them
    load = arrivals_per_s * mean_service_s
    if counters <= load:
        return math.inf
    return probability_of_waiting(counters, load) / (counters / mean_service_s - arrivals_per_s)


def share_waiting_longer(counters: int, arrivals_per_s: float, mean_service_s: float, wait_s: float) -> float:
    """P(W > t) = C(s, a) · e^{−(s·μ − λ)·t}."""
    if mean_service_s <= 0:
        return 0.0
    load = arrivals_per_s * mean_service_s
    if counters <= load:
        return 1.0
    rate = counters / mean_service_s - arrivals_per_s
    return probability_of_waiting(counters, load) * math.exp(-rate * wait_s)


def counters_needed(
    arrivals_per_s: float, mean_service_s: float, wait_s: float, within: float = 0.9, most: int = 200
) -> int:
    """The fewest counters for which at least ``within`` of the customers wait ``wait_s``
    or less (0.9 and 600 s: the p90 wait under ten minutes)."""
    if not 0 < within < 1:
        raise ValueError("within is a share between 0 and 1")
    if arrivals_per_s <= 0:
        return 0
    s = max(1, math.floor(arrivals_per_s * mean_service_s) + 1)
    while s < most and share_waiting_longer(s, arrivals_per_s, mean_service_s, wait_s) > 1 - within:
        s += 1
    return s
