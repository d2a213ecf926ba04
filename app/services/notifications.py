"""Messages to customers: written in the unit of work that has something to say (so a
rolled-back change says nothing), delivered afterwards by each worker's dispatcher, tried
again with back-off, and never in the way of a queue."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from ..notifiers import DeliveryFailed, Notifier
from ..rules.notifications import LEASE_S, Notice, delivered, not_delivered
from ..rules.vocabulary import NoticeKind
from ..store import notifications
from .context import Context
from .unit_of_work import UnitOfWork

log = logging.getLogger("lobbyq.notify")


async def send(
    uow: UnitOfWork, kind: NoticeKind, recipient: str, data: dict[str, Any], at: float | None = None
) -> None:
    """Say ``kind`` to ``recipient`` once this unit of work commits (or at ``at``, later)."""
    notice = Notice(
        id=uuid.uuid4().hex,
        kind=kind,
        recipient=recipient,
        data={"branch_name": uow.layout.name, **data},
        locale=uow.layout.locale,
        created_at=uow.now,
        next_at=uow.now if at is None else at,
    )
    await notifications.add(uow.tx, uow.branch, notice)


async def deliver_due(ctx: Context, notifier: Notifier, limit: int = 50) -> int:
    """Deliver what is due now; returns how many were tried. Each notice is taken in its own
    short transaction first, so two workers never deliver it at the same time, and a worker
    that dies holding it only delays it by the lease."""
    now = ctx.clock()
    async with ctx.db.read() as tx:
        due = await notifications.due(tx, now, limit)
    tried = 0
    for branch, seen in due:
        writing = await ctx.db.begin()
        try:
            taken = await notifications.take(writing.tx, branch, seen, now + LEASE_S)
            await writing.commit()
        finally:
            await writing.rollback()
        if taken is None:
            continue  # another worker has it
        tried += 1
        try:
            await notifier.deliver(branch, taken)
            outcome = delivered(taken, ctx.clock())
        except DeliveryFailed as failure:
            outcome = not_delivered(taken, ctx.clock(), str(failure), permanent=failure.permanent)
            log.warning("notice %s of %s not delivered (attempt %d): %s", taken.id, branch, taken.attempts, failure)
        writing = await ctx.db.begin()
        try:
            await notifications.settle(writing.tx, branch, outcome)
            await writing.commit()
        finally:
            await writing.rollback()
    return tried


async def run(ctx: Context, notifier: Notifier, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            while await deliver_due(ctx, notifier) > 0 and not stop.is_set():
                pass  # a backlog goes out at once, fifty at a time
        except Exception:  # keep delivering: a bad notice or a database blip must not stop the rest
            log.exception("notification dispatch failed")
        try:
            await asyncio.wait_for(stop.wait(), ctx.settings.notify_interval_s)
        except TimeoutError:
            pass
