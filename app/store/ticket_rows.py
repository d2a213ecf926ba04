"""Tickets in and out of the ``tickets`` table, and the claim query.

The claim query is the SQL form of ``rules.ordering.call_key``: a test checks both pick
the same ticket on random queues.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..rules.layout import Counter, Policy
from ..rules.ordering import effective_rank
from ..rules.tickets import Ticket
from .tables import tickets

_FIELDS = [f.name for f in dataclasses.fields(Ticket)]
_COLUMNS = [tickets.c[name] for name in _FIELDS]
_MUTABLE = [name for name in _FIELDS if name not in ("id", "branch", "day", "number", "issued_at", "issue_seq", "kiosk")]


def from_row(row) -> Ticket:
    return Ticket(**{name: getattr(row, name) for name in _FIELDS})


def select_tickets():
    return select(*_COLUMNS)


async def get(conn: AsyncConnection, branch: str, ticket_id: str, *, lock: bool = False) -> Ticket | None:
    query = select_tickets().where(tickets.c.id == ticket_id, tickets.c.branch == branch)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return from_row(row) if row else None


async def add(conn: AsyncConnection, ticket: Ticket, track_token: str) -> None:
    await conn.execute(insert(tickets).values(**dataclasses.asdict(ticket), track_token=track_token))


async def save(conn: AsyncConnection, before: Ticket, after: Ticket) -> None:
    """Write the fields a move changed, guarded by the status it was read in."""
    changed = {name: getattr(after, name) for name in _MUTABLE if getattr(before, name) != getattr(after, name)}
    if not changed:
        return
    await conn.execute(
        update(tickets).where(tickets.c.id == before.id, tickets.c.status == before.status).values(**changed)
    )


def rank_expr(policy: Policy, now: float):
    """Priority class as a number, with the fairness rule of ``max_wait_minutes``."""
    normal = literal(2)
    if policy.max_wait_minutes is not None:
        normal = case((tickets.c.queued_at < now - policy.max_wait_minutes * 60, 1), else_=2)
    return case((tickets.c.priority == "green", 0), (tickets.c.priority == "vip", 1), else_=normal)


async def claim_next(conn: AsyncConnection, branch: str, counter: Counter, policy: Policy, now: float) -> Ticket | None:
    """The next ticket for a counter, locked for this transaction (DESIGN §2 order)."""
    pinned_here = tickets.c.pinned_counter == counter.number
    # A pinned ticket of a foreign category counts as first (position 0), as in call_key.
    position = case(
        *((tickets.c.category == code, i) for i, code in enumerate(counter.serves)), else_=0
    )
    query = (
        select_tickets()
        .where(
            tickets.c.branch == branch,
            tickets.c.status == "waiting",
            or_(pinned_here, and_(tickets.c.pinned_counter.is_(None), tickets.c.category.in_(counter.serves))),
        )
        .order_by(case((pinned_here, 0), else_=1), rank_expr(policy, now), position, tickets.c.queued_at, tickets.c.issue_seq)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = (await conn.execute(query)).first()
    return from_row(row) if row else None


async def queue_position(conn: AsyncConnection, ticket: Ticket, policy: Policy, now: float) -> tuple[int, int]:
    """(ahead, waiting): how many unpinned waiting tickets of its category rank before it, and in all."""
    rank = rank_expr(policy, now)
    mine = effective_rank(ticket, policy, now)
    before = or_(
        rank < mine,
        and_(rank == mine, tickets.c.queued_at < ticket.queued_at),
        and_(rank == mine, tickets.c.queued_at == ticket.queued_at, tickets.c.issue_seq < ticket.issue_seq),
    )
    query = select(func.count(), func.coalesce(func.sum(case((before, 1), else_=0)), 0)).where(
        tickets.c.branch == ticket.branch,
        tickets.c.status == "waiting",
        tickets.c.category == ticket.category,
        tickets.c.pinned_counter.is_(None),
        tickets.c.id != ticket.id,
    )
    waiting, ahead = (await conn.execute(query)).one()
    return int(ahead), int(waiting)
