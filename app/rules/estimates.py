"""Estimated waiting time: lobbyq's own estimate, played forward, and two baselines from
the literature (QL and LES) beside it.

lobbyq plays the lobby forward as the rules will run it (docs/domain.md, "Who is next"):
each counter that comes free calls its pinned tickets, then the best of its candidates by
priority class first and its order of categories second. The lines it plays are the
tickets waiting now, per category and class, plus those arriving at their recent rates;
the ticket's own line is the tickets before it plus those that will overtake it. Its
error is measured in the day's stats and by ``lobbyq simulate``, not assumed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .layout import Counter

# Past this many calls the lobby is not played further: the rest is extrapolated at the
# rate the counters were serving the category, so a huge queue costs a bounded time.
MAX_STEPS = 200
# The classes of the rules' order: green, VIP (and a normal ticket past the fairness
# limit), normal.
RANKS = (0, 1, 2)
VIP_RANK = 1
# A counter takes from another line once a whole ticket is expected in it (lines are played
# as flows: tickets waiting now plus a rate of arrivals).
WHOLE_TICKET = 1.0

# A line of the lobby: a category and a priority class.
Line = tuple[str, int]


@dataclass(frozen=True)
class CounterOutlook:
    """An open counter as the estimate sees it."""

    number: int
    serves: tuple[str, ...]
    # Expected time each category's ticket takes at this counter, from call to leaving it.
    service_s: Mapping[str, float]
    # Until the ticket it serves now is expected to leave (0: free now).
    free_in_s: float = 0.0
    # Tickets transferred to this counter (转柜): it calls them before anyone else.
    pinned: int = 0

    def mean_service_s(self) -> float:
        return sum(self.service_s.get(c, 0.0) for c in self.serves) / max(1, len(self.serves))


@dataclass(frozen=True)
class LobbyOutlook:
    """The branch now: its open counters, who waits in each line, and who is arriving."""

    counters: tuple[CounterOutlook, ...]
    # Unpinned waiting tickets expected to stay until called, per line.
    waiting: Mapping[Line, float] = field(default_factory=dict)
    # Tickets arriving per second per line, recently.
    arrivals_per_s: Mapping[Line, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """The line whose calls are played: a category and the class of its tickets."""

    category: str
    rank: int = 2
    # Arrivals of the category that rank before these tickets (VIP and green before normal).
    overtaking_per_s: float = 0.0
    # When they pass the fairness limit (a normal ticket then ranks as VIP): from then on
    # nobody overtakes them and they go before other categories' normal tickets.
    ages_in_s: float = math.inf


def lobbyq_wait_s(lobby: LobbyOutlook, target: Target, ahead: float) -> float | None:
    """When a ticket with ``ahead`` tickets (expected to stay) before it in its line is
    called; None when no counter in ``lobby`` serves its category."""
    low = math.floor(ahead)
    played = _play(lobby, target, low + 2)
    if played is None:
        return None
    times, end = played
    if len(times) < low + 2:  # past the play: at the rate the counters get through the line
        return end + (ahead - len(times) + 1) / _completions_per_s(lobby, target.category)
    return times[low] + (ahead - low) * (times[low + 1] - times[low])


def call_times_s(lobby: LobbyOutlook, target: Target, count: int) -> list[float] | None:
    """When each of the first ``count`` places of the target's line is called (place k has
    k tickets before it); None when no counter in ``lobby`` serves its category."""
    played = _play(lobby, target, count)
    if played is None:
        return None
    times, end = played
    rate = _completions_per_s(lobby, target.category)
    return times + [end + (k - len(times) + 1) / rate for k in range(len(times), count)]


def _play(lobby: LobbyOutlook, target: Target, count: int) -> tuple[list[float], float] | None:
    """The calls of the target's line played forward, at most ``count`` of them and at most
    ``MAX_STEPS`` calls in all, and the time the play stopped."""
    category = target.category
    if not any(category in c.serves for c in lobby.counters):
        return None
    taken: dict[Line, float] = {}
    pinned = {c.number: c.pinned for c in lobby.counters}
    free = [(c.free_in_s, c.number, c) for c in lobby.counters]
    heapq.heapify(free)
    overtaken = 0
    times: list[float] = []
    t = 0.0

    def available(line: Line, t: float) -> float:
        return lobby.waiting.get(line, 0.0) + lobby.arrivals_per_s.get(line, 0.0) * t - taken.get(line, 0.0)

    def overtakers(t: float) -> float:
        return target.overtaking_per_s * min(t, target.ages_in_s) - overtaken

    def lines_of(counter: CounterOutlook) -> list[tuple[int, list[tuple[int, Line, float, float]] | None]]:
        """The counter's lines in its order of categories (None: the target's), each with
        what waits in it and arrives per second; a line where nobody waits or arrives can
        never hold a whole ticket, so it is left out."""
        found: list[tuple[int, list[tuple[int, Line, float, float]] | None]] = []
        for position, cat in enumerate(counter.serves):
            if cat == category:
                found.append((position, None))
                continue
            ranks = []
            for k in RANKS:
                waiting, arriving = lobby.waiting.get((cat, k), 0.0), lobby.arrivals_per_s.get((cat, k), 0.0)
                if waiting or arriving:
                    ranks.append((k, (cat, k), waiting, arriving))
            if ranks:
                found.append((position, ranks))
        return found

    lines = {c.number: lines_of(c) for c in lobby.counters}

    def best(counter: CounterOutlook, t: float) -> tuple[int, int, Line | None] | None:
        """The counter's next line by the rules' order: class, then its order of categories;
        ``None`` for the target's line."""
        found: tuple[int, int, Line | None] | None = None
        for position, ranks in lines[counter.number]:
            if ranks is None:
                rank = target.rank if t < target.ages_in_s else min(target.rank, VIP_RANK)
                if overtakers(t) >= 1:  # who overtakes the line also goes before others of its class
                    rank = max(0, rank - 1)
                pick: tuple[int, int, Line | None] = (rank, position, None)
            else:
                for k, line, waiting, arriving in ranks:  # available(line, t), as it computes it
                    if waiting + arriving * t - taken.get(line, 0.0) >= WHOLE_TICKET:
                        pick = (k, position, line)
                        break
                else:
                    continue
            if found is None or pick[:2] < found[:2]:
                found = pick
                if found[0] == 0:  # later categories rank after at the same class
                    break
        return found

    for _ in range(MAX_STEPS):
        if len(times) >= count or not free:
            break
        t, number, counter = heapq.heappop(free)
        if pinned[number] > 0:
            pinned[number] -= 1
            heapq.heappush(free, (t + counter.mean_service_s(), number, counter))
            continue
        pick = best(counter, t)
        if pick is None:
            wake = _next_arrival_s(lobby, counter, t, available)
            if wake is not None:
                heapq.heappush(free, (wake, number, counter))
            continue
        line = pick[2]
        if line is None:
            line_category = category
            ahead_of_line = overtakers(t)
            if ahead_of_line >= 1:
                overtaken += 1
            else:
                # a share of an overtaking ticket still expected is that share of a service
                times.append(t + max(0.0, ahead_of_line) * counter.service_s[category])
        else:
            line_category = line[0]
            taken[line] = taken.get(line, 0.0) + 1
        heapq.heappush(free, (t + counter.service_s[line_category], number, counter))
    return times, t


def _next_arrival_s(
    lobby: LobbyOutlook, counter: CounterOutlook, t: float, available: Callable[[Line, float], float]
) -> float | None:
    """When an idle counter next finds a whole ticket in one of its lines."""
    times = [
        t + (WHOLE_TICKET - available(line, t)) / rate
        for cat in counter.serves
        for k in RANKS
        if (rate := lobby.arrivals_per_s.get((line := (cat, k)), 0.0)) > 0
    ]
    return min(times) if times else None


def _completions_per_s(lobby: LobbyOutlook, category: str) -> float:
    """How fast the counters get through the category, sharing their time by their order."""
    return sum(
        1.0 / (c.service_s[category] * (1 + c.serves.index(category))) for c in lobby.counters if category in c.serves
    )


def wait_minutes(estimated_wait_s: int | None) -> int | None:
    """The estimate as a person reads it, in whole minutes, rounded up: the one rule the
    kiosk screen, the printed ticket and the customer's phone all show (docs/domain.md)."""
    if estimated_wait_s is None:
        return None
    return math.ceil(max(0, estimated_wait_s) / 60)


# Baselines from the literature (Ibrahim & Whitt 2009), kept beside lobbyq's own estimate so
# the simulator and the reports can print all three errors side by side (docs/domain.md).


def service_capacity(category: str, counters: Iterable[Counter], open_numbers: set[int]) -> float:
    """How many counters' worth of service a category gets, for the QL baseline.

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


def queue_length_wait_s(ahead: int, capacity: float, mean_service_s: float) -> float:
    """QL: the (ahead + 1)-th completion at the rate the category's counters finish
    services, ``capacity`` counters' worth of service each taking ``mean_service_s``."""
    if capacity <= 0:
        raise ValueError("QL needs a positive service capacity")
    return (ahead + 1) * mean_service_s / capacity


def last_to_enter_service_wait_s(last_called_wait_s: float | None) -> float | None:
    """LES: the wait of the category's ticket most recently called; None before the first call."""
    return None if last_called_wait_s is None else max(0.0, last_called_wait_s)
