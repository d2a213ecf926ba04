"""A unit of work: one transaction on one branch, the events it records, and the wake-up
after the commit (cosmicpython's pattern; the events table is the outbox)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ..errors import NotFound
from ..rules.business_day import day_of
from ..rules.layout import Layout
from ..rules.representations import ticket_json
from ..rules.tickets import IllegalMove
from ..rules.vocabulary import EventType
from ..store import branches, events, tickets
from ..store.database import Writing
from ..store.transaction import Transaction
from .context import Context


class UnitOfWork:
    """``async with UnitOfWork(ctx, branch) as uow``: ``uow.tx`` for the store, ``record``
    for events, ``commit`` to keep it all; leaving without a commit rolls back."""

    tx: Transaction
    layout: Layout

    def __init__(self, ctx: Context, branch: str):
        self.ctx = ctx
        self.branch = branch
        self.recorded: list[events.Pending] = []
        self._writing: Writing | None = None

    async def __aenter__(self) -> UnitOfWork:
        self._writing = await self.ctx.db.begin()
        self.tx = self._writing.tx
        self.now = self.ctx.clock()
        try:
            branch = await branches.read(self.tx, self.branch)
            if branch is None:
                raise NotFound(f"branch {self.branch!r} not found")
            self.layout = branch.layout
            self.vip_salt = branch.vip_salt
            self.zone = self.layout.zone
            self.today = day_of(self.now, self.zone)
            if branch.current_day != self.today:
                await self._roll_over()
        except BaseException:
            await self._writing.rollback()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, IllegalMove) and hasattr(self, "layout"):
            exc.locale = self.layout.locale  # a refused move is told in the branch's language
        if self._writing is not None:
            await self._writing.rollback()  # a no-op after the commit

    def record(self, type_: EventType, data: dict[str, Any], *, stamps: str | None = None) -> None:
        """An event of this unit of work; its seq is taken at the commit. ``stamps``: a
        ticket added in this unit of work whose ``issue_seq`` is to be this event's seq."""
        self.recorded.append(events.Pending(None, type_, data, stamps))

    async def commit(self) -> None:
        assert self._writing is not None
        last = None
        if self.recorded:
            last = await events.write(self.tx, self.branch, self.recorded, self.now, self.ctx.bus.notify_channel)
        writing, self._writing = self._writing, None
        await writing.commit()
        if last is not None:
            await self.ctx.bus.publish(self.branch, last)

    async def _roll_over(self) -> None:
        """A new business day: tickets still waiting from earlier days expire."""
        for ticket in await tickets.expire_before(self.tx, self.branch, self.today):
            self.record(EventType.TICKET_EXPIRED, ticket_json(ticket, self.zone))
        await branches.set_day(self.tx, self.branch, self.today)
