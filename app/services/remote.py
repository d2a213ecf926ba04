"""Remote tickets: taken from a phone during opening hours for the categories that allow
it, following the queue from home, confirmed at the kiosk or the window, expired when they
are not confirmed in time. Never called before they are confirmed."""

from __future__ import annotations

import hmac
from typing import Any

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..rules import tickets as moves
from ..rules.remote import confirm_code
from ..rules.vocabulary import EventType, Priority, Role, TicketStatus
from ..store import contacts as stored_contacts
from ..store import tickets
from . import contacts
from .auth import Principal
from .context import Context
from .tickets import apply, load, new_ticket, remote_fields, track_url
from .unit_of_work import UnitOfWork


async def take(ctx: Context, branch: str, category: str, phone: str | None) -> dict[str, Any]:
    profile = await ctx.profile(branch)
    async with UnitOfWork(ctx, branch) as uow:
        cat = uow.layout.category(category)
        if cat is None:
            known = ", ".join(c.code for c in uow.layout.categories if c.remote) or "none"
            raise Invalid(f"unknown category {category!r}; this branch takes {known} from a phone")
        if not cat.remote:
            raise Forbidden(f"{cat.name} tickets are taken in the branch, not from a phone")
        if phone and (held := await stored_contacts.remote_ticket_of(uow.tx, branch, phone)):
            raise Conflict(f"this phone already holds ticket {held} here: confirm it in the branch, or cancel it")
        ticket, body, track_token, _ = await new_ticket(uow, profile, cat, Priority.NORMAL, TicketStatus.REMOTE, None)
        if phone:
            await contacts.leave(uow, ticket.id, phone)
        await uow.commit()
    return {
        **body,
        "track_token": track_token,
        "track_url": track_url(ctx, track_token),
        **remote_fields(ticket, track_token, uow.layout),
    }


async def confirm(
    ctx: Context, branch: str, who: Principal, number: str | None, code: str | None, track_token: str | None
) -> dict[str, Any]:
    """By the ticket's number and code (typed), or by its tracking code (the QR scanned)."""
    async with UnitOfWork(ctx, branch) as uow:
        if track_token is not None:
            found = await tickets.find_tracked(uow.tx, track_token)
            if found is None or found[0] != branch:
                raise NotFound("no ticket of this branch has this tracking code")
            ticket_id = found[1]
        else:
            assert number is not None and code is not None
            by_number = await tickets.by_number(uow.tx, branch, uow.today, number.upper())
            if by_number is None or not hmac.compare_digest(confirm_code(by_number[1]), code):
                raise NotFound(f"no remote ticket {number.upper()} with this code today")
            ticket_id = by_number[0].id
        ticket = await load(uow, ticket_id)
        kiosk = who.name if who.role == Role.KIOSK else None
        confirmed = moves.confirm(ticket, kiosk)
        body = await apply(uow, ticket, confirmed, EventType.TICKET_CONFIRMED)
        ahead, _ = await tickets.queue_position(uow.tx, confirmed, uow.layout.policy, uow.now)
        await uow.commit()
    return {**body, "ahead": ahead}


async def expire_unconfirmed(uow: UnitOfWork) -> None:
    """Remote tickets past their time to be confirmed (the sweep's)."""
    minutes = uow.layout.policy.remote_confirm_minutes
    for ticket in await tickets.remote_taken_before(uow.tx, uow.branch, uow.today, uow.now - minutes * 60):
        await apply(uow, ticket, moves.expire(ticket), EventType.TICKET_EXPIRED)
