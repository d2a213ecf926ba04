"""Tickets in and out of the ``tickets`` table: numbering, the claim, the queue position,
and the lists the read side needs.

The claim fetches the few tickets that can be next and ``rules.ordering`` picks; the
queue position counts ranges of an index. A test checks both against the pure rule on
random queues, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    any_,
    bindparam,
    desc,
    func,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement, Select

from ..rules.layout import Counter, Policy
from ..rules.ordering import effective_rank, in_call_order, next_for
from ..rules.tickets import Ticket
from ..rules.vocabulary import IN_QUEUE, Priority, TicketStatus
from . import queue_lengths
from .statement import Statement
from .tables import counters, number_seqs, tickets
from .transaction import Transaction, first, one, scalar

_FIELDS = tuple(f.name for f in dataclasses.fields(Ticket))
_MUTABLE = tuple(n for n in _FIELDS if n not in ("id", "branch", "day", "number", "issued_at", "issue_seq", "kiosk"))
SELECT_TICKETS = select(*(tickets.c[name] for name in _FIELDS))


def from_row(row: Any) -> Ticket:
    values = dict(zip(_FIELDS, row, strict=False))  # a row may carry more columns after them
    values["status"] = TicketStatus(values["status"])
    values["priority"] = Priority(values["priority"])
    values["print_failed"] = bool(values["print_failed"])  # SQLite hands back 0 or 1
    return Ticket(**values)


# ``status = 'waiting'`` as a literal, not a bound parameter: only then can either planner
# prove a query stays inside the partial indexes on waiting tickets.
WAITING = tickets.c.status == literal_column("'waiting'")
# The customers' queue of a category: waiting and not pinned to a counter (ix_tickets_queue).
QUEUED = and_(WAITING, tickets.c.pinned_counter.is_(None))
_OF_BRANCH = tickets.c.branch == bindparam("branch")
_KEY = tuple_(tickets.c.queued_at, tickets.c.issue_seq)
_MY_KEY = tuple_(bindparam("queued_at"), bindparam("issue_seq"))

_GET_WHERE = SELECT_TICKETS.where(tickets.c.id == bindparam("id"), _OF_BRANCH)
_GET = Statement(_GET_WHERE)
_GET_LOCKING = Statement(_GET_WHERE, _GET_WHERE.with_for_update())
_GET_WITH_TRACK = Statement(
    select(*SELECT_TICKETS.selected_columns, tickets.c.track_token).where(tickets.c.id == bindparam("id"), _OF_BRANCH)
)
_INSERT = Statement(insert(tickets))
_FIND_TRACKED = Statement(select(tickets.c.branch, tickets.c.id).where(tickets.c.track_token == bindparam("token")))


def _take_number(dialect: Any) -> Any:
    return (
        dialect.insert(number_seqs)
        .values(branch=bindparam("branch"), day=bindparam("day"), prefix=bindparam("prefix"), last=1)
        .on_conflict_do_update(index_elements=["branch", "day", "prefix"], set_={"last": number_seqs.c.last + 1})
        .returning(number_seqs.c.last)
    )


_TAKE_NUMBER = Statement(_take_number(sqlite), _take_number(postgresql))


async def take_number(tx: Transaction, branch: str, day: str, prefix: str) -> str:
    """The next number of (branch, day, prefix), in this transaction: no gap, no repeat."""
    last = await scalar(tx, _TAKE_NUMBER, {"branch": branch, "day": day, "prefix": prefix})
    return f"{prefix}{last:03d}"


async def get(tx: Transaction, branch: str, ticket_id: str, *, lock: bool = False) -> Ticket | None:
    row = await first(tx, _GET_LOCKING if lock else _GET, {"id": ticket_id, "branch": branch})
    return from_row(row) if row else None


async def get_with_track(tx: Transaction, branch: str, ticket_id: str) -> tuple[Ticket, str] | None:
    row = await first(tx, _GET_WITH_TRACK, {"id": ticket_id, "branch": branch})
    return (from_row(row), row[-1]) if row else None


async def find_tracked(tx: Transaction, track_token: str) -> tuple[str, str] | None:
    """(branch, ticket id) of a tracking code."""
    row = await first(tx, _FIND_TRACKED, {"token": track_token})
    return (row.branch, row.id) if row else None


async def add(tx: Transaction, ticket: Ticket, track_token: str) -> None:
    await tx.execute(_INSERT, {**{name: getattr(ticket, name) for name in _FIELDS}, "track_token": track_token})
    await queue_lengths.moved(tx, ticket.branch, (), (ticket,))


@lru_cache(maxsize=256)
def _update(columns: tuple[str, ...]) -> Statement:
    return Statement(
        update(tickets)
        .where(
            tickets.c.branch == bindparam("w_branch"),
            tickets.c.id == bindparam("w_id"),
            tickets.c.status == bindparam("w_status"),
        )
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


async def save(tx: Transaction, before: Ticket, after: Ticket) -> None:
    """Write the fields a move changed, guarded by the status it was read in."""
    changed = {name: getattr(after, name) for name in _MUTABLE if getattr(before, name) != getattr(after, name)}
    if not changed:
        return
    params = {f"v_{name}": value for name, value in changed.items()}
    where = {"w_branch": before.branch, "w_id": before.id, "w_status": before.status}
    await tx.execute(_update(tuple(changed)), {**where, **params})
    await queue_lengths.moved(tx, before.branch, (before,), (after,))


# -- who is next ----------------------------------------------------------------------


@lru_cache(maxsize=256)
def _heads(categories: tuple[str, ...]) -> Statement:
    """The only tickets that can be next at a counter: the oldest of each (category,
    priority) it serves, and those pinned to it; each one index seek, so a claim costs
    the same with 10 or 10,000 waiting. Keyed by the set of categories, so counters
    serving the same ones share one statement."""
    oldest = [
        SELECT_TICKETS.where(
            _OF_BRANCH, QUEUED, tickets.c.category == category, tickets.c.priority == priority
        ).order_by(tickets.c.queued_at, tickets.c.issue_seq)
        for category in categories
        for priority in Priority
    ]
    pinned = SELECT_TICKETS.where(_OF_BRANCH, WAITING, tickets.c.pinned_counter == bindparam("number"))
    # PostgreSQL reads the first few of each, for when other counters hold the first ones.
    firsts = [part.limit(bindparam("per_group", type_=Integer)) for part in oldest]
    return Statement(
        union_all(*(select(*part.subquery().c) for part in [*(p.limit(1) for p in oldest), pinned])),
        union_all(*(select(*part.subquery().c) for part in [*firsts, pinned])),
    )


# The first of the given tickets, in the given order, that still waits and that no other
# transaction holds: locked, and only it (the lock is taken row by row under the LIMIT).
_IDS = bindparam("ids", type_=postgresql.ARRAY(tickets.c.id.type))
_LOCK_FIRST_FREE = Statement(
    SELECT_TICKETS.where(_OF_BRANCH, tickets.c.id == any_(_IDS), WAITING)
    .order_by(func.array_position(_IDS, tickets.c.id))
    .limit(1)
    .with_for_update(skip_locked=True)
)


def prepare_claims(counters_of_layout: Iterable[Counter]) -> None:
    """Compile the claim statements of a layout's counters when it is read, not inside
    the first call-next of each."""
    for counter in counters_of_layout:
        heads = _heads(tuple(sorted(counter.serves)))
        heads.compiled("sqlite")
        heads.compiled("postgresql")


async def claim_next(tx: Transaction, branch: str, counter: Counter, policy: Policy, now: float) -> Ticket | None:
    """The next ticket for a counter (docs/domain.md), locked for this transaction.

    SQLite's writer holds the whole database: the first of the heads is the one. On
    PostgreSQL other counters claim at the same moment, so one statement locks the first
    of the heads in call order that still waits and no other transaction holds (``SKIP
    LOCKED``), reading further only when others hold as many of one group as were read.
    """
    heads = _heads(tuple(sorted(counter.serves)))
    params: dict[str, Any] = {"branch": branch, "number": counter.number}
    if tx.database == "sqlite":
        return next_for(counter, map(from_row, await tx.fetch(heads, params)), policy, now)
    per_group = 2
    while True:
        read = [from_row(r) for r in await tx.fetch(heads, {**params, "per_group": per_group})]
        order = in_call_order(counter, read, policy, now)
        if not order:
            return None
        row = await first(tx, _LOCK_FIRST_FREE, {"branch": branch, "ids": [t.id for t in order]})
        if row is not None:
            return from_row(row)
        groups = collections.Counter((t.category, t.priority) for t in read if t.pinned_counter is None)
        if max(groups.values(), default=0) < per_group:  # nothing left unread: all are taken
            return None
        per_group *= 4


# -- how many are ahead -----------------------------------------------------------------


def _cutoff(policy: Policy, now: float) -> float:
    return now - policy.max_wait_minutes * 60 if policy.max_wait_minutes is not None else 0.0


@lru_cache(maxsize=8)
def _position(rank: int, fair: bool) -> Statement:
    """The category's queue length (``queue_lengths``, not counted) and counts over ranges
    of ``ix_tickets_queue`` for a ticket of effective rank ``rank``: the ticket itself if
    stored there, and those ahead of it (rank 2: behind it — a new normal ticket has nearly
    everyone ahead, so the few behind are counted and subtracted). The arithmetic is
    ``ordering.ahead_of``'s (a test compares)."""

    def count(*where: ColumnElement[bool]) -> Any:
        return (
            select(func.count())
            .where(
                _OF_BRANCH,
                tickets.c.category == bindparam("category"),
                QUEUED,
                *where,
            )
            .scalar_subquery()
        )

    priority = tickets.c.priority
    itself = count(priority == bindparam("priority"), _KEY == _MY_KEY)
    if rank == 2:  # behind it: only normal tickets queued after it (all of them rank 2)
        return Statement(select(queue_lengths.LENGTH, itself, count(priority == Priority.NORMAL.value, _KEY > _MY_KEY)))
    if rank == 1:  # ahead: every green, earlier VIPs, earlier normals past the fairness bound
        ahead = count(priority == Priority.GREEN.value) + count(priority == Priority.VIP.value, _KEY < _MY_KEY)
        if fair:
            ahead = ahead + count(
                priority == Priority.NORMAL.value, tickets.c.queued_at < bindparam("cutoff"), _KEY < _MY_KEY
            )
    else:  # green: earlier green tickets only
        ahead = count(priority == Priority.GREEN.value, _KEY < _MY_KEY)
    return Statement(select(queue_lengths.LENGTH, itself, ahead))


async def queue_position(tx: Transaction, ticket: Ticket, policy: Policy, now: float) -> tuple[int, int]:
    """(ahead, waiting): how many unpinned waiting tickets of its category rank before it,
    and in all (itself not counted, whether it is stored yet or not)."""
    rank = effective_rank(ticket, policy, now)
    fair = policy.max_wait_minutes is not None
    params: dict[str, Any] = {
        "branch": ticket.branch,
        "category": ticket.category,
        "priority": ticket.priority,
        "queued_at": ticket.queued_at,
        "issue_seq": ticket.issue_seq,
    }
    if rank == 1 and fair:
        params["cutoff"] = _cutoff(policy, now)
    queue, itself, counted = await one(tx, _position(rank, fair), params)
    waiting = queue - itself
    return (waiting - counted if rank == 2 else counted), waiting


# -- lists --------------------------------------------------------------------------------

_OF_DAY = and_(_OF_BRANCH, tickets.c.day == bindparam("day"))


@lru_cache(maxsize=8)
def _of_day(status: bool, category: bool) -> Statement:
    query: Select[Any] = SELECT_TICKETS.where(_OF_DAY)
    if status:
        query = query.where(tickets.c.status == bindparam("status"))
    if category:
        query = query.where(tickets.c.category == bindparam("category"))
    return Statement(query.order_by(tickets.c.issue_seq))


async def of_day(
    tx: Transaction, branch: str, day: str, *, status: str | None = None, category: str | None = None
) -> list[Ticket]:
    """A business day's tickets in issue order, optionally of one status and category."""
    params = {"branch": branch, "day": day, "status": status, "category": category}
    return [from_row(r) for r in await tx.fetch(_of_day(status is not None, category is not None), params)]


_IN_HALL = Statement(
    SELECT_TICKETS.where(_OF_DAY, WAITING)
    .union_all(
        SELECT_TICKETS.join(
            counters, and_(counters.c.branch == tickets.c.branch, counters.c.current_ticket == tickets.c.id)
        ).where(_OF_BRANCH)
    )
    .order_by("issue_seq")
)


async def in_hall(tx: Transaction, branch: str, day: str) -> list[Ticket]:
    """The day's waiting tickets and those at a counter (whatever their day), in issue order."""
    found = {r.id: r for r in await tx.fetch(_IN_HALL, {"branch": branch, "day": day})}
    return [from_row(r) for r in found.values()]


# A fixed number of parameters, so the statement is compiled once: unused ones are NULL.
BY_IDS_MAX = 50
_BY_IDS = Statement(
    SELECT_TICKETS.where(_OF_BRANCH, tickets.c.id.in_([bindparam(f"id{i}") for i in range(BY_IDS_MAX)]))
)


async def by_ids(tx: Transaction, branch: str, ids: Iterable[str]) -> dict[str, Ticket]:
    """The branch's tickets of these ids (at most ``BY_IDS_MAX``; any day), by id."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if len(wanted) > BY_IDS_MAX:
        raise ValueError(f"at most {BY_IDS_MAX} ids at once")
    params: dict[str, Any] = {"branch": branch}
    params.update({f"id{i}": wanted[i] if i < len(wanted) else None for i in range(BY_IDS_MAX)})
    return {r.id: from_row(r) for r in await tx.fetch(_BY_IDS, params)} if wanted else {}


_LAST_AT_COUNTER = Statement(
    SELECT_TICKETS.where(_OF_DAY, tickets.c.counter == bindparam("counter"))
    .order_by(desc(tickets.c.called_at))
    .limit(1)
)


async def last_at_counter(tx: Transaction, branch: str, day: str, counter: int) -> Ticket | None:
    row = await first(tx, _LAST_AT_COUNTER, {"branch": branch, "day": day, "counter": counter})
    return from_row(row) if row else None


# UPDATE … RETURNING, so two workers rolling over at once expire each ticket once.
_EXPIRE = Statement(
    update(tickets)
    .where(_OF_BRANCH, tickets.c.status == TicketStatus.WAITING.value, tickets.c.day < bindparam("day"))
    .values(status=TicketStatus.EXPIRED.value)
    .returning(*SELECT_TICKETS.selected_columns)
)


async def expire_before(tx: Transaction, branch: str, day: str) -> list[Ticket]:
    """Tickets still waiting from days before ``day`` expire; returned in issue order."""
    rows = await tx.fetch(_EXPIRE, {"branch": branch, "day": day})
    expired = sorted(map(from_row, rows), key=lambda t: t.issue_seq)
    await queue_lengths.moved(tx, branch, [dataclasses.replace(t, status=TicketStatus.WAITING) for t in expired], ())
    return expired


_WAITING_SINCE = Statement(
    SELECT_TICKETS.where(_OF_DAY, WAITING, tickets.c.queued_at < bindparam("before")).order_by(tickets.c.issue_seq)
)


async def waiting_since(tx: Transaction, branch: str, day: str, before: float) -> list[Ticket]:
    """The day's tickets waiting since before ``before``."""
    return [from_row(r) for r in await tx.fetch(_WAITING_SINCE, {"branch": branch, "day": day, "before": before})]


_IN_QUEUE_BY_CATEGORY = Statement(
    select(tickets.c.category, func.count())
    .where(_OF_BRANCH, tickets.c.status.in_([literal(s.value) for s in IN_QUEUE]))
    .group_by(tickets.c.category)
)


async def in_queue_by_category(tx: Transaction, branch: str) -> dict[str, int]:
    """Tickets still in the queue or at a counter, per category."""
    return {r[0]: r[1] for r in await tx.fetch(_IN_QUEUE_BY_CATEGORY, {"branch": branch})}


_WAITING_BY_CATEGORY = Statement(
    select(tickets.c.category, func.count()).where(_OF_DAY, WAITING).group_by(tickets.c.category)
)


async def waiting_by_category(tx: Transaction, branch: str, day: str) -> dict[str, int]:
    return {r[0]: r[1] for r in await tx.fetch(_WAITING_BY_CATEGORY, {"branch": branch, "day": day})}


_QUEUED_BY_CATEGORY = Statement(
    select(tickets.c.category, func.count()).where(_OF_BRANCH, QUEUED).group_by(tickets.c.category)
)


async def queued_by_category(tx: Transaction, branch: str) -> dict[str, int]:
    """Unpinned waiting tickets per category: the queue an issue counts against
    ``alert_queue_length`` (``queue_position``'s ``waiting``)."""
    return {r[0]: r[1] for r in await tx.fetch(_QUEUED_BY_CATEGORY, {"branch": branch})}
