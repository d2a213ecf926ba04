"""Tickets in and out of the ``tickets`` table, the claim, and the queue position.

On PostgreSQL the claim query is the SQL form of ``rules.ordering.call_key``; on SQLite
the query fetches the few tickets that can be next and ``rules.ordering.next_for`` picks.
Either way a test checks the claim and the position against the pure rule on random
queues.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, insert, literal, literal_column, or_, select, tuple_, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..rules.layout import Counter, Policy
from ..rules.ordering import effective_rank, next_for
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


def _rank(fair: bool):
    """Priority class as a number, with the fairness rule of ``max_wait_minutes``: a normal
    ticket queued before the bound ``cutoff`` ranks as VIP."""
    normal = case((tickets.c.queued_at < bindparam("cutoff"), 1), else_=2) if fair else literal(2)
    return case((tickets.c.priority == "green", 0), (tickets.c.priority == "vip", 1), else_=normal)


def _cutoff(policy: Policy, now: float) -> float:
    return now - policy.max_wait_minutes * 60 if policy.max_wait_minutes is not None else 0.0


@lru_cache(maxsize=1024)
def _claim(number: int, serves: tuple[str, ...], fair: bool):
    pinned_here = tickets.c.pinned_counter == number
    # A pinned ticket of a foreign category counts as first (position 0), as in call_key.
    position = case(*((tickets.c.category == code, i) for i, code in enumerate(serves)), else_=0)
    query = (
        _SELECT.where(
            tickets.c.branch == bindparam("branch"),
            WAITING,
            or_(pinned_here, and_(tickets.c.pinned_counter.is_(None), tickets.c.category.in_(serves))),
        )
        .order_by(case((pinned_here, 0), else_=1), _rank(fair), position, tickets.c.queued_at, tickets.c.issue_seq)
        .limit(1)
    )
    return query.with_for_update(skip_locked=True)


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
    # Prepared: building and hashing this statement's cache key on every call cost more
    # than SQLite took to run it.
    return Prepared(union_all(*(select(*part.subquery().c) for part in [*oldest, pinned])))


def prepare_claims(counters, dialect) -> None:
    """Compile the SQLite claim statements of a layout's counters now (about 20 ms each
    distinct set of categories) rather than inside the first call-next of each."""
    for counter in counters:
        _heads(tuple(sorted(counter.serves))).compile(dialect)


async def claim_next(conn: AsyncConnection, branch: str, counter: Counter, policy: Policy, now: float) -> Ticket | None:
    """The next ticket for a counter, locked for this transaction (DESIGN §2 order).

    PostgreSQL: one ordered query with ``FOR UPDATE SKIP LOCKED``, so racing counters each
    lock a different ticket. SQLite has one writer, the transaction already holds the
    database, and the candidates are few: the pure rule chooses among them.
    """
    if conn.dialect.name == "postgresql":
        query = _claim(counter.number, counter.serves, policy.max_wait_minutes is not None)
        row = (await conn.execute(query, {"branch": branch, "cutoff": _cutoff(policy, now)})).first()
        return from_row(row) if row else None
    heads = _heads(tuple(sorted(counter.serves)))
    rows = (await heads.execute(conn, {"branch": branch, "number": counter.number})).all()
    return next_for(counter, map(from_row, rows), policy, now)


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
