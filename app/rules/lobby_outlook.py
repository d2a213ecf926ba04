"""From what the store knows of a branch now to the lobby lobbyq's estimate plays
(rules.estimates): open counters and when each is free, the lines by category and class,
the service times learned at each counter, the arrivals, and who stays until called."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .estimates import CounterOutlook, LobbyOutlook, Target, call_times_s, lobbyq_wait_s
from .layout import Counter, Layout
from .ordering import PRIORITY_RANK, effective_rank
from .tickets import Ticket
from .vocabulary import Priority, TicketStatus

# A service running longer than expected is assumed to need at least this share of its
# expected time still: services have long tails, and "any second now" is usually wrong
# (about what a lognormal service with a cv of 0.6 has left once it has run its mean).
MIN_REMAINING_SHARE = 0.5
# Learned figures weigh in against their prior as if the prior were this many tickets, so
# one quick ticket at a new counter does not halve its estimate.
PRIOR_TICKETS = 5
NORMAL_RANK = PRIORITY_RANK[Priority.NORMAL]


@dataclass(frozen=True)
class BranchFacts:
    """What the store tells the estimate about a branch now (a few seconds old at most)."""

    # Open counters: number → (category, called_at) of the ticket at it, or None when free.
    open_counters: Mapping[int, tuple[str, float] | None]
    # Unpinned waiting tickets per (category, class as the rules rank it now).
    waiting: Mapping[tuple[str, int], int]
    pinned: Mapping[int, int]
    # Mean seconds a ticket occupied a counter, from call to leaving it, and how many:
    # per category, and per (counter, category).
    service: Mapping[str, tuple[float, int]]
    service_at: Mapping[tuple[int, str], tuple[float, int]]
    # Tickets issued recently per (category, priority), and over how many seconds.
    issued: Mapping[tuple[str, str], int]
    issued_over_s: float
    # Per category, recently: tickets called, and tickets that left the queue uncalled.
    called: Mapping[str, int] = field(default_factory=dict)
    left: Mapping[str, int] = field(default_factory=dict)


def learned_service_s(facts: BranchFacts, counter: int, category: str, default_s: float) -> float:
    mean, n = facts.service.get(category, (default_s, 0))
    prior = (mean * n + default_s * PRIOR_TICKETS) / (n + PRIOR_TICKETS) if n < PRIOR_TICKETS else mean
    here, m = facts.service_at.get((counter, category), (prior, 0))
    return (here * m + prior * PRIOR_TICKETS) / (m + PRIOR_TICKETS)


def staying_share(facts: BranchFacts, category: str) -> float:
    """The share of a category's waiting tickets that will still be there when called:
    called over called and left uncalled, recently, against a prior of all staying."""
    called, left = facts.called.get(category, 0), facts.left.get(category, 0)
    return (called + PRIOR_TICKETS) / (called + left + PRIOR_TICKETS)


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
    waiting = {line: n * staying_share(facts, line[0]) for line, n in facts.waiting.items()}
    arrivals: dict[tuple[str, int], float] = {}
    for (cat, priority), n in facts.issued.items():
        line = (cat, PRIORITY_RANK[Priority(priority)])
        arrivals[line] = arrivals.get(line, 0.0) + n / facts.issued_over_s
    return LobbyOutlook(tuple(playing), waiting, arrivals)


def target_of(layout: Layout, facts: BranchFacts, ticket: Ticket, now: float) -> Target:
    """A waiting ticket's line: its class now, who will overtake it, and when it ages."""
    policy = layout.policy
    rank = effective_rank(ticket, policy, now)
    ages_in_s = math.inf
    if rank == NORMAL_RANK and policy.max_wait_minutes is not None:
        ages_in_s = max(0.0, ticket.queued_at + policy.max_wait_minutes * 60 - now)
    overtaking = sum(
        n for (cat, p), n in facts.issued.items() if cat == ticket.category and PRIORITY_RANK[Priority(p)] < rank
    )
    return Target(ticket.category, rank, overtaking / facts.issued_over_s, ages_in_s)


def estimate_s(layout: Layout, facts: BranchFacts, ticket: Ticket, ahead: int, now: float) -> int | None:
    """lobbyq's estimate for a waiting, unpinned ticket with ``ahead`` before it."""
    lobby = lobby_outlook(layout.counters, facts, now, layout.policy.default_service_s)
    stay = staying_share(facts, ticket.category)
    wait = lobbyq_wait_s(lobby, target_of(layout, facts, ticket, now), ahead * stay)
    return None if wait is None else int(round(wait))


def hall_estimates(
    layout: Layout, facts: BranchFacts, waiting: Mapping[str, int], aheads: Mapping[str, tuple[Ticket, int]], now: float
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """One play per line for a whole hall: each waiting ticket's estimate (by id, from its
    ``ahead``) and, per category, a new normal ticket's, ``waiting`` being the unpinned
    tickets already in its queue. (Each line is played as its oldest ticket would be.)"""
    lobby = lobby_outlook(layout.counters, facts, now, layout.policy.default_service_s)
    lines: dict[tuple[str, int], tuple[Target, int]] = {}

    def place(target: Target, ahead: int) -> None:
        key = (target.category, target.rank)
        longest = lines.get(key, (target, 0))[1]
        lines[key] = (lines.get(key, (target, 0))[0], max(longest, ahead))

    new_tickets = {
        c.code: Ticket(
            id="",
            branch=layout.code,
            day="",
            number="",
            category=c.code,
            priority=Priority.NORMAL,
            status=TicketStatus.WAITING,
            issued_at=now,
            queued_at=now,
            issue_seq=0,
        )
        for c in layout.categories
    }
    for ticket, ahead in aheads.values():
        place(target_of(layout, facts, ticket, now), ahead)
    for code, ticket in new_tickets.items():
        place(target_of(layout, facts, ticket, now), waiting.get(code, 0))
    plays = {
        key: call_times_s(lobby, target, math.ceil(longest * staying_share(facts, key[0])) + 2)
        for key, (target, longest) in lines.items()
    }

    def wait(ticket: Ticket, ahead: int) -> int | None:
        times = plays[(ticket.category, effective_rank(ticket, layout.policy, now))]
        if times is None:
            return None
        at = ahead * staying_share(facts, ticket.category)
        low = math.floor(at)
        return int(round(times[low] + (at - low) * (times[low + 1] - times[low])))

    estimates = {id_: wait(t, ahead) for id_, (t, ahead) in aheads.items()}
    for_new = {code: wait(t, waiting.get(code, 0)) for code, t in new_tickets.items()}
    return estimates, for_new
