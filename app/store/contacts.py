"""Phone numbers left with tickets, and whether their owner was told the turn is near."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from ..rules.vocabulary import TicketStatus
from .statement import Statement
from .tables import contacts, tickets
from .transaction import Transaction

_OF_BRANCH = contacts.c.branch == bindparam("branch")

_ADD = Statement(insert(contacts))
_UNTOLD = Statement(select(contacts.c.ticket_id, contacts.c.phone).where(_OF_BRANCH, contacts.c.told_at.is_(None)))
_TOLD = Statement(
    update(contacts).where(_OF_BRANCH, contacts.c.ticket_id == bindparam("ticket_id")).values(told_at=bindparam("at"))
)
_REMOTE_OF_PHONE = Statement(
    select(tickets.c.number)
    .select_from(
        contacts.join(tickets, (tickets.c.branch == contacts.c.branch) & (tickets.c.id == contacts.c.ticket_id))
    )
    .where(_OF_BRANCH, contacts.c.phone == bindparam("phone"), tickets.c.status == TicketStatus.REMOTE.value)
    .limit(1)
)
_FORGET = Statement(delete(contacts).where(_OF_BRANCH, contacts.c.created_at < bindparam("before")))


async def add(tx: Transaction, branch: str, ticket_id: str, phone: str, now: float) -> None:
    await tx.execute(_ADD, {"branch": branch, "ticket_id": ticket_id, "phone": phone, "created_at": now})


async def untold(tx: Transaction, branch: str) -> dict[str, str]:
    """Ticket id → phone, of the contacts not yet told their turn is near."""
    return {ticket_id: phone for ticket_id, phone in await tx.fetch(_UNTOLD, {"branch": branch})}


async def told(tx: Transaction, branch: str, ticket_id: str, at: float) -> None:
    await tx.execute(_TOLD, {"branch": branch, "ticket_id": ticket_id, "at": at})


async def remote_ticket_of(tx: Transaction, branch: str, phone: str) -> str | None:
    """The number of the remote ticket this phone holds in the branch and has not confirmed."""
    rows = await tx.fetch(_REMOTE_OF_PHONE, {"branch": branch, "phone": phone})
    return rows[0][0] if rows else None


async def forget_before(tx: Transaction, branch: str, before: float) -> None:
    await tx.execute(_FORGET, {"branch": branch, "before": before})
