"""The read side: snapshots, lists, the day's figures. Reads use the reader pool and a
single consistent snapshot, so a state's ``seq`` matches exactly what it shows."""

from __future__ import annotations

import csv
import io
import json
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy import select

from ..errors import Invalid, NotFound
from ..rules import ordering
from ..rules.business_day import day_of, iso
from ..rules.layout import Layout
from ..rules.stats import day_stats
from ..representations import alert_json, counter_json, device_json, envelope, ticket_json
from ..store import ticket_rows
from ..store.tables import alerts, branches, counters, devices, events, tickets
from .context import Context
from .unit_of_work import expire_if_stale

CALL_TYPES = ("ticket.called", "ticket.recalled")


@asynccontextmanager
async def snapshot(ctx: Context):
    async with ctx.db.reader.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            yield conn


async def _branch(ctx: Context, conn, code: str) -> tuple[Layout, int]:
    row = (await conn.execute(
        select(branches.c.layout, branches.c.layout_version, branches.c.last_seq).where(branches.c.code == code)
    )).first()
    if row is None:
        raise NotFound(f"branch {code!r} not found")
    return ctx.layout(code, row.layout_version, row.layout), row.last_seq


async def layout_of(ctx: Context, code: str) -> Layout:
    layout = await ctx.read_layout(code)
    if layout is None:
        raise NotFound(f"branch {code!r} not found")
    return layout


async def state(ctx: Context, code: str) -> dict:
    now = ctx.clock()
    async with snapshot(ctx) as conn:
        layout, seq = await _branch(ctx, conn, code)
        zone = layout.zone
        today = day_of(now, zone)
        counter_rows = (await conn.execute(select(counters).where(counters.c.branch == code))).all()
        current_ids = [r.current_ticket for r in counter_rows if r.current_ticket]
        rows = (await conn.execute(
            ticket_rows.select_tickets().where(
                tickets.c.branch == code,
                (tickets.c.status == "waiting") & (tickets.c.day == today) | tickets.c.id.in_(current_ids or [""]),
            ).order_by(tickets.c.issue_seq)
        )).all()
        faults = (await conn.execute(
            select(alerts).where(alerts.c.branch == code, alerts.c.status == "open", alerts.c.type == "device.fault")
            .order_by(alerts.c.raised_at)
        )).all()
        calls = (await conn.execute(
            select(events.c.seq, events.c.type, events.c.at, events.c.data)
            .where(events.c.branch == code, events.c.type.in_(CALL_TYPES), events.c.at >= now - 86400)
            .order_by(events.c.seq.desc()).limit(10)
        )).all()
    all_tickets = [ticket_rows.from_row(r) for r in rows]
    waiting = [t for t in all_tickets if t.status == "waiting"]
    by_id = {t.id: t for t in all_tickets}
    counters_out = []
    row_by_number = {r.number: r for r in counter_rows}
    for counter in layout.counters:
        row = row_by_number.get(counter.number)
        if row is None:
            continue
        current = by_id.get(row.current_ticket)
        counters_out.append(counter_json(
            row, zone, name=counter.name, serves=list(counter.serves),
            current=ticket_json(current, zone) if current else None,
            waiting=sum(ordering.is_candidate(t, counter) for t in waiting),
        ))
    recent = []
    for call in calls:
        data = json.loads(call.data)
        recent.append({
            "seq": call.seq, "type": call.type, "number": data.get("number"), "counter": data.get("counter"),
            "category": data.get("category"), "at": iso(call.at, zone),
        })
    return {
        "seq": seq,
        "branch": code,
        "name": layout.name,
        "locale": layout.locale,
        "timezone": layout.timezone,
        "date": today,
        "categories": [
            {"code": c.code, "name": c.name, "prefix": c.prefix, "waiting": sum(t.category == c.code for t in waiting)}
            for c in layout.categories
        ],
        "counters": counters_out,
        "waiting": [_with_ahead(t, waiting, layout, now) for t in waiting],
        "recent_calls": recent,
        # Open device faults are not secret and every screen may need them: the kiosk shows
        # a printer banner from the first snapshot, not only from the next alert event.
        "device_faults": [alert_json(f, zone) for f in faults],
    }


def _with_ahead(ticket, waiting, layout: Layout, now: float) -> dict:
    body = ticket_json(ticket, layout.zone)
    body["ahead"] = ordering.ahead_of(ticket, waiting, layout.policy, now) if ticket.pinned_counter is None else None
    return body


async def ticket(ctx: Context, code: str, ticket_id: str, *, with_track: bool = False) -> dict:
    layout = await layout_of(ctx, code)
    async with ctx.db.reader.connect() as conn:
        row = (await conn.execute(
            select(*ticket_rows.select_tickets().selected_columns, tickets.c.track_token)
            .where(tickets.c.branch == code, tickets.c.id == ticket_id)
        )).first()
    if row is None:
        raise NotFound(f"ticket {ticket_id!r} not found")
    if await expire_if_stale(ctx, code, ticket_rows.from_row(row), layout):
        return await ticket(ctx, code, ticket_id, with_track=with_track)
    return ticket_json(ticket_rows.from_row(row), layout.zone, track_token=row.track_token if with_track else None)


async def tickets_of_day(ctx: Context, code: str, status: str | None, category: str | None, day: str | None = None) -> list[dict]:
    layout = await layout_of(ctx, code)
    query = ticket_rows.select_tickets().where(
        tickets.c.branch == code, tickets.c.day == (day or day_of(ctx.clock(), layout.zone))
    )
    if status:
        query = query.where(tickets.c.status == status)
    if category:
        query = query.where(tickets.c.category == category)
    async with ctx.db.reader.connect() as conn:
        rows = (await conn.execute(query.order_by(tickets.c.issue_seq))).all()
    return [ticket_json(ticket_rows.from_row(r), layout.zone) for r in rows]


async def events_after(ctx: Context, code: str, after: int, limit: int = 1000) -> tuple[list[tuple[int, str]], bool]:
    """Events after a seq as (seq, text sent); and whether some of them are no longer kept,
    in which case the client needs a snapshot instead."""
    async with snapshot(ctx) as conn:
        layout, last_seq = await _branch(ctx, conn, code)
        rows = (await conn.execute(
            select(events).where(events.c.branch == code, events.c.seq > after).order_by(events.c.seq).limit(limit)
        )).all()
    gone = after < last_seq and (not rows or rows[0].seq != after + 1)
    return [(r.seq, envelope(code, r.seq, r.type, r.at, r.data, layout.zone)) for r in rows], gone


async def alert_list(ctx: Context, code: str, status: str | None) -> list[dict]:
    layout = await layout_of(ctx, code)
    query = select(alerts).where(alerts.c.branch == code)
    if status:
        query = query.where(alerts.c.status == status)
    async with ctx.db.reader.connect() as conn:
        rows = (await conn.execute(query.order_by(alerts.c.raised_at.desc()).limit(500))).all()
    return [alert_json(r, layout.zone) for r in rows]


async def device_list(ctx: Context, code: str) -> list[dict]:
    layout = await layout_of(ctx, code)
    async with ctx.db.reader.connect() as conn:
        rows = (await conn.execute(select(devices).where(devices.c.branch == code).order_by(devices.c.id))).all()
    return [device_json(r, layout.zone) for r in rows]


async def _day_tickets(ctx: Context, code: str, day: str | None):
    layout = await layout_of(ctx, code)
    if day is not None:
        try:  # the route's pattern lets 2027-13-45 through: a date that is no date is malformed
            date.fromisoformat(day)
        except ValueError:
            raise Invalid(f"date {day!r} is not a calendar day (YYYY-MM-DD)") from None
    day = day or day_of(ctx.clock(), layout.zone)
    async with ctx.db.reader.connect() as conn:
        rows = (await conn.execute(
            ticket_rows.select_tickets().where(tickets.c.branch == code, tickets.c.day == day).order_by(tickets.c.issue_seq)
        )).all()
    return layout, day, [ticket_rows.from_row(r) for r in rows]


async def stats(ctx: Context, code: str, day: str | None) -> dict:
    layout, day, day_tickets = await _day_tickets(ctx, code, day)
    return {"branch": code, **day_stats(day, day_tickets, layout.zone)}


CSV_FIELDS = [
    "number", "category", "priority", "status", "issued_at", "queued_at", "called_at", "started_at", "finished_at",
    "counter", "teller", "recall_count", "score", "estimated_wait_s", "print_failed",
]


async def stats_csv(ctx: Context, code: str, day: str | None) -> str:
    layout, day, day_tickets = await _day_tickets(ctx, code, day)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *CSV_FIELDS], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for t in day_tickets:
        writer.writerow(ticket_json(t, layout.zone))
    return out.getvalue()
