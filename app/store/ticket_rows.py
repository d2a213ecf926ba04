"""Tickets in and out of the ``tickets`` table, and the claim query.

The claim query is the SQL form of ``rules.ordering.call_key``: a test checks both pick
the same ticket on random queues.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, insert, literal, or_, select, update
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


# Statements are built once, with bind parameters, and reused: building and keying a
# SQLAlchemy expression costs more than SQLite takes to run it (measured on the issue path).
_SELECT = select(*_COLUMNS)
_GET = _SELECT.where(tickets.c.id == bindparam("id"), tickets.c.branch == bindparam("branch"))
_GET_LOCKED = _GET.with_for_update()
_INSERT = insert(tickets)


def select_tickets():
    return _SELECT


async def get(conn: AsyncConnection, branch: str, ticket_id: str, *, lock: bool = False) -> Ticket | None:
    query = _GET_LOCKED if lock and conn.dialect.name == "postgresql" else _GET
    row = (await conn.execute(query, {"id": ticket_id, "branch": branch})).first()
    return from_row(row) if row else None


async def add(conn: AsyncConnection, ticket: Ticket, track_token: str) -> None:
    await conn.execute(_INSERT, {**dataclasses.asdict(ticket), "track_token": track_token})


@lru_cache(maxsize=256)
def _update(columns: tuple[str, ...]):
    return (
        update(tickets)
        .where(tickets.c.id == bindparam("w_id"), tickets.c.status == bindparam("w_status"))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


async def save(conn: AsyncConnection, before: Ticket, after: Ticket) -> None:
    """Write the fields a move changed, guarded by the status it was read in."""
    changed = {name: getattr(after, name) for name in _MUTABLE if getattr(before, name) != getattr(after, name)}
    if not changed:
        return
    params = {f"v_{name}": value for name, value in changed.items()}
    await conn.execute(_update(tuple(changed)), {"w_id": before.id, "w_status": before.status, **params})


def _rank(fair: bool):
    """Priority class as a number, with the fairness rule of ``max_wait_minutes``: a normal
    ticket queued before the bound ``cutoff`` ranks as VIP."""
    normal = case((tickets.c.queued_at < bindparam("cutoff"), 1), else_=2) if fair else literal(2)
    return case((tickets.c.priority == "green", 0), (tickets.c.priority == "vip", 1), else_=normal)


def _cutoff(policy: Policy, now: float) -> float:
    return now - policy.max_wait_minutes * 60 if policy.max_wait_minutes is not None else 0.0


@lru_cache(maxsize=1024)
def _claim(number: int, serves: tuple[str, ...], fair: bool, lock: bool):
    pinned_here = tickets.c.pinned_counter == number
    # A pinned ticket of a foreign category counts as first (position 0), as in call_key.
    position = case(*((tickets.c.category == code, i) for i, code in enumerate(serves)), else_=0)
    query = (
        _SELECT.where(
            tickets.c.branch == bindparam("branch"),
            tickets.c.status == "waiting",
            or_(pinned_here, and_(tickets.c.pinned_counter.is_(None), tickets.c.category.in_(serves))),
        )
        .order_by(case((pinned_here, 0), else_=1), _rank(fair), position, tickets.c.queued_at, tickets.c.issue_seq)
        .limit(1)
    )
    return query.with_for_update(skip_locked=True) if lock else query


async def claim_next(conn: AsyncConnection, branch: str, counter: Counter, policy: Policy, now: float) -> Ticket | None:
    """The next ticket for a counter, locked for this transaction (DESIGN §2 order)."""
    query = _claim(counter.number, counter.serves, policy.max_wait_minutes is not None, conn.dialect.name == "postgresql")
    row = (await conn.execute(query, {"branch": branch, "cutoff": _cutoff(policy, now)})).first()
    return from_row(row) if row else None


@lru_cache(maxsize=4)
def _position(fair: bool):
    rank = _rank(fair)
    mine = bindparam("mine")
    before = or_(
        rank < mine,
        and_(rank == mine, tickets.c.queued_at < bindparam("queued_at")),
        and_(rank == mine, tickets.c.queued_at == bindparam("queued_at"), tickets.c.issue_seq < bindparam("issue_seq")),
    )
    return select(func.count(), func.coalesce(func.sum(case((before, 1), else_=0)), 0)).where(
        tickets.c.branch == bindparam("branch"),
        tickets.c.status == "waiting",
        tickets.c.category == bindparam("category"),
        tickets.c.pinned_counter.is_(None),
        tickets.c.id != bindparam("id"),
    )


async def queue_position(conn: AsyncConnection, ticket: Ticket, policy: Policy, now: float) -> tuple[int, int]:
    """(ahead, waiting): how many unpinned waiting tickets of its category rank before it, and in all."""
    query = _position(policy.max_wait_minutes is not None)
    waiting, ahead = (await conn.execute(query, {
        "mine": effective_rank(ticket, policy, now), "queued_at": ticket.queued_at, "issue_seq": ticket.issue_seq,
        "branch": ticket.branch, "category": ticket.category, "id": ticket.id, "cutoff": _cutoff(policy, now),
    })).one()
    return int(ahead), int(waiting)
