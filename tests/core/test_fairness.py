"""The fairness guard (#11 section 3) as a property of the pure ordering rules
(``ordering.next_for``), in a small event loop of one category and c counters.

Claims, over random VIP-heavy arrivals with service times at most S and limit L
(``policy.max_wait_minutes``):

1. Once a normal ticket N is older than L (``now - N.queued_at > L``), no VIP issued after N
   is called before N.
2. Feasibility: if, at the moment N reaches the limit (t0 = N.queued_at + L), fewer tickets
   issued before N are still waiting than there are counters, N is called by t0 + S, i.e. waits
   at most L + one service time. Why: after t0 nothing issued later ranks before N; every counter
   is busy at t0 (N waits and counters never idle while someone waits), so each finishes within
   S and makes a call in (t0, t0 + S]; c calls take the fewer than c tickets ahead of N and N.
   (Without green tickets, pinned tickets, pauses or no-shows: those are outside the claim.)
"""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.layout import Counter, Policy
from app.rules.ordering import next_for
from app.rules.tickets import Ticket
from app.rules.vocabulary import Priority, TicketStatus

LIMIT_MIN = 5
S_MAX = 240


def _ticket(i: int, at: float, vip: bool) -> Ticket:
    return Ticket(
        id=f"t{i}",
        branch="b",
        day="2025-03-10",
        number=f"A{i:03d}",
        category="personal",
        priority=Priority.VIP if vip else Priority.NORMAL,
        status=TicketStatus.WAITING,
        issued_at=at,
        queued_at=at,
        issue_seq=i,
    )


def run(arrivals: list[tuple[int, bool, int]], counters: int, limit: int | None = LIMIT_MIN):
    """Each counter calls whenever it is free and someone waits; returns, per ticket, the
    call time, and the waiting list seen at each call."""
    policy = Policy(max_wait_minutes=limit)
    desks = [Counter(n, str(n), ("personal",)) for n in range(1, counters + 1)]
    t, tickets = 0.0, []
    for i, (gap, vip, _service) in enumerate(arrivals):
        t += gap
        tickets.append(_ticket(i, t, vip))
    service = {f"t{i}": s for i, (_, _, s) in enumerate(arrivals)}
    free_at = {d.number: 0.0 for d in desks}
    waiting: list[Ticket] = []
    called: dict[str, float] = {}
    calls: list[tuple[float, Ticket, list[Ticket]]] = []
    pending = list(tickets)
    events = [(tk.issued_at, 1, tk.id) for tk in tickets]
    heapq.heapify(events)
    while events:
        now, _, _ = heapq.heappop(events)
        while pending and pending[0].issued_at <= now:
            waiting.append(pending.pop(0))
        for desk in desks:
            if free_at[desk.number] <= now and waiting:
                chosen = next_for(desk, waiting, policy, now)
                assert chosen is not None
                calls.append((now, chosen, list(waiting)))
                waiting.remove(chosen)
                called[chosen.id] = now
                free_at[desk.number] = now + service[chosen.id]
                heapq.heappush(events, (free_at[desk.number], 0, desk.number))
    return tickets, called, calls


arrivals = st.lists(
    st.tuples(st.integers(0, 120), st.booleans() | st.just(True), st.integers(30, S_MAX)), min_size=1, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(arrivals, st.integers(1, 3))
def test_no_later_vip_passes_a_normal_ticket_past_the_limit(arrivals, counters):
    _, _, calls = run(arrivals, counters)
    for now, chosen, waiting in calls:
        aged = [t for t in waiting if t.priority == Priority.NORMAL and now - t.queued_at > LIMIT_MIN * 60]
        for old in aged:
            assert not (chosen.priority == Priority.VIP and chosen.queued_at > old.queued_at), (now, chosen, old)


@settings(max_examples=300, deadline=None)
@given(arrivals, st.integers(1, 3))
def test_a_normal_ticket_waits_at_most_the_limit_plus_one_service_when_feasible(arrivals, counters):
    tickets, called, _ = run(arrivals, counters)
    longest = max(s for _, _, s in arrivals)
    for n in tickets:
        if n.priority != Priority.NORMAL:
            continue
        t0 = n.queued_at + LIMIT_MIN * 60
        if called[n.id] <= t0:
            continue
        ahead_at_limit = sum(1 for t in tickets if t.issue_seq < n.issue_seq and called[t.id] > t0)
        if ahead_at_limit < counters:  # feasible: see the module's docstring
            assert called[n.id] - n.queued_at <= LIMIT_MIN * 60 + longest


def test_without_the_guard_a_vip_flood_starves_a_normal_ticket():
    """The claims are not empty: in a flood of VIPs the normal ticket waits past the bound
    without the limit, and within it with the limit."""
    flood = [(0, True, 200), (10, False, 200)] + [(60, True, 200)] * 30
    bound = LIMIT_MIN * 60 + 200
    tickets, called, _ = run(flood, 1)
    assert called["t1"] - tickets[1].queued_at <= bound
    tickets, called, _ = run(flood, 1, limit=None)
    assert called["t1"] - tickets[1].queued_at > 3 * bound
