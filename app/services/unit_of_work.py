"""A unit of work: one transaction on one branch, the events it makes, and the wake-up
after the commit (cosmicpython's pattern, with the outbox being the events table itself).

Event seqs come from ``branches.last_seq`` inside the same transaction: the row lock
PostgreSQL takes there (and SQLite's single writer) makes seqs gapless and committed in
order, so a reader that sees seq S has already seen every seq before it.

That row is the branch's hottest: every change of the branch waits for it until the
transaction holding it commits. So events take their seqs as late as they can: at the
commit, all at once, unless a move needs one earlier (an issue, whose seq orders the
queue). On PostgreSQL one statement then takes the seqs, writes the events and sends the
NOTIFY of the LISTEN/NOTIFY bus: the row is held for that statement and the COMMIT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import BigInteger, bindparam, select, text, update
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
_ADVANCE_SEQ = Prepared(
    update(branches).where(branches.c.code == bindparam("b_code"))
    .values(last_seq=branches.c.last_seq + bindparam("n", type_=BigInteger)).returning(branches.c.last_seq)
)
_EVENT = Prepared(events.insert())


def _seal(notify: bool) -> Prepared:
    """PostgreSQL: take the seqs of the events still without one, write every event of
    the unit of work, and notify the last seq (if the bus listens), in one statement.
    ``seqs`` holds each event's seq, or NULL for the ``k``-th of the ``n`` still to take."""
    written = """
        WITH advanced AS (
            UPDATE branches SET last_seq = last_seq + CAST(:n AS BIGINT)
            WHERE code = CAST(:branch AS VARCHAR) RETURNING last_seq
        ), written AS (
            INSERT INTO events (branch, seq, type, at, data)
            SELECT CAST(:branch AS VARCHAR), COALESCE(e.seq, advanced.last_seq - CAST(:n AS BIGINT) + e.k),
                   e.type, CAST(:at AS DOUBLE PRECISION), e.data
            FROM advanced, unnest(CAST(:seqs AS BIGINT[]), CAST(:ks AS BIGINT[]),
                                  CAST(:types AS VARCHAR[]), CAST(:datas AS TEXT[])) AS e(seq, k, type, data)
            RETURNING seq
        )"""
    if notify:
        return Prepared(text(written + """
        SELECT max(seq), pg_notify(CAST(:channel AS TEXT), CAST(:branch AS VARCHAR) || ':' || max(seq)) FROM written"""))
    return Prepared(text(written + """
        SELECT max(seq), NULL FROM written"""))


_SEAL = {False: _seal(False), True: _seal(True)}


def _number(waiting: list["Recorded"], last: int) -> None:
    """Give events still without a seq the seqs up to ``last``, in the order recorded."""
    for k, r in enumerate(waiting, start=last - len(waiting) + 1):
        r.seq = k


@dataclass
class Recorded:
    seq: int | None  # None until the commit takes it
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
        """Take the next event seq of the branch now, in this transaction (and the seqs
        of the events recorded before it, so that seqs keep the order of recording)."""
        return await self._take_seqs(extra=1)

    async def _take_seqs(self, extra: int = 0) -> int:
        waiting = [r for r in self.recorded if r.seq is None]
        last = (await _ADVANCE_SEQ.execute(self.conn, {"b_code": self.branch, "n": len(waiting) + extra})).scalar_one()
        _number(waiting, last - extra)
        return last

    def record(self, seq: int | None, type_: str, data: dict) -> None:
        self.recorded.append(Recorded(seq, type_, data))

    async def emit(self, type_: str, data: dict) -> None:
        """Record an event; its seq is taken at the commit."""
        self.record(None, type_, data)

    async def commit(self) -> None:
        if self.recorded:
            await self._write_events()
        if self._turn is not None:
            self._turn.finish(True)
            await self._turn.durable
        else:
            await self.conn.commit()
        if self.recorded:
            await self.ctx.bus.publish(self.branch, self.recorded[-1].seq)

    async def _write_events(self) -> None:
        data = [json.dumps(r.data, ensure_ascii=False, separators=(",", ":")) for r in self.recorded]
        if self.conn.dialect.name == "postgresql":
            waiting = [r for r in self.recorded if r.seq is None]
            ks, k = [], 0  # each waiting event's place among them, from 1
            for r in self.recorded:
                k += r.seq is None
                ks.append(k if r.seq is None else 0)
            channel = self.ctx.bus.notify_channel
            last = (await _SEAL[channel is not None].execute(self.conn, {
                "branch": self.branch, "n": len(waiting), "at": self.now, "channel": channel,
                "seqs": [r.seq for r in self.recorded], "ks": ks,
                "types": [r.type for r in self.recorded], "datas": data,
            })).one()[0]
            _number(waiting, last)
            return
        if any(r.seq is None for r in self.recorded):
            await self._take_seqs()
        await _EVENT.execute(self.conn, [
            {"branch": self.branch, "seq": r.seq, "type": r.type, "at": self.now, "data": d}
            for r, d in zip(self.recorded, data)
        ])

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
