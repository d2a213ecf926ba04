"""The tickets a report reads: a branch's business days from one to another, by the
``(branch, day)`` index."""

from __future__ import annotations

from sqlalchemy import bindparam

from ..rules.tickets import Ticket
from .statement import Statement
from .tables import tickets
from .tickets import SELECT_TICKETS, from_row
from .transaction import Transaction

DAYS = Statement(
    SELECT_TICKETS.where(
        tickets.c.branch == bindparam("branch"),
        tickets.c.day >= bindparam("first"),
        tickets.c.day <= bindparam("last"),
    ).order_by(tickets.c.day, tickets.c.issue_seq)
)


async def tickets_of_days(tx: Transaction, branch: str, first: str, last: str) -> list[Ticket]:
    """The tickets of the business days ``first`` to ``last`` (YYYY-MM-DD, both included)."""
    return [from_row(r) for r in await tx.fetch(DAYS, {"branch": branch, "first": first, "last": last})]
