"""What the waiting estimate reads of a branch now: open counters and whom they serve,
the queues, service times learned today and the recent arrivals (rules.estimates)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select

from ..rules.estimates import VIP_RANK
from ..rules.layout import Policy
from ..rules.lobby_outlook import BranchFacts
from ..rules.ordering import PRIORITY_RANK
from ..rules.vocabulary import ACTIVE, CounterState, Priority, TicketStatus
from .statement import Statement
from .tables import counters, tickets
from .transaction import Transaction

_OF_TODAY = and_(tickets.c.branch == bindparam("branch"), tickets.c.day == bindparam("day"))

_OPEN_COUNTERS = Statement(
    select(counters.c.number, tickets.c.category, tickets.c.called_at)
    .select_from(
        counters.outerjoin(
            tickets,
            and_(
                tickets.c.branch == counters.c.branch,
                tickets.c.id == counters.c.current_ticket,
                or_(*(tickets.c.status == s.value for s in ACTIVE)),
            ),
        )
    )
    .where(counters.c.branch == bindparam("branch"), counters.c.state == CounterState.OPEN.value)
)
# A normal ticket queued before ``aged_before`` ranks as VIP (the fairness limit).
_AGED = tickets.c.queued_at < bindparam("aged_before")
_WAITING = Statement(
    select(tickets.c.category, tickets.c.priority, _AGED, tickets.c.pinned_counter, func.count())
    .where(_OF_TODAY, tickets.c.status == TicketStatus.WAITING.value)
    .group_by(tickets.c.category, tickets.c.priority, _AGED, tickets.c.pinned_counter)
)
_CALLED = Statement(
    select(tickets.c.category, func.count())
    .where(_OF_TODAY, tickets.c.called_at > bindparam("served_since"))
    .group_by(tickets.c.category)
)
_LEFT = Statement(
    select(tickets.c.category, func.count())
    .where(
        _OF_TODAY,
        tickets.c.status == TicketStatus.CANCELLED.value,
        tickets.c.called_at.is_(None),
        tickets.c.finished_at > bindparam("served_since"),
    )
    .group_by(tickets.c.category)
)
# How long a called ticket kept its counter, from the call to leaving it served or not shown.
_SERVICE = Statement(
    select(tickets.c.counter, tickets.c.category, func.avg(tickets.c.finished_at - tickets.c.called_at), func.count())
    .where(
        _OF_TODAY,
        or_(tickets.c.status == TicketStatus.DONE.value, tickets.c.status == TicketStatus.NO_SHOW.value),
        tickets.c.called_at.is_not(None),
        tickets.c.finished_at > bindparam("served_since"),
    )
    .group_by(tickets.c.counter, tickets.c.category)
)
_ISSUED = Statement(
    select(tickets.c.category, tickets.c.priority, func.count(), func.min(tickets.c.issued_at))
    .where(_OF_TODAY, tickets.c.issued_at > bindparam("issued_since"))
    .group_by(tickets.c.category, tickets.c.priority)
)

# Service times of the last two hours; arrivals of the last half hour (a rush shows soon).
SERVICE_WINDOW_S = 7200.0
ARRIVAL_WINDOW_S = 1800.0
# Arrivals are never averaged over less than this, so the first tickets of the day do not
# look like a flood.
MIN_ARRIVAL_WINDOW_S = 300.0


async def branch_facts(tx: Transaction, branch: str, day: str, now: float, policy: Policy) -> BranchFacts:
    # no fairness limit: nobody queued before the epoch
    aged_before = 0.0 if policy.max_wait_minutes is None else now - policy.max_wait_minutes * 60
    params = {
        "branch": branch,
        "day": day,
        "served_since": now - SERVICE_WINDOW_S,
        "issued_since": now - ARRIVAL_WINDOW_S,
        "aged_before": aged_before,
    }
    open_counters = {
        number: (category, called_at) if category is not None else None
        for number, category, called_at in await tx.fetch(_OPEN_COUNTERS, params)
    }
    waiting: dict[tuple[str, int], int] = {}
    pinned: dict[int, int] = {}
    for category, priority, aged, pinned_counter, n in await tx.fetch(_WAITING, params):
        if pinned_counter is None:
            rank = PRIORITY_RANK[Priority(priority)]
            line = (category, VIP_RANK if aged and rank > VIP_RANK else rank)
            waiting[line] = waiting.get(line, 0) + n
        else:
            pinned[pinned_counter] = pinned.get(pinned_counter, 0) + n
    service_at: dict[tuple[int, str], tuple[float, int]] = {}
    totals: dict[str, tuple[float, int]] = {}
    for counter, category, mean, n in await tx.fetch(_SERVICE, params):
        if counter is None or mean is None or mean <= 0:
            continue
        service_at[(counter, category)] = (float(mean), n)
        total, count = totals.get(category, (0.0, 0))
        totals[category] = (total + float(mean) * n, count + n)
    issued: dict[tuple[str, str], int] = {}
    earliest = now
    for category, priority, n, first_at in await tx.fetch(_ISSUED, params):
        issued[(category, priority)] = n
        earliest = min(earliest, first_at)
    # a branch that opened less than half an hour ago has had its arrivals since then
    over_s = max(MIN_ARRIVAL_WINDOW_S, min(ARRIVAL_WINDOW_S, now - earliest))
    return BranchFacts(
        open_counters=open_counters,
        waiting=waiting,
        pinned=pinned,
        service={c: (total / n, n) for c, (total, n) in totals.items()},
        service_at=service_at,
        issued=issued,
        issued_over_s=over_s,
        called={c: n for c, n in await tx.fetch(_CALLED, params)},
        left={c: n for c, n in await tx.fetch(_LEFT, params)},
    )
