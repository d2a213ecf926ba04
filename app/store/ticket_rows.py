"""Tickets in and out of the ``tickets`` table, the claim, and the queue position.

The claim fetches the few tickets that can be next and ``rules.ordering.next_for``
picks; the queue position counts ranges of an index. A test checks both against the pure
rule on random queues, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import collections
import dataclasses
from functools import lru_cache

from sqlalchemy import Integer, and_, any_, bindparam, func, insert, literal_column, select, tuple_, union_all, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from ..rules.layout import Counter, Policy
from ..rules.ordering import effective_rank, in_call_order, next_for
from ..rules.tickets import Ticket
from .prepared import Prepared
from .tables import tickets

_FIELDS = [f.name for f in dataclasses.fields(Ticket)]
_COLUMNS = [tickets.c[name] for name in _FIELDS]
_MUTABLE = [name for name in _FIELDS if name not in ("id", "branch", "day", "number", "issued_at", "issue_seq", "kiosk")]


def from_row(row) -> Ticket:
    ticket = Ticket(**{name: getattr(row, name) for name in _FIELDS})
    # Rows read as plain SQL (the SQLite claim) skip SQLAlchemy's type processing: SQLite
    # hands back 0 and 1 for a boolean, which would reach the JSON as numbers.
    if type(ticket.print_failed) is not bool:
        ticket = dataclasses.replace(ticket, print_failed=bool(ticket.print_failed))
    return ticket


# Statements are built once, with bind parameters, and reused: building and keying a
# SQLAlchemy expression costs more than SQLite takes to run it (measured on the issue path).
_SELECT = select(*_COLUMNS)
_GET = _SELECT.where(tickets.c.id == bindparam("id"), tickets.c.branch == bindparam("branch"))
_GET_PLAIN = Prepared(_GET)
_GET_LOCKING = Prepared(_GET, on_postgresql=_GET.with_for_update())
_INSERT = Prepared(insert(tickets))

# ``status = 'waiting'`` written as a literal, not a bound parameter: only then can either
# planner prove a query stays inside the partial indexes on waiting tickets.
WAITING = tickets.c.status == literal_column("'waiting'")
# The customers' queue of a category: waiting and not pinned to a counter (ix_tickets_queue).
QUEUED = and_(WAITING, tickets.c.pinned_counter.is_(None))
_KEY = tuple_(tickets.c.queued_at, tickets.c.issue_seq)
_MY_KEY = tuple_(bindparam("queued_at"), bindparam("issue_seq"))


def select_tickets():
    return _SELECT


async def get(conn: AsyncConnection, branch: str, ticket_id: str, *, lock: bool = False) -> Ticket | None:
    row = (await (_GET_LOCKING if lock else _GET_PLAIN).execute(conn, {"id": ticket_id, "branch": branch})).first()
    return from_row(row) if row else None


async def add(conn: AsyncConnection, ticket: Ticket, track_token: str) -> None:
    await _INSERT.execute(conn, {**{name: getattr(ticket, name) for name in _FIELDS}, "track_token": track_token})


@lru_cache(maxsize=256)
def _update(columns: tuple[str, ...]) -> Prepared:
    return Prepared(
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
    await _update(tuple(changed)).execute(conn, {"w_id": before.id, "w_status": before.status, **params})


def _cutoff(policy: Policy, now: float) -> float:
    return now - policy.max_wait_minutes * 60 if policy.max_wait_minutes is not None else 0.0


@lru_cache(maxsize=256)
def _heads(categories: tuple[str, ...]):
    """The only tickets that can be next at a counter: the oldest of each (category,
    priority) it serves, and those pinned to it. Each is one seek in an index, so a claim
    costs the same with 10 or 10,000 waiting; ``next_for`` then picks among them. Keyed
    by the set of categories, so counters serving the same ones share one statement."""
    oldest = [
        _SELECT.where(tickets.c.branch == bindparam("branch"), QUEUED, tickets.c.category == category,
                      tickets.c.priority == priority).order_by(tickets.c.queued_at, tickets.c.issue_seq).limit(1)
        for category in categories for priority in ("green", "vip", "normal")
    ]
    pinned = _SELECT.where(tickets.c.branch == bindparam("branch"), WAITING, tickets.c.pinned_counter == bindparam("number"))
    # PostgreSQL: the first few of each, for when other counters hold the first ones
    # (see claim_next).
    firsts = [part.limit(bindparam("per_group", type_=Integer)) for part in oldest]
    # Prepared: building and hashing this statement's cache key on every call cost more
    # than SQLite took to run it.
    return Prepared(
        union_all(*(select(*part.subquery().c) for part in [*oldest, pinned])),
        on_postgresql=union_all(*(select(*part.subquery().c) for part in [*firsts, pinned])),
    )


# The first of the given tickets, in the given order, that still waits and that no other
# transaction holds: locked, and only it (the lock is taken row by row under the LIMIT).
_IDS = bindparam("ids", type_=postgresql.ARRAY(tickets.c.id.type))
_LOCK_FIRST_FREE = (
    _SELECT.where(tickets.c.id == any_(_IDS), WAITING)
    .order_by(func.array_position(_IDS, tickets.c.id)).limit(1)
    .with_for_update(skip_locked=True)
)


def prepare_claims(counters, dialect) -> None:
    """Compile the SQLite claim statements of a layout's counters now (about 20 ms each
    distinct set of categories) rather than inside the first call-next of each."""
    for counter in counters:
        _heads(tuple(sorted(counter.serves))).compile(dialect)


async def claim_next(conn: AsyncConnection, branch: str, counter: Counter, policy: Policy, now: float) -> Ticket | None:
    """The next ticket for a counter, locked for this transaction (DESIGN §2 order).

    Both databases read the few tickets that can be next (``_heads``: index seeks, the
    same cost with 10 or 10,000 waiting) and the pure rule orders them. SQLite's writer
    already holds the whole database: the first is the one. On PostgreSQL other counters
    claim at the same moment, so the heads are the first few of each (category,
    priority), and one statement locks the first of them in call order that still waits
    and that no other transaction holds (``SKIP LOCKED``). Only when other counters hold
    as many of one group as were read does it read further. (The single ordered ``SKIP
    LOCKED`` query this replaces sorted every waiting ticket: 10 ms with 2,000 waiting.)
    """
    heads = _heads(tuple(sorted(counter.serves)))
    params = {"branch": branch, "number": counter.number}
    if conn.dialect.name != "postgresql":
        rows = (await heads.execute(conn, params)).all()
        return next_for(counter, map(from_row, rows), policy, now)
    per_group = 2
    while True:
        read = [from_row(r) for r in (await heads.execute(conn, {**params, "per_group": per_group})).all()]
        order = in_call_order(counter, read, policy, now)
        if not order:
            return None
        row = (await conn.execute(_LOCK_FIRST_FREE, {"ids": [t.id for t in order]})).first()
        if row is not None:
            return from_row(row)
        groups = collections.Counter((t.category, t.priority) for t in read if t.pinned_counter is None)
        if max(groups.values(), default=0) < per_group:  # nothing left unread: all are taken
            return None
        per_group *= 4


@lru_cache(maxsize=8)
def _position(rank: int, fair: bool) -> Prepared:
    """Counts over ranges of ``ix_tickets_queue`` for a ticket of effective rank ``rank``:
    the category's queue, the ticket itself if it is stored there, and those ahead of it
    (rank 2: behind it).

    A new normal ticket has nearly everyone ahead of it, so for rank 2 the query counts
    the few behind it, to subtract; green and VIP tickets count the few ahead directly.
    Either way the arithmetic is ``ordering.ahead_of``'s (a test compares them).
    """
    def count(*where):
        return select(func.count()).where(
            tickets.c.branch == bindparam("branch"), tickets.c.category == bindparam("category"), QUEUED, *where,
        ).scalar_subquery()

    priority = tickets.c.priority
    itself = count(priority == bindparam("priority"), _KEY == _MY_KEY)
    if rank == 2:  # behind it: only normal tickets queued after it (all of them rank 2)
        return Prepared(select(count(), itself, count(priority == "normal", _KEY > _MY_KEY)))
    if rank == 1:  # ahead of it: every green, earlier VIPs, and earlier normals past the fairness bound
        ahead = count(priority == "green") + count(priority == "vip", _KEY < _MY_KEY)
        if fair:
            ahead = ahead + count(priority == "normal", tickets.c.queued_at < bindparam("cutoff"), _KEY < _MY_KEY)
    else:  # green: earlier green tickets only
        ahead = count(priority == "green", _KEY < _MY_KEY)
    return Prepared(select(count(), itself, ahead))


async def queue_position(conn: AsyncConnection, ticket: Ticket, policy: Policy, now: float) -> tuple[int, int]:
    """(ahead, waiting): how many unpinned waiting tickets of its category rank before it,
    and in all (itself not counted, whether it is stored yet or not)."""
    rank = effective_rank(ticket, policy, now)
    fair = policy.max_wait_minutes is not None
    params = {"branch": ticket.branch, "category": ticket.category, "priority": ticket.priority,
              "queued_at": ticket.queued_at, "issue_seq": ticket.issue_seq}
    if rank == 1 and fair:
        params["cutoff"] = _cutoff(policy, now)
    queue, itself, counted = (await _position(rank, fair).execute(conn, params)).one()
    waiting = queue - itself
    return (waiting - counted if rank == 2 else counted), waiting
