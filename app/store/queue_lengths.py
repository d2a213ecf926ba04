"""Each category's queue length (its unpinned waiting tickets), kept in the transaction
that changes it: counting the queue at every issue cost as much as the queue was long
(bench/README.md). Every write of a ticket goes through ``app/store/tickets.py``, which
tells this module how the queue of each category changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..rules.tickets import Ticket
from ..rules.vocabulary import TicketStatus
from .statement import Statement
from .tables import queue_lengths
from .transaction import Transaction


def queued(ticket: Ticket) -> bool:
    """In its category's queue: waiting and not pinned to a counter."""
    return ticket.status == TicketStatus.WAITING and ticket.pinned_counter is None


def _add(dialect: Any) -> Any:
    stmt = dialect.insert(queue_lengths).values(
        branch=bindparam("branch"), category=bindparam("category"), waiting=bindparam("delta")
    )
    return stmt.on_conflict_do_update(
        index_elements=["branch", "category"], set_={"waiting": queue_lengths.c.waiting + stmt.excluded.waiting}
    )


_ADD = Statement(_add(sqlite), _add(postgresql))

# The queue length of (branch, category), as a subquery of the position's statement.
LENGTH = func.coalesce(
    select(queue_lengths.c.waiting)
    .where(queue_lengths.c.branch == bindparam("branch"), queue_lengths.c.category == bindparam("category"))
    .scalar_subquery(),
    0,
)


async def moved(tx: Transaction, branch: str, before: Iterable[Ticket], after: Iterable[Ticket]) -> None:
    """Tickets ``before`` left their queues and ``after`` joined theirs (either may be
    empty): add the difference to each category's length."""
    deltas: Counter[str] = Counter()
    for t in before:
        if queued(t):
            deltas[t.category] -= 1
    for t in after:
        if queued(t):
            deltas[t.category] += 1
    for category, delta in sorted(deltas.items()):  # one lock order for every transaction
        if delta:
            await tx.execute(_ADD, {"branch": branch, "category": category, "delta": delta})
