"""Remote tickets: taken from the phone during opening hours, confirmed at the kiosk or at
the window, expired when not confirmed in time (issue #13, docs/domain.md)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from ..errors import Conflict, Invalid, NotFound, TooMany
from ..rules.bookings import NEAR_TURN
from ..rules.business_day import iso
from ..rules.layout import Layout
from ..rules.remote import RemoteTicket, as_waiting, status_at
from ..rules.vocabulary import NoticeKind, Priority, RemoteStatus, Role, TicketStatus
from ..store import remote as stored
from ..store import tickets as stored_tickets
from . import notifications, queries, tickets
from .auth import Principal
from .bookings import code_hash
from .context import Context
from .unit_of_work import UnitOfWork


def _keyed(salt: str, kind: str, value: str) -> str:
    """A phone number or an address as a salted hash: enough to count, nothing to read."""
    return hashlib.sha256(f"{salt}:{kind}:{value.strip()}".encode()).hexdigest()


def remote_json(remote: RemoteTicket, layout: Layout, now: float, ahead: int | None) -> dict[str, Any]:
    cat = layout.category(remote.category)
    status = status_at(remote, now, layout.policy.remote_confirm_minutes)
    return {
        "id": remote.id,
        "branch": remote.branch,
        "branch_name": layout.name,
        "locale": layout.locale,
        "category": remote.category,
        "category_name": cat.name if cat else remote.category,
        "status": status,
        "requested_at": iso(remote.requested_at, layout.zone),
        "confirm_by": iso(remote.requested_at + layout.policy.remote_confirm_minutes * 60, layout.zone),
        "ahead": ahead if status == RemoteStatus.WAITING else None,
        "ticket_id": remote.ticket_id,
        "confirmed_at": iso(remote.confirmed_at, layout.zone),
    }


def _until_tomorrow(now: float, layout: Layout) -> int:
    today = datetime.fromtimestamp(now, layout.zone).date()
    return max(1, int(datetime.combine(today + timedelta(days=1), time(0), layout.zone).timestamp() - now))


async def take(ctx: Context, branch: str, category: str, phone: str | None, address: str) -> dict[str, Any]:
    """A place in the category's queue from now, while the branch is open; answers the code
    (shown this once) that confirms it at the branch."""
    async with UnitOfWork(ctx, branch) as uow:
        tickets.refuse_when_closed(uow.layout, uow.now)
        cat = uow.layout.category(category)
        if cat is None or not cat.remote:
            known = ", ".join(c.code for c in uow.layout.categories if c.remote) or "none"
            raise Invalid(f"category {category!r} takes no remote tickets; here: {known}")
        phone_hash = _keyed(uow.vip_salt, "phone", phone) if phone else None
        address_hash = _keyed(uow.vip_salt, "address", address)
        limit = uow.layout.policy.remote_per_day
        if await stored.taken_today(uow.tx, branch, uow.today, phone_hash, address_hash) >= limit:
            raise TooMany(
                f"at most {limit} remote ticket(s) a day per phone number and per address",
                retry_after_s=_until_tomorrow(uow.now, uow.layout),
            )
        code = secrets.token_urlsafe(16)
        remote = RemoteTicket(uuid.uuid4().hex, branch, cat.code, uow.today, uow.now, RemoteStatus.WAITING)
        await stored.add(uow.tx, remote, code_hash(code), phone, phone_hash, address_hash)
        ahead, _ = await stored_tickets.queue_position(uow.tx, as_waiting(remote), uow.layout.policy, uow.now)
        await uow.commit()
    return {**remote_json(remote, uow.layout, uow.now, ahead), "code": code}


async def near_turn(uow: UnitOfWork) -> None:
    """Remote customers with a phone number and ``NEAR_TURN`` or fewer ahead, each told once:
    still to come (time to confirm at the branch) or confirmed and waiting."""
    policy = uow.layout.policy
    for remote, phone in await stored.unnotified(uow.tx, uow.branch, uow.today):
        status = status_at(remote, uow.now, policy.remote_confirm_minutes)
        if status == RemoteStatus.WAITING:
            ticket = as_waiting(remote)
        elif status == RemoteStatus.CONFIRMED and remote.ticket_id:
            found = await stored_tickets.get(uow.tx, uow.branch, remote.ticket_id)
            if found is None or found.status != TicketStatus.WAITING:
                continue
            ticket = found
        else:
            continue
        ahead, _ = await stored_tickets.queue_position(uow.tx, ticket, policy, uow.now)
        if ahead <= NEAR_TURN and await stored.mark_ahead_notified(uow.tx, remote, uow.now):
            data = {**remote_json(remote, uow.layout, uow.now, ahead), "ahead": ahead, "number": ticket.number or None}
            await notifications.send(uow, NoticeKind.THREE_AHEAD, phone, data)


async def _branch_of(ctx: Context, code: str) -> str:
    async with ctx.db.read() as tx:
        branch = await stored.branch_of(tx, code_hash(code))
    if branch is None:
        raise NotFound("no remote ticket has this code")
    return branch


async def show(ctx: Context, code: str) -> dict[str, Any]:
    """Where the remote ticket stands; once confirmed, its ticket's tracking link."""
    branch = await _branch_of(ctx, code)
    layout = await queries.layout_of(ctx, branch)
    now = ctx.clock()
    async with ctx.db.read() as tx:
        remote = await stored.by_code(tx, branch, code_hash(code))
        assert remote is not None
        ahead = None
        if status_at(remote, now, layout.policy.remote_confirm_minutes) == RemoteStatus.WAITING:
            ahead, _ = await stored_tickets.queue_position(tx, as_waiting(remote), layout.policy, now)
        found = await stored_tickets.get_with_track(tx, branch, remote.ticket_id) if remote.ticket_id else None
    body = remote_json(remote, layout, now, ahead)
    body["track_url"] = tickets.track_url(ctx, found[1]) if found else None
    return body


async def confirm(ctx: Context, branch: str, who: Principal, code: str, kiosk: str | None) -> dict[str, Any]:
    """The customer is here: a normal ticket queued from the moment the remote one was
    taken; printed at the kiosk (or the manager's), not at a teller's window."""
    profile = await ctx.profile(branch)
    expired = False
    async with UnitOfWork(ctx, branch) as uow:
        remote = await stored.by_code(uow.tx, branch, code_hash(code), lock=True)
        if remote is None:
            raise NotFound("no remote ticket of this branch has this code")
        status = status_at(remote, uow.now, uow.layout.policy.remote_confirm_minutes)
        if remote.day != uow.today:
            status = RemoteStatus.EXPIRED
        if status == RemoteStatus.EXPIRED and remote.status == RemoteStatus.WAITING:
            await stored.settle(uow.tx, remote, RemoteStatus.EXPIRED, None, None)
            await uow.commit()
            expired = True
        elif status != RemoteStatus.WAITING:
            raise Conflict(f"this remote ticket is {status}")
        else:
            printer = None if who.role == Role.TELLER else tickets.printing_kiosk(uow.layout, who, kiosk)
            if who.role == Role.KIOSK:
                tickets.refuse_when_closed(uow.layout, uow.now)
            cat = uow.layout.category(remote.category)
            if cat is None:
                raise Invalid(f"category {remote.category!r} is no longer in the layout; issue a ticket instead")
            body, track_token = await tickets.issue_in(
                uow, profile, cat, Priority.NORMAL, printer, queued_at=remote.requested_at, remote={"id": remote.id}
            )
            if not await stored.settle(uow.tx, remote, RemoteStatus.CONFIRMED, body["id"], uow.now):
                raise Conflict("this remote ticket changed meanwhile; look at it again")
            await uow.commit()
    if expired:
        minutes = uow.layout.policy.remote_confirm_minutes
        raise Conflict(f"this remote ticket expired: it was not confirmed within {minutes} minutes")
    return {**body, "track_token": track_token, "track_url": tickets.track_url(ctx, track_token)}
