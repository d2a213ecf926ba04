"""Where a customer's rating goes: the ticket whose evaluation window is open at a counter."""

from __future__ import annotations

from sqlalchemy import bindparam, desc

from ..rules.tickets import Ticket
from ..rules.vocabulary import TicketStatus
from .statement import Statement
from .tables import tickets
from .tickets import SELECT_TICKETS, from_row
from .transaction import Transaction, first

_OPEN_AT = Statement(
    SELECT_TICKETS.where(
        tickets.c.branch == bindparam("branch"),
        tickets.c.counter == bindparam("counter"),
        tickets.c.status == TicketStatus.DONE.value,
        tickets.c.score.is_(None),
        tickets.c.evaluation_until >= bindparam("now"),
    )
    .order_by(desc(tickets.c.finished_at))
    .limit(1)
)


async def open_at(tx: Transaction, branch: str, counter: int, now: float) -> Ticket | None:
    """The last ticket finished at ``counter`` whose evaluation window is still open."""
    row = await first(tx, _OPEN_AT, {"branch": branch, "counter": counter, "now": now})
    return from_row(row) if row else None
