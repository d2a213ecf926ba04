"""The read side: the hall's snapshot, lists, the day's figures. Each read is one
transaction of the database's readers; the snapshot's is consistent, so its ``seq``
matches exactly what it shows."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..errors import NotFound
from ..rules.bookings import booking_json
from ..rules.business_day import day_of
from ..rules.devices import FAULTY
from ..rules.layout import Layout, to_dict
from ..rules.representations import alert_json, device_json, ticket_json
from ..rules.stats import day_stats
from ..rules.tickets import Ticket
from ..rules.vocabulary import Role
from ..store import alerts, branches, devices, events, hall, tickets
from ..store import bookings as stored_bookings
from ..store.database import ping
from .auth import Principal
from .context import Context
from .tickets import expire_if_stale


async def layout_of(ctx: Context, code: str) -> Layout:
    async with ctx.db.read() as tx:
        branch = await branches.read(tx, code)
    if branch is None:
        raise NotFound(f"branch {code!r} not found")
    return branch.layout


async def layout_json(ctx: Context, code: str) -> dict[str, Any]:
    return to_dict(await layout_of(ctx, code))


async def visible_branches(ctx: Context, who: Principal) -> list[dict[str, str]]:
    async with ctx.db.read() as tx:
        rows = await branches.all_codes_and_names(tx)
    return [{"code": code, "name": name} for code, name in rows if who.role == Role.ADMIN or who.branch == code]


async def state(ctx: Context, code: str) -> dict[str, Any]:
    async with ctx.db.read(consistent=True) as tx:
        found = await hall.read_state(tx, code, ctx.clock())
    if found is None:
        raise NotFound(f"branch {code!r} not found")
    return found


async def ticket(ctx: Context, code: str, ticket_id: str, *, with_track: bool = False) -> dict[str, Any]:
    layout = await layout_of(ctx, code)
    async with ctx.db.read() as tx:
        found = await tickets.get_with_track(tx, code, ticket_id)
    if found is None:
        raise NotFound(f"ticket {ticket_id!r} not found")
    if await expire_if_stale(ctx, code, found[0], layout):
        return await ticket(ctx, code, ticket_id, with_track=with_track)
    async with ctx.db.read() as tx:
        booking = await stored_bookings.of_ticket(tx, code, ticket_id)
    body = ticket_json(found[0], layout.zone, track_token=found[1] if with_track else None)
    # The teller sees what the booked visit is for: the slot, and a withdrawal's amount.
    body["booking"] = booking_json(booking, layout) if booking else None
    return body


async def tickets_of_day(
    ctx: Context, code: str, status: str | None, category: str | None, day: str | None = None
) -> list[dict[str, Any]]:
    layout = await layout_of(ctx, code)
    async with ctx.db.read() as tx:
        found = await tickets.of_day(
            tx, code, day or day_of(ctx.clock(), layout.zone), status=status, category=category
        )
    return [ticket_json(t, layout.zone) for t in found]


async def events_after(ctx: Context, code: str, after: int, limit: int = 1000) -> tuple[list[tuple[int, str]], bool]:
    """Events after a seq as (seq, text sent), and whether some are no longer kept."""
    async with ctx.db.read(consistent=True) as tx:
        found = await events.replay(tx, code, after, limit)
    if found is None:
        raise NotFound(f"branch {code!r} not found")
    return found


async def alert_list(ctx: Context, code: str, status: str | None) -> list[dict[str, Any]]:
    layout = await layout_of(ctx, code)
    async with ctx.db.read() as tx:
        found = await alerts.listed(tx, code, status)
    return [alert_json(a, layout.zone) for a in found]


async def device_list(ctx: Context, code: str) -> list[dict[str, Any]]:
    layout = await layout_of(ctx, code)
    async with ctx.db.read() as tx:
        found = await devices.of_branch(tx, code)
    return [device_json(d, layout.zone) for d in found]


async def _day_tickets(ctx: Context, code: str, day: str | None) -> tuple[Layout, str, list[Ticket]]:
    layout = await layout_of(ctx, code)
    day = day or day_of(ctx.clock(), layout.zone)
    async with ctx.db.read() as tx:
        found = await tickets.of_day(tx, code, day)
    return layout, day, found


async def stats(ctx: Context, code: str, day: str | None) -> dict[str, Any]:
    layout, day, day_tickets = await _day_tickets(ctx, code, day)
    return {"branch": code, **day_stats(day, day_tickets, layout.zone)}


CSV_FIELDS = [
    "number",
    "category",
    "priority",
    "status",
    "issued_at",
    "queued_at",
    "called_at",
    "started_at",
    "finished_at",
    "counter",
    "teller",
    "recall_count",
    "score",
    "estimated_wait_s",
    "print_failed",
]


# The UTF-8 byte-order mark: without it Excel reads a CSV in the PC's code page (GBK on a
# Chinese Windows) and shows 王芳 as mojibake; with it, every Excel reads UTF-8.
BOM = "\ufeff"


async def stats_csv(ctx: Context, code: str, day: str | None) -> tuple[str, str]:
    """The day's tickets as the text of a CSV file Excel opens as it is, and the day."""
    layout, day, day_tickets = await _day_tickets(ctx, code, day)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=["id", *CSV_FIELDS], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for t in day_tickets:
        writer.writerow(ticket_json(t, layout.zone))
    return day, out.getvalue()


async def waiting_by_category(ctx: Context) -> dict[str, dict[str, int]]:
    """Today's waiting tickets per branch and category (every category, zero included)."""
    out: dict[str, dict[str, int]] = {}
    async with ctx.db.read() as tx:
        for code, _ in await branches.all_codes_and_names(tx):
            branch = await branches.read(tx, code)
            if branch is None:
                continue
            counts = await tickets.waiting_by_category(tx, code, day_of(ctx.clock(), branch.layout.zone))
            out[code] = {c.code: counts.get(c.code, 0) for c in branch.layout.categories}
    return out


async def faulty_devices(ctx: Context) -> dict[str, int]:
    """Devices reporting a fault or offline, per branch (every branch, zero included)."""
    out: dict[str, int] = {}
    async with ctx.db.read() as tx:
        for code, _ in await branches.all_codes_and_names(tx):
            out[code] = sum(1 for d in await devices.of_branch(tx, code) if d.status in FAULTY)
    return out


async def stream_lag(ctx: Context, read_up_to: dict[str, int]) -> float:
    """Seconds the oldest event not yet read by a stream has been written, over the
    branches given with the last seq their stream read; 0 when every stream is caught up."""
    now = ctx.clock()
    lag = 0.0
    async with ctx.db.read() as tx:
        for code, seq in read_up_to.items():
            at = await events.at_of(tx, code, seq + 1)
            if at is not None:
                lag = max(lag, now - at)
    return lag


async def database_answers(ctx: Context) -> bool:
    return await ping(ctx.db)
