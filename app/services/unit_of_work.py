"""A unit of work: one transaction on one branch, the events it makes, and the wake-up
after the commit (cosmicpython's pattern, with the outbox being the events table itself).

Event seqs come from ``branches.last_seq`` inside the same transaction: the row lock
PostgreSQL takes there (and SQLite's single writer) makes seqs gapless and committed in
order, so a reader that sees seq S has already seen every seq before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import NotFound
from ..rules.business_day import day_of
from ..rules.layout import Layout
from ..representations import ticket_json
from ..store import ticket_rows
from ..store.prepared import Prepared
from ..store.tables import branches, events, tickets
from .context import Context


# Built once: statements every unit of work runs (see store/ticket_rows.py for why).
_BRANCH = Prepared(select(branches.c.layout, branches.c.layout_version, branches.c.current_day, branches.c.vip_salt).where(
    branches.c.code == bindparam("code")
))
_NEXT_SEQ = Prepared(
    update(branches).where(branches.c.code == bindparam("b_code"))
    .values(last_seq=branches.c.last_seq + 1).returning(branches.c.last_seq)
)
_EVENT = Prepared(events.insert())


@dataclass
class Recorded:
    seq: int
    type: str
    data: dict


async def expire_if_stale(ctx: Context, branch: str, ticket, layout: Layout) -> bool:
    """Reads see the day roll over too: a ticket still waiting from an earlier business
    day is expired (by an empty unit of work, which rolls the day over) before it is shown."""
    if ticket is None or ticket.status != "waiting" or ticket.day >= day_of(ctx.clock(), layout.zone):
        return False
    async with UnitOfWork(ctx, branch) as uow:
        await uow.commit()
    return True


class UnitOfWork:
    conn: AsyncConnection
    layout: Layout

    def __init__(self, ctx: Context, branch: str):
        self.ctx = ctx
        self.branch = branch
        self.recorded: list[Recorded] = []

    async def __aenter__(self) -> "UnitOfWork":
        writes = self.ctx.writes
        if writes is not None:  # SQLite: a place in the next group commit
            self._turn = await writes.turn()
            self.conn = self._turn.ready.result()
        else:
            self._turn = None
            self._cm = self.ctx.db.writer.connect()
            self.conn = await self._cm.__aenter__()
            await self.conn.begin()
        self.now = self.ctx.clock()
        try:
            row = (await _BRANCH.execute(self.conn, {"code": self.branch})).first()
            if row is None:
                raise NotFound(f"branch {self.branch!r} not found")
            self.layout = self.ctx.layout(self.branch, row.layout_version, row.layout)
            self.vip_salt = row.vip_salt
            self.zone = self.layout.zone
            self.today = day_of(self.now, self.zone)
            if row.current_day != self.today:
                await self._roll_over()
        except BaseException as error:
            await self.__aexit__(type(error), error, None)
            raise
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self._turn is not None:
            self._turn.finish(False)  # no-op after a commit; else back to the savepoint
            return
        if self.conn.in_transaction():
            await self.conn.rollback()
        await self._cm.__aexit__(exc_type, exc, tb)

    async def reserve(self) -> int:
        """Take the next event seq of the branch, in this transaction."""
        return (await _NEXT_SEQ.execute(self.conn, {"b_code": self.branch})).scalar_one()

    def record(self, seq: int, type_: str, data: dict) -> None:
        self.recorded.append(Recorded(seq, type_, data))

    async def emit(self, type_: str, data: dict) -> int:
        seq = await self.reserve()
        self.record(seq, type_, data)
        return seq

    async def commit(self) -> None:
        if self.recorded:
            await _EVENT.execute(self.conn, [
                {"branch": self.branch, "seq": r.seq, "type": r.type, "at": self.now,
                 "data": json.dumps(r.data, ensure_ascii=False, separators=(",", ":"))}
                for r in self.recorded
            ])
            await self.ctx.bus.in_transaction(self.conn, self.branch, self.recorded[-1].seq)
        if self._turn is not None:
            self._turn.finish(True)
            await self._turn.durable
        else:
            await self.conn.commit()
        if self.recorded:
            await self.ctx.bus.publish(self.branch, self.recorded[-1].seq)

    async def _roll_over(self) -> None:
        """A new business day: tickets still waiting from earlier days expire."""
        # UPDATE … RETURNING, so two workers rolling over at once expire each ticket once.
        rows = (await self.conn.execute(
            update(tickets)
            .where(tickets.c.branch == self.branch, tickets.c.status == "waiting", tickets.c.day < self.today)
            .values(status="expired")
            .returning(*ticket_rows.select_tickets().selected_columns)
        )).all()
        for row in sorted(rows, key=lambda r: r.issue_seq):
            await self.emit("ticket.expired", ticket_json(ticket_rows.from_row(row), self.zone))
        await self.conn.execute(
            update(branches).where(branches.c.code == self.branch).values(current_day=self.today)
        )
