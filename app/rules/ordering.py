"""Who is next at a counter, and how many are ahead of a ticket (docs/domain.md, normative).

The store's claim reads the few tickets that can be next and lets these functions
choose; a test checks the claim and the position agree with them on random queues.
"""

from __future__ import annotations

from collections.abc import Iterable

from .layout import Counter, Policy
from .tickets import Ticket
from .vocabulary import Priority, TicketStatus

PRIORITY_RANK = {Priority.GREEN: 0, Priority.VIP: 1, Priority.NORMAL: 2}


def effective_rank(ticket: Ticket, policy: Policy, now: float) -> int:
    """Fairness: a normal ticket queued longer than ``max_wait_minutes`` ranks as VIP."""
    rank = PRIORITY_RANK[ticket.priority]
    if rank == 2 and policy.max_wait_minutes is not None and ticket.queued_at < now - policy.max_wait_minutes * 60:
        return 1
    return rank


def is_candidate(ticket: Ticket, counter: Counter) -> bool:
    if ticket.status != TicketStatus.WAITING:
        return False
    if ticket.pinned_counter is not None:
        return ticket.pinned_counter == counter.number
    return ticket.category in counter.serves


def call_key(ticket: Ticket, counter: Counter, policy: Policy, now: float) -> tuple[int, int, int, float, int]:
    pinned = ticket.pinned_counter == counter.number
    # A pinned ticket of a category the counter does not serve counts as first: it ranks
    # with the first served category (queue time decides between them), not before it.
    position = counter.serves.index(ticket.category) if ticket.category in counter.serves else 0
    return (0 if pinned else 1, effective_rank(ticket, policy, now), position, ticket.queued_at, ticket.issue_seq)


def next_for(counter: Counter, tickets: Iterable[Ticket], policy: Policy, now: float) -> Ticket | None:
    candidates = [t for t in tickets if is_candidate(t, counter)]
    if not candidates:
        return None
    return min(candidates, key=lambda t: call_key(t, counter, policy, now))


def in_call_order(counter: Counter, tickets: Iterable[Ticket], policy: Policy, now: float) -> list[Ticket]:
    """The counter's candidates, next first: whom to call if those before are taken."""
    return sorted((t for t in tickets if is_candidate(t, counter)), key=lambda t: call_key(t, counter, policy, now))


def queue_key(ticket: Ticket, policy: Policy, now: float) -> tuple[int, float, int]:
    return (effective_rank(ticket, policy, now), ticket.queued_at, ticket.issue_seq)


def ahead_of(ticket: Ticket, tickets: Iterable[Ticket], policy: Policy, now: float) -> int:
    """Unpinned waiting tickets of the same category that rank before this one."""
    mine = queue_key(ticket, policy, now)
    return sum(
        1
        for t in tickets
        if t.id != ticket.id
        and t.status == TicketStatus.WAITING
        and t.pinned_counter is None
        and t.category == ticket.category
        and queue_key(t, policy, now) < mine
    )
