"""Estimated waiting time: lobbyq's own estimate and two baselines from the literature.

lobbyq plays the lobby forward from what it knows now: which counters are open and
when each is likely free, the order of categories at each counter, tickets pinned to
a counter, the other categories' queues and arrivals competing for shared counters,
VIP and green tickets that will overtake a normal one, and the service times learned
per counter and category. Its error is measured in the day's stats, not assumed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .layout import Counter, Layout
from .ordering import PRIORITY_RANK, effective_rank
from .tickets import Ticket
from .vocabulary import Priority

# Past this many calls the lobby is not played further: the rest is extrapolated at the
# rate the counters were serving the category, so a huge queue costs a bounded time.
MAX_STEPS = 300
# A service running longer than expected is assumed to need at least this share of its
# expected time still (services have long tails; "any second now" is usually wrong).
MIN_REMAINING_SHARE = 0.2


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
    """The branch now: its open counters, who waits, and who is arriving."""

    counters: tuple[CounterOutlook, ...]
    # Unpinned waiting tickets per category.
    waiting: Mapping[str, int] = field(default_factory=dict)
    # Tickets arriving per second per category (all priorities), recently.
    arrivals_per_s: Mapping[str, float] = field(default_factory=dict)


def lobbyq_wait_s(
    lobby: LobbyOutlook,
    category: str,
    ahead: int,
    overtaking_per_s: float = 0.0,
    overtaking_for_s: float = math.inf,
) -> float | None:
    """When a ticket with ``ahead`` tickets before it in ``category`` is called; None when no
    counter in ``lobby`` serves the category."""
    times = call_times_s(lobby, category, ahead + 1, overtaking_per_s, overtaking_for_s)
    return None if times is None else times[ahead]


def call_times_s(
    lobby: LobbyOutlook,
    category: str,
    count: int,
    overtaking_per_s: float = 0.0,
    overtaking_for_s: float = math.inf,
) -> list[float] | None:
    """When each of the first ``count`` tickets of ``category``'s queue is called, playing the
    counters forward; ``overtaking_per_s`` are the tickets that will arrive and rank before
    them (VIP and green for normal tickets) during the next ``overtaking_for_s`` seconds.
    None when no counter in ``lobby`` serves the category."""
    if not any(category in c.serves for c in lobby.counters):
        return None
    taken: dict[str, float] = {}
    pinned = {c.number: c.pinned for c in lobby.counters}
    free = [(c.free_in_s, c.number, c) for c in lobby.counters]
    heapq.heapify(free)
    overtaken = 0
    times: list[float] = []
    t = 0.0

    def available(cat: str, t: float) -> float:
        return lobby.waiting.get(cat, 0) + lobby.arrivals_per_s.get(cat, 0.0) * t - taken.get(cat, 0.0)

    def overtakers(t: float) -> float:
        return overtaking_per_s * min(t, overtaking_for_s) - overtaken

    for _ in range(MAX_STEPS):
        if len(times) >= count or not free:
            break
        t, number, counter = heapq.heappop(free)
        if pinned[number] > 0:
            pinned[number] -= 1
            heapq.heappush(free, (t + counter.mean_service_s(), number, counter))
            continue
        for cat in counter.serves:
            if cat == category:
                ahead_of_queue = overtakers(t)
                if ahead_of_queue >= 1:
                    overtaken += 1
                else:
                    # a share of an overtaking ticket still expected is that share of a service
                    times.append(t + max(0.0, ahead_of_queue) * counter.service_s[cat])
            elif available(cat, t) >= 1:
                taken[cat] = taken.get(cat, 0.0) + 1
            else:
                continue
            heapq.heappush(free, (t + counter.service_s[cat], number, counter))
            break
        else:
            wake = _next_arrival_s(lobby, counter, t, available)
            if wake is not None:
                heapq.heappush(free, (wake, number, counter))
    played = len(times)
    rate = _completions_per_s(lobby, category)
    times.extend(t + (k - played) / rate for k in range(played, count))
    return times


def _next_arrival_s(
    lobby: LobbyOutlook, counter: CounterOutlook, t: float, available: Callable[[str, float], float]
) -> float | None:
    """When an idle counter next finds a whole ticket of one of its categories."""
    times = [
        t + (1 - available(cat, t)) / rate for cat in counter.serves if (rate := lobby.arrivals_per_s.get(cat, 0.0)) > 0
    ]
    return min(times) if times else None


def _completions_per_s(lobby: LobbyOutlook, category: str) -> float:
    """How fast the counters get through the category, sharing their time by their order."""
    return sum(
        1.0 / (c.service_s[category] * (1 + c.serves.index(category))) for c in lobby.counters if category in c.serves
    )


@dataclass(frozen=True)
class BranchFacts:
    """What the store tells the estimate about a branch now (a few seconds old at most)."""

    # Open counters: number → (category, called_at) of the ticket at it, or None when free.
    open_counters: Mapping[int, tuple[str, float] | None]
    waiting: Mapping[str, int]
    pinned: Mapping[int, int]
    # Mean seconds a ticket occupied a counter, from call to leaving it, and how many:
    # per category, and per (counter, category).
    service: Mapping[str, tuple[float, int]]
    service_at: Mapping[tuple[int, str], tuple[float, int]]
    # Tickets issued recently per (category, priority), and over how many seconds.
    issued: Mapping[tuple[str, str], int]
    issued_over_s: float


# A counter's own service times weigh in with this many tickets' worth of the category's mean,
# so one quick ticket at a new counter does not halve its estimate.
PRIOR_TICKETS = 5


def learned_service_s(facts: BranchFacts, counter: int, category: str, default_s: float) -> float:
    mean, n = facts.service.get(category, (default_s, 0))
    prior = (mean * n + default_s * PRIOR_TICKETS) / (n + PRIOR_TICKETS) if n < PRIOR_TICKETS else mean
    here, m = facts.service_at.get((counter, category), (prior, 0))
    return (here * m + prior * PRIOR_TICKETS) / (m + PRIOR_TICKETS)


def lobby_outlook(counters: Iterable[Counter], facts: BranchFacts, now: float, default_s: float) -> LobbyOutlook:
    """The open counters of the layout as the estimate plays them; when none is open, all
    of them, free (the estimate assumes the branch's counters will open)."""
    layout_counters = list(counters)
    open_ones = [c for c in layout_counters if c.number in facts.open_counters]
    playing = []
    for c in open_ones or layout_counters:
        service = {cat: learned_service_s(facts, c.number, cat, default_s) for cat in c.serves}
        at_counter = facts.open_counters.get(c.number)
        free_in = 0.0
        if at_counter is not None:
            cat, called_at = at_counter
            expected = service.get(cat) or learned_service_s(facts, c.number, cat, default_s)
            free_in = max(expected - (now - called_at), MIN_REMAINING_SHARE * expected)
        playing.append(CounterOutlook(c.number, tuple(c.serves), service, free_in, facts.pinned.get(c.number, 0)))
    arrivals: dict[str, float] = {}
    for (cat, _), n in facts.issued.items():
        arrivals[cat] = arrivals.get(cat, 0.0) + n / facts.issued_over_s
    return LobbyOutlook(tuple(playing), dict(facts.waiting), arrivals)


def overtaking_per_s(facts: BranchFacts, category: str, rank: int) -> float:
    """Recent arrivals of the category that will rank before a ticket of ``rank``."""
    before = sum(n for (cat, p), n in facts.issued.items() if cat == category and PRIORITY_RANK[Priority(p)] < rank)
    return before / facts.issued_over_s


def estimate_s(layout: Layout, facts: BranchFacts, ticket: Ticket, ahead: int, now: float) -> int | None:
    """lobbyq's estimate for a waiting, unpinned ticket with ``ahead`` before it."""
    policy = layout.policy
    rank = effective_rank(ticket, policy, now)
    overtaking_for_s = math.inf
    if rank == PRIORITY_RANK[Priority.NORMAL] and policy.max_wait_minutes is not None:
        # once it is older than the fairness limit, later VIPs no longer go first
        overtaking_for_s = max(0.0, ticket.queued_at + policy.max_wait_minutes * 60 - now)
    wait = lobbyq_wait_s(
        lobby_outlook(layout.counters, facts, now, policy.default_service_s),
        ticket.category,
        ahead,
        overtaking_per_s(facts, ticket.category, rank),
        overtaking_for_s,
    )
    return None if wait is None else int(round(wait))


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


def hall_estimates(
    layout: Layout, facts: BranchFacts, waiting: Mapping[str, int], aheads: Mapping[str, tuple[Ticket, int]], now: float
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """One play per category and rank for a whole hall: each waiting ticket's estimate (by
    id, from its ``ahead``) and, per category, a new normal ticket's, ``waiting`` being the
    unpinned tickets already in its queue."""
    lobby = lobby_outlook(layout.counters, facts, now, layout.policy.default_service_s)
    plays: dict[tuple[str, int], list[float] | None] = {}

    def wait(category: str, rank: int, ahead: int, longest: int) -> int | None:
        key = (category, rank)
        if key not in plays:
            plays[key] = call_times_s(lobby, category, longest + 1, overtaking_per_s(facts, category, rank))
        times = plays[key]
        return None if times is None else int(round(times[ahead]))

    normal = PRIORITY_RANK[Priority.NORMAL]
    longest: dict[tuple[str, int], int] = {(c, normal): n for c, n in waiting.items()}
    ranked = {id_: (t.category, effective_rank(t, layout.policy, now), ahead) for id_, (t, ahead) in aheads.items()}
    for category, rank, ahead in ranked.values():
        longest[(category, rank)] = max(longest.get((category, rank), 0), ahead)
    tickets = {id_: wait(c, r, a, longest[(c, r)]) for id_, (c, r, a) in ranked.items()}
    new = {
        c.code: wait(c.code, normal, waiting.get(c.code, 0), longest.get((c.code, normal), 0))
        for c in layout.categories
    }
    return tickets, new
