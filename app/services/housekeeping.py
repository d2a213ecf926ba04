"""What nobody presses a button for: the day rollover, long-wait alerts, clearing alerts
whose cause is gone (policy.alert_auto_clear), pruning old events, booking reminders,
deleting customers' personal fields ``LOBBYQ_PERSONAL_DATA_DAYS`` after the visit.

Runs every ``LOBBYQ_SWEEP_INTERVAL_S`` in every worker, but one process sweeps at a time
(``store.leadership``): the others find the round taken and skip it. Every step is
idempotent inside a unit of work all the same, so a round that overlaps does no harm.
"""

from __future__ import annotations

import asyncio
import logging

from ..rules.vocabulary import AlertType
from ..store import bookings as stored_bookings
from ..store import branches, events, leadership, tickets
from ..store import notifications as stored_notifications
from ..store import remote as stored_remote
from . import alerts, bookings, remote
from .context import Context
from .unit_of_work import UnitOfWork

log = logging.getLogger("lobbyq.housekeeping")


async def sweep_branch(ctx: Context, code: str) -> None:
    async with UnitOfWork(ctx, code) as uow:  # entering rolls the day over if needed
        await alerts.clear_gone_causes(uow)  # first: a wait cleared may be raised again below
        limit = uow.layout.policy.alert_wait_minutes
        if limit is not None:
            for ticket in await tickets.waiting_since(uow.tx, code, uow.today, uow.now - limit * 60):
                await alerts.raise_alert(
                    uow,
                    AlertType.LONG_WAIT,
                    ticket.id,
                    {
                        "ticket_number": ticket.number,
                        "ticket_id": ticket.id,
                        "category": ticket.category,
                        "waited_s": int(uow.now - ticket.queued_at),
                        "limit_minutes": limit,
                    },
                )
        # In the sweep's own unit of work: on SQLite a second writer would wait for the lock.
        await events.prune(uow.tx, code, ctx.clock() - ctx.settings.events_kept_days * 86400)
        await bookings.send_reminders(uow)
        await bookings.near_turn(uow)
        await remote.near_turn(uow)
        forget_before = uow.now - ctx.settings.personal_data_days * 86400
        await stored_bookings.forget_phones(uow.tx, code, forget_before)
        await stored_remote.forget_keys(uow.tx, code, forget_before)
        await stored_notifications.forget_before(uow.tx, code, forget_before)
        await uow.commit()


# The advisory lock's key of the sweep: any constant no other lock of lobbyq uses.
SWEEP_LOCK_KEY = 0x6C6F6273


async def sweep_all(ctx: Context) -> None:
    async with ctx.db.read() as tx:
        codes = [code for code, _ in await branches.all_codes_and_names(tx)]
    for code in codes:
        await sweep_branch(ctx, code)


async def sweep_if_first(ctx: Context) -> bool:
    """Sweep every branch unless another process is sweeping; whether this one did."""
    async with ctx.db.read() as lead:
        if not await leadership.take(lead, SWEEP_LOCK_KEY):
            return False
        try:
            await sweep_all(ctx)
        finally:
            await leadership.give(lead, SWEEP_LOCK_KEY)
    return True


async def run(ctx: Context, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await sweep_if_first(ctx)
        except Exception:  # keep sweeping: a bad minute must not stop alerts for the day
            log.exception("housekeeping sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), ctx.settings.sweep_interval_s)
        except TimeoutError:
            pass
