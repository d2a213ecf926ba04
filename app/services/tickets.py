"""Issuing tickets, the lobby manager's repairs of the queue, and a customer's own view."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import BranchClosed, Forbidden, Invalid, NotFound
from ..rules import hours
from ..rules import tickets as moves
from ..rules.alerts import closable_counters
from ..rules.business_day import day_of, iso
from ..rules.estimates import wait_minutes
from ..rules.layout import Category, Layout
from ..rules.lobby_outlook import estimate_s
from ..rules.representations import ticket_json
from ..rules.tickets import Ticket
from ..rules.vocabulary import ACTIVE, AlertType, CounterState, EventType, Priority, Role, TicketStatus
from ..store import alerts as stored_alerts
from ..store import branches as stored_branches
from ..store import counters, events, tickets
from . import alerts
from .auth import Principal
from .branches import is_vip
from .context import Context, Profile
from .unit_of_work import UnitOfWork


async def issue(
    ctx: Context,
    branch: str,
    who: Principal,
    category: str,
    priority: Priority | None,
    vip_card: str | None,
    kiosk: str | None = None,
) -> dict[str, Any]:
    profile = await ctx.profile(branch)
    async with UnitOfWork(ctx, branch) as uow:
        cat = uow.layout.category(category)
        if cat is None:
            known = ", ".join(c.code for c in uow.layout.categories)
            raise Invalid(f"unknown category {category!r}; this branch has {known}")
        priority = priority or Priority.NORMAL
        if vip_card:
            if not await is_vip(uow, vip_card):
                raise Forbidden(
                    "this VIP card is not in the branch's VIP registry; a normal ticket can be issued instead"
                )
            priority = Priority.VIP if priority == Priority.NORMAL else priority
        manager = who.role in (Role.MANAGER, Role.ADMIN)
        if priority != Priority.NORMAL and not manager and not (priority == Priority.VIP and vip_card):
            raise Forbidden(
                f"a {priority} ticket needs the lobby manager" + (" or a VIP card" if priority == Priority.VIP else "")
            )
        printer = printing_kiosk(uow.layout, who, kiosk)
        if who.role == Role.KIOSK:  # the lobby manager may still serve the last customer in
            refuse_when_closed(uow.layout, uow.now)
        body, track_token = await issue_in(uow, profile, cat, priority, printer)
        await uow.commit()
    return {**body, "track_token": track_token, "track_url": track_url(ctx, track_token)}


async def issue_in(
    uow: UnitOfWork,
    profile: Profile,
    cat: Category,
    priority: Priority,
    printer: str | None,
    queued_at: float | None = None,
    **extra: Any,
) -> tuple[dict[str, Any], str]:
    """A new ticket in an open unit of work, its ``ticket.issued`` event (with ``extra``)
    and its tracking code. ``queued_at``: where it stands in the queue when not now (a
    booking checked in ranks from its slot)."""
    branch = uow.branch
    number = await tickets.take_number(uow.tx, branch, uow.today, cat.prefix)
    ticket = Ticket(
        id=uuid.uuid4().hex,
        branch=branch,
        day=uow.today,
        number=number,
        category=cat.code,
        priority=priority,
        status=TicketStatus.WAITING,
        issued_at=uow.now,
        queued_at=uow.now if queued_at is None else queued_at,
        # its event's seq, stamped at the commit: the branch row is locked only then
        issue_seq=events.UNNUMBERED,
        kiosk=printer,
    )
    ahead, waiting = await tickets.queue_position(uow.tx, ticket, uow.layout.policy, uow.now)
    estimate = estimate_s(uow.layout, profile.facts, ticket, ahead, uow.now)
    ticket = replace(ticket, estimated_wait_s=estimate)
    track_token = secrets.token_urlsafe(24)
    await tickets.add(uow.tx, ticket, track_token)
    body = ticket_json(ticket, uow.zone)
    body["ahead"] = ahead
    body.update(extra)
    uow.record(EventType.TICKET_ISSUED, body, stamps=ticket.id)
    limit = uow.layout.policy.alert_queue_length
    if (
        limit is not None
        and waiting + 1 > limit
        and not await stored_alerts.is_open(uow.tx, branch, AlertType.QUEUE_TOO_LONG, cat.code)
    ):
        await _queue_too_long(uow, cat, waiting + 1, limit)
    return body, track_token


async def _queue_too_long(uow: UnitOfWork, cat: Category, waiting: int, limit: int) -> None:
    """The alert names the windows that could serve the category but are closed or paused,
    so the manager knows which one to open (or that all are open already)."""
    records = await counters.of_branch(uow.tx, uow.branch)
    is_open = {r.number for r in records if r.state == CounterState.OPEN}
    await alerts.raise_alert(
        uow,
        AlertType.QUEUE_TOO_LONG,
        cat.code,
        {
            "category": cat.code,
            "category_name": cat.name,
            "waiting": waiting,
            "limit": limit,
            "counters": closable_counters(cat.code, uow.layout.counters, records),
            "open_counters": [c.number for c in uow.layout.counters if cat.code in c.serves and c.number in is_open],
        },
    )


def refuse_when_closed(layout: Layout, now: float) -> None:
    """Outside opening hours: refused, saying when the branch opens (docs/layout.md)."""
    if not hours.is_open(layout.hours, layout.zone, now):
        raise BranchClosed(hours.closed_message(layout.hours, layout.zone, now, layout.locale))


def printing_kiosk(layout: Layout, who: Principal, asked: str | None) -> str | None:
    """The kiosk whose printer prints a new ticket (the agent prints a ``ticket.issued``
    at the printer of the kiosk it names): a kiosk's own; for the lobby manager, the kiosk
    of the layout the manager chose, else the layout's first (docs/api.md)."""
    if who.role == Role.KIOSK:
        if asked is not None and asked != who.name:
            raise Forbidden("a kiosk prints its own tickets: only the lobby manager chooses the kiosk")
        return who.name
    if asked is None:
        return layout.default_kiosk
    if asked not in layout.kiosks:
        known = ", ".join(layout.kiosks) or "none: list them in the layout's kiosks"
        raise Invalid(f"unknown kiosk {asked!r}; this branch's kiosks are {known}")
    return asked


def track_url(ctx: Context, token: str, base: str | None = None) -> str:
    root = (ctx.settings.public_url or base or "").rstrip("/")
    return f"{root}/t/{token}"


async def load(uow: UnitOfWork, ticket_id: str) -> Ticket:
    """A ticket of the unit of work's branch, locked for its transaction."""
    ticket = await tickets.get(uow.tx, uow.branch, ticket_id, lock=True)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id!r} not found")
    return ticket


async def apply(uow: UnitOfWork, before: Ticket, after: Ticket, event: EventType, **extra: Any) -> dict[str, Any]:
    """Save a move and record its event; the event's data is the ticket itself."""
    await tickets.save(uow.tx, before, after)
    body = ticket_json(after, uow.zone)
    body.update(extra)
    uow.record(event, body)
    return body


Move = Callable[[UnitOfWork, Ticket], Ticket]


async def _manager_move(
    ctx: Context, branch: str, ticket_id: str, move: Move, event: EventType, **extra: Any
) -> dict[str, Any]:
    while True:
        async with UnitOfWork(ctx, branch) as uow:
            # Lock order is counter, then ticket, as at the counter itself, so a manager's
            # repair and a teller's press on the same ticket never deadlock.
            held = _at_counter(await tickets.get(uow.tx, branch, ticket_id))
            if held is not None:
                await counters.lock(uow.tx, branch, held)
            before = await load(uow, ticket_id)
            if _at_counter(before) not in (None, held):
                # Called between the peek and the lock: its counter may not be locked now
                # (a counter waiting for this ticket would deadlock us); start again.
                continue
            after = move(uow, before)
            if before.counter is not None and after.status == TicketStatus.WAITING and before.status in ACTIVE:
                await counters.free(uow.tx, branch, before.counter, before.id, uow.now)
            body = await apply(uow, before, after, event, **{k: v(before) for k, v in extra.items()})
            await uow.commit()
        return body


def _at_counter(ticket: Ticket | None) -> int | None:
    """The counter a ticket is at (called or served there), whose lock comes before its own."""
    return ticket.counter if ticket is not None and ticket.status in ACTIVE else None


async def reassign(ctx: Context, branch: str, ticket_id: str, category: str) -> dict[str, Any]:
    def move(uow: UnitOfWork, ticket: Ticket) -> Ticket:
        if uow.layout.category(category) is None:
            raise Invalid(f"unknown category {category!r}")
        return moves.reassign(ticket, category)

    return await _manager_move(
        ctx, branch, ticket_id, move, EventType.TICKET_REASSIGNED, from_category=lambda t: t.category
    )


async def change_priority(ctx: Context, branch: str, ticket_id: str, priority: Priority) -> dict[str, Any]:
    return await _manager_move(
        ctx,
        branch,
        ticket_id,
        lambda uow, t: moves.change_priority(t, priority),
        EventType.TICKET_PRIORITY_CHANGED,
        from_priority=lambda t: t.priority,
    )


async def requeue(ctx: Context, branch: str, ticket_id: str, keep_place: bool) -> dict[str, Any]:
    return await _manager_move(
        ctx, branch, ticket_id, lambda uow, t: moves.requeue(t, uow.now, keep_place), EventType.TICKET_REQUEUED
    )


async def cancel(ctx: Context, branch: str, ticket_id: str) -> dict[str, Any]:
    return await _manager_move(
        ctx, branch, ticket_id, lambda uow, t: moves.cancel(t, uow.now), EventType.TICKET_CANCELLED
    )


async def mark_printed(
    ctx: Context, branch: str, ticket_id: str, ok: bool, device: str | None, detail: str | None
) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        before = await load(uow, ticket_id)
        if ok and not before.print_failed:
            return ticket_json(before, uow.zone)
        after = replace(before, print_failed=not ok)
        event = EventType.TICKET_PRINTED if ok else EventType.TICKET_PRINT_FAILED
        body = await apply(uow, before, after, event, device=device, detail=detail)
        await uow.commit()
    return body


async def reprint(ctx: Context, branch: str, ticket_id: str) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        body = ticket_json(await load(uow, ticket_id), uow.zone)
        uow.record(EventType.TICKET_REPRINT, body)
        await uow.commit()
    return body


async def expire_if_stale(ctx: Context, branch: str, ticket: Ticket, layout: Layout) -> bool:
    """Reads see the day roll over too: a ticket still waiting from an earlier business
    day is expired (by an empty unit of work, which rolls the day over) before it is shown."""
    if ticket.status != TicketStatus.WAITING or ticket.day >= day_of(ctx.clock(), layout.zone):
        return False
    async with UnitOfWork(ctx, branch) as uow:
        await uow.commit()
    return True


async def _find_tracked(ctx: Context, track_token: str) -> tuple[str, str]:
    async with ctx.db.read() as tx:
        found = await tickets.find_tracked(tx, track_token)
    if found is None:
        raise NotFound("no ticket has this tracking code")
    return found


async def cancel_by_customer(ctx: Context, track_token: str) -> dict[str, Any]:
    branch, ticket_id = await _find_tracked(ctx, track_token)
    await cancel(ctx, branch, ticket_id)
    return await track(ctx, track_token)


async def track(ctx: Context, track_token: str) -> dict[str, Any]:
    """What a customer may see of their own ticket: no personal data, no other ticket."""
    branch, ticket_id = await _find_tracked(ctx, track_token)
    async with ctx.db.read() as tx:
        stored = await stored_branches.read(tx, branch)
        ticket = await tickets.get(tx, branch, ticket_id)
    assert stored is not None and ticket is not None  # tickets and branches are never deleted
    layout = stored.layout
    if await expire_if_stale(ctx, branch, ticket, layout):
        return await track(ctx, track_token)
    ahead = estimate = None
    # A ticket pinned to a counter (转柜) is called there first: the queue of its category
    # says nothing of its turn, so the customer is told the window instead of a count.
    if ticket.status == TicketStatus.WAITING and ticket.pinned_counter is None:
        profile = await ctx.profile(branch)
        now = ctx.clock()
        async with ctx.db.read() as tx:
            ahead, _ = await tickets.queue_position(tx, ticket, layout.policy, now)
        estimate = estimate_s(layout, profile.facts, ticket, ahead, now)
    cat = layout.category(ticket.category)
    counter = layout.counter(ticket.counter) if ticket.counter else None
    pinned = layout.counter(ticket.pinned_counter) if ticket.pinned_counter else None
    return {
        "number": ticket.number,
        "branch": branch,
        "branch_name": layout.name,
        "locale": layout.locale,
        "category": ticket.category,
        "category_name": cat.name if cat else ticket.category,
        "status": ticket.status,
        "ahead": ahead,
        "estimated_wait_s": estimate,
        "wait_minutes": wait_minutes(estimate),
        "counter": ticket.counter,
        "counter_name": counter.name if counter else None,
        "pinned_counter": ticket.pinned_counter,
        "pinned_counter_name": pinned.name if pinned else None,
        "issued_at": iso(ticket.issued_at, layout.zone),
        "called_at": iso(ticket.called_at, layout.zone),
    }
