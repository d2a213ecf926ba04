"""What nobody presses a button for: the day rollover, long-wait alerts, pruning old events.

Runs every ``LOBBYQ_SWEEP_INTERVAL_S`` in each worker; every step is idempotent inside a
unit of work, so several workers sweeping at once do no harm.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import delete, select

from ..store.tables import branches, events, tickets
from . import alerts
from .context import Context
from .unit_of_work import UnitOfWork

log = logging.getLogger("lobbyq.housekeeping")


async def sweep_branch(ctx: Context, code: str) -> None:
    async with UnitOfWork(ctx, code) as uow:  # entering rolls the day over if needed
        limit = uow.layout.policy.alert_wait_minutes
        if limit is not None:
            rows = (await uow.conn.execute(
                select(tickets.c.id, tickets.c.number, tickets.c.category, tickets.c.queued_at).where(
                    tickets.c.branch == code, tickets.c.status == "waiting", tickets.c.day == uow.today,
                    tickets.c.queued_at < uow.now - limit * 60,
                )
            )).all()
            for row in rows:
                await alerts.raise_alert(uow, "queue.long_wait", row.id, {
                    "ticket_number": row.number, "ticket_id": row.id, "category": row.category,
                    "waited_s": int(uow.now - row.queued_at), "limit_minutes": limit,
                    "message": f"{row.number} has waited over {limit} minutes",
                })
        await _prune_events(uow, ctx.clock() - ctx.settings.events_kept_days * 86400)
        await uow.commit()


async def _prune_events(uow: UnitOfWork, cutoff: float) -> None:
    """Drop the branch's events older than ``cutoff``, in the sweep's own unit of work: on
    SQLite a second writer would make the group commit wait for the file lock.

    The oldest event is one seek on the primary key; only when it is older than the cutoff
    (about once a day) does the delete walk the branch's events."""
    oldest = (await uow.conn.execute(
        select(events.c.at).where(events.c.branch == uow.branch).order_by(events.c.seq).limit(1)
    )).scalar()
    if oldest is not None and oldest < cutoff:
        await uow.conn.execute(delete(events).where(events.c.branch == uow.branch, events.c.at < cutoff))


async def sweep_all(ctx: Context) -> None:
    async with ctx.db.reader.connect() as conn:
        codes = list((await conn.execute(select(branches.c.code))).scalars())
    for code in codes:
        await sweep_branch(ctx, code)


async def run(ctx: Context, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await sweep_all(ctx)
        except Exception:  # keep sweeping: a bad minute must not stop alerts for the day
            log.exception("housekeeping sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), ctx.settings.sweep_interval_s)
        except asyncio.TimeoutError:
            pass
