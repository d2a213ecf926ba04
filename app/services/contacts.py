"""Telling a customer who left a phone number that their turn is near ("3 ahead of you"):
checked in the unit of work of each call, the one move that brings turns nearer for many."""

from __future__ import annotations

from ..rules.notifications import TURN_NEAR_AHEAD, NoticeKind
from ..rules.tickets import Ticket
from ..rules.vocabulary import TicketStatus
from ..store import contacts, tickets
from . import notifications
from .unit_of_work import UnitOfWork


async def leave(uow: UnitOfWork, ticket_id: str, phone: str) -> None:
    await contacts.add(uow.tx, uow.branch, ticket_id, phone, uow.now)


async def tell_those_near(uow: UnitOfWork) -> None:
    untold = await contacts.untold(uow.tx, uow.branch)
    if not untold:
        return
    ids = list(untold)
    found: dict[str, Ticket] = {}
    for start in range(0, len(ids), tickets.BY_IDS_MAX):
        found.update(await tickets.by_ids(uow.tx, uow.branch, ids[start : start + tickets.BY_IDS_MAX]))
    for ticket_id, phone in untold.items():
        ticket = found.get(ticket_id)
        if ticket is None or ticket.status not in (TicketStatus.WAITING, TicketStatus.REMOTE):
            await contacts.told(uow.tx, uow.branch, ticket_id, uow.now)  # called or gone: nothing left to tell
            continue
        if ticket.pinned_counter is not None:
            continue  # sent to a window by a teller: the customer is in the hall, its queue says nothing
        ahead, _ = await tickets.queue_position(uow.tx, ticket, uow.layout.policy, uow.now)
        if ahead <= TURN_NEAR_AHEAD:
            await notifications.send(uow, NoticeKind.TURN_NEAR, phone, {"number": ticket.number, "ahead": ahead})
            await contacts.told(uow.tx, uow.branch, ticket_id, uow.now)
