"""Issuing tickets and the lobby manager's repairs of the queue."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import Forbidden, Invalid, NotFound
from ..rules import tickets as moves
from ..rules.business_day import iso
from ..rules.estimates import estimated_wait_s
from ..rules.tickets import PRIORITIES, Ticket
from ..representations import ticket_json
from ..store import ticket_rows
from ..store.prepared import Prepared
from ..store.tables import counters, number_seqs, tickets
from . import alerts
from .auth import Principal
from .branches import is_vip
from .context import Context
from .unit_of_work import UnitOfWork, expire_if_stale


def _take_number(dialect):
    return (
        dialect.insert(number_seqs)
        .values(branch=bindparam("branch"), day=bindparam("day"), prefix=bindparam("prefix"), last=1)
        .on_conflict_do_update(index_elements=["branch", "day", "prefix"], set_={"last": number_seqs.c.last + 1})
        .returning(number_seqs.c.last)
    )


_TAKE_NUMBER = {"postgresql": Prepared(_take_number(postgresql)), "sqlite": Prepared(_take_number(sqlite))}


async def _next_number(uow: UnitOfWork, prefix: str) -> str:
    """Take the next number of (branch, day, prefix) in this transaction: no gap, no repeat."""
    stmt = _TAKE_NUMBER[uow.conn.dialect.name]
    last = (await stmt.execute(uow.conn, {"branch": uow.branch, "day": uow.today, "prefix": prefix})).scalar_one()
    return f"{prefix}{last:03d}"


async def issue(ctx: Context, branch: str, who: Principal, category: str, priority: str | None, vip_card: str | None) -> dict:
    profile = await ctx.profile(branch)
    async with UnitOfWork(ctx, branch) as uow:
        cat = uow.layout.category(category)
        if cat is None:
            raise Invalid(f"unknown category {category!r}; this branch has {', '.join(c.code for c in uow.layout.categories)}")
        priority = priority or "normal"
        if priority not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
        manager = who.role in ("manager", "admin")
        if vip_card:
            if not await is_vip(uow, vip_card):
                raise Forbidden("this VIP card is not in the branch's VIP registry; a normal ticket can be issued instead")
            priority = "vip" if priority == "normal" else priority
        if priority != "normal" and not manager and not (priority == "vip" and vip_card):
            raise Forbidden(f"a {priority} ticket needs the lobby manager" + (" or a VIP card" if priority == "vip" else ""))

        number = await _next_number(uow, cat.prefix)
        seq = await uow.reserve()
        ticket = Ticket(
            id=uuid.uuid4().hex, branch=branch, day=uow.today, number=number, category=cat.code, priority=priority,
            status="waiting", issued_at=uow.now, queued_at=uow.now, issue_seq=seq,
            kiosk=who.name if who.role == "kiosk" else None,
        )
        ahead, waiting = await ticket_rows.queue_position(uow.conn, ticket, uow.layout.policy, uow.now)
        estimate = estimated_wait_s(
            ahead, cat.code, uow.layout.counters, profile.open_numbers, profile.mean_service_s,
            uow.layout.policy.default_service_s,
        )
        ticket = replace(ticket, estimated_wait_s=estimate)
        track_token = secrets.token_urlsafe(24)
        await ticket_rows.add(uow.conn, ticket, track_token)
        body = ticket_json(ticket, uow.zone)
        body.update(ahead=ahead)
        uow.record(seq, "ticket.issued", body)
        limit = uow.layout.policy.alert_queue_length
        if limit is not None and waiting + 1 > limit:
            await alerts.raise_alert(uow, "queue.too_long", cat.code, {
                "category": cat.code, "waiting": waiting + 1, "limit": limit,
                "message": f"{waiting + 1} customers wait for {cat.name}: open another window",
            })
        await uow.commit()
    return {**body, "track_token": track_token, "track_url": track_url(ctx, track_token)}


def track_url(ctx: Context, token: str, base: str | None = None) -> str:
    root = (ctx.settings.public_url or base or "").rstrip("/")
    return f"{root}/t/{token}"


async def load(uow: UnitOfWork, ticket_id: str) -> Ticket:
    ticket = await ticket_rows.get(uow.conn, uow.branch, ticket_id, lock=True)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id!r} not found")
    return ticket


async def apply(uow: UnitOfWork, before: Ticket, after: Ticket, event: str, **extra) -> dict:
    """Save a move and record its event; the event data is the ticket itself."""
    await ticket_rows.save(uow.conn, before, after)
    body = ticket_json(after, uow.zone)
    body.update(extra)
    await uow.emit(event, body)
    return body


async def _manager_move(ctx: Context, branch: str, ticket_id: str, move, event: str, **extra) -> dict:
    async with UnitOfWork(ctx, branch) as uow:
        await _lock_its_counter(uow, ticket_id)
        before = await load(uow, ticket_id)
        after = move(uow, before)
        if before.counter is not None and after.status == "waiting" and before.status in moves.ACTIVE:
            await _free_counter(uow, before)
        body = await apply(uow, before, after, event, **{k: v(before) for k, v in extra.items()})
        await uow.commit()
    return body


async def _lock_its_counter(uow: UnitOfWork, ticket_id: str) -> None:
    """Lock order is counter, then ticket, then branch, as at the counter itself, so a
    manager's repair and a teller's press on the same ticket never deadlock (PostgreSQL)."""
    if uow.conn.dialect.name != "postgresql":
        return
    peek = await ticket_rows.get(uow.conn, uow.branch, ticket_id)
    if peek is not None and peek.counter is not None and peek.status in moves.ACTIVE:
        await uow.conn.execute(
            select(counters.c.number).where(counters.c.branch == uow.branch, counters.c.number == peek.counter)
            .with_for_update()
        )


async def _free_counter(uow: UnitOfWork, ticket: Ticket) -> None:
    await uow.conn.execute(
        update(counters).where(
            counters.c.branch == uow.branch, counters.c.number == ticket.counter, counters.c.current_ticket == ticket.id
        ).values(current_ticket=None, updated_at=uow.now)
    )


async def reassign(ctx: Context, branch: str, ticket_id: str, category: str) -> dict:
    def move(uow: UnitOfWork, ticket: Ticket) -> Ticket:
        if uow.layout.category(category) is None:
            raise Invalid(f"unknown category {category!r}")
        return moves.reassign(ticket, category)

    return await _manager_move(ctx, branch, ticket_id, move, "ticket.reassigned", from_category=lambda t: t.category)


async def change_priority(ctx: Context, branch: str, ticket_id: str, priority: str) -> dict:
    if priority not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
    return await _manager_move(
        ctx, branch, ticket_id, lambda uow, t: moves.change_priority(t, priority), "ticket.priority_changed",
        from_priority=lambda t: t.priority,
    )


async def requeue(ctx: Context, branch: str, ticket_id: str, keep_place: bool) -> dict:
    return await _manager_move(ctx, branch, ticket_id, lambda uow, t: moves.requeue(t, uow.now, keep_place), "ticket.requeued")


async def cancel(ctx: Context, branch: str, ticket_id: str) -> dict:
    return await _manager_move(ctx, branch, ticket_id, lambda uow, t: moves.cancel(t, uow.now), "ticket.cancelled")


async def cancel_by_customer(ctx: Context, track_token: str) -> dict:
    branch, ticket_id = await _find_tracked(ctx, track_token)
    await cancel(ctx, branch, ticket_id)
    return await track(ctx, track_token)


async def mark_printed(ctx: Context, branch: str, ticket_id: str, ok: bool, device: str | None, detail: str | None) -> dict:
    async with UnitOfWork(ctx, branch) as uow:
        before = await load(uow, ticket_id)
        after = replace(before, print_failed=not ok)
        if before.print_failed == after.print_failed and ok:
            return ticket_json(before, uow.zone)
        body = await apply(uow, before, after, "ticket.printed" if ok else "ticket.print_failed", device=device, detail=detail)
        await uow.commit()
    return body


async def reprint(ctx: Context, branch: str, ticket_id: str) -> dict:
    async with UnitOfWork(ctx, branch) as uow:
        ticket = await load(uow, ticket_id)
        body = ticket_json(ticket, uow.zone)
        await uow.emit("ticket.reprint", body)
        await uow.commit()
    return body


async def _find_tracked(ctx: Context, track_token: str) -> tuple[str, str]:
    async with ctx.db.reader.connect() as conn:
        row = (await conn.execute(
            select(tickets.c.branch, tickets.c.id).where(tickets.c.track_token == track_token)
        )).first()
    if row is None:
        raise NotFound("no ticket has this tracking code")
    return row.branch, row.id


async def track(ctx: Context, track_token: str) -> dict:
    """What a customer may see of their own ticket: no personal data, no other ticket."""
    branch, ticket_id = await _find_tracked(ctx, track_token)
    layout = await ctx.read_layout(branch)
    profile = await ctx.profile(branch)
    now = ctx.clock()
    async with ctx.db.reader.connect() as conn:
        ticket = await ticket_rows.get(conn, branch, ticket_id)
    if await expire_if_stale(ctx, branch, ticket, layout):
        return await track(ctx, track_token)
    async with ctx.db.reader.connect() as conn:
        ahead = estimate = None
        if ticket.status == "waiting":
            ahead, _ = await ticket_rows.queue_position(conn, ticket, layout.policy, now)
            estimate = estimated_wait_s(
                ahead, ticket.category, layout.counters, profile.open_numbers, profile.mean_service_s,
                layout.policy.default_service_s,
            )
    cat = layout.category(ticket.category)
    counter = layout.counter(ticket.counter) if ticket.counter else None
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
        "counter": ticket.counter,
        "counter_name": counter.name if counter else None,
        "issued_at": iso(ticket.issued_at, layout.zone),
        "called_at": iso(ticket.called_at, layout.zone),
    }
