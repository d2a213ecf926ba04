"""Bookings in and out of the ``bookings`` table, and the places each slot and hour has
given (``booking_counts``).

A place is taken by one guarded upsert: the row's count goes up only while it is under
the limit, so of two bookings for the last place one gets a row back and the other none,
whether SQLite's single writer runs them one after the other or PostgreSQL's row lock
makes the second wait for the first's commit and read its count.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..rules.bookings import Booking
from ..rules.vocabulary import BookingStatus
from .statement import Statement
from .tables import booking_counts, bookings
from .transaction import Transaction, first

SLOT, HOUR = "slot", "hour"
# Every transaction takes and gives back places in this order of rows (hours, then slots,
# each by start), so two that touch the same rows on PostgreSQL never wait for each other
# in a circle: a change from one slot to another never deadlocks with a booking.
SPAN_ORDER = {HOUR: 0, SLOT: 1}
_FIELDS = tuple(f.name for f in dataclasses.fields(Booking))
_SELECT = select(*(bookings.c[name] for name in _FIELDS))
_MUTABLE = ("slot_start", "slot_end", "hour_start", "day", "status", "amount", "currency", "updated_at")


def from_row(row: Any) -> Booking:
    values = dict(zip(_FIELDS, row, strict=True))
    values["status"] = BookingStatus(values["status"])
    return Booking(**values)


_COUNT_KEY = and_(
    booking_counts.c.branch == bindparam("branch"),
    booking_counts.c.category == bindparam("category"),
    booking_counts.c.span == bindparam("span"),
)


def _take(dialect: Any) -> Any:
    return (
        dialect.insert(booking_counts)
        .values(
            branch=bindparam("branch"),
            category=bindparam("category"),
            span=bindparam("span"),
            start=bindparam("start"),
            booked=1,
        )
        .on_conflict_do_update(
            index_elements=["branch", "category", "span", "start"],
            set_={"booked": booking_counts.c.booked + 1},
            where=booking_counts.c.booked < bindparam("limit"),
        )
        .returning(booking_counts.c.booked)
    )


_TAKE = Statement(_take(sqlite), _take(postgresql))
_GIVE_BACK = Statement(
    update(booking_counts)
    .where(_COUNT_KEY, booking_counts.c.start == bindparam("start"), booking_counts.c.booked > 0)
    .values(booked=booking_counts.c.booked - 1)
)
_COUNTS = Statement(
    select(booking_counts.c.start, booking_counts.c.booked).where(
        _COUNT_KEY, booking_counts.c.start >= bindparam("low"), booking_counts.c.start < bindparam("high")
    )
)


def _key(branch: str, category: str, span: str, start: float) -> dict[str, Any]:
    return {"branch": branch, "category": category, "span": span, "start": int(start)}


async def take_place(tx: Transaction, branch: str, category: str, span: str, start: float, limit: int) -> bool:
    """One more place of a slot or hour, if it has fewer than ``limit`` taken."""
    return await first(tx, _TAKE, {**_key(branch, category, span, start), "limit": limit}) is not None


async def give_back(tx: Transaction, branch: str, category: str, span: str, start: float) -> None:
    """One place of a slot or hour, of a booking that moves or is cancelled."""
    await tx.execute(_GIVE_BACK, _key(branch, category, span, start))


async def taken(tx: Transaction, branch: str, category: str, span: str, low: float, high: float) -> dict[int, int]:
    """Places taken per slot (or hour) start in [low, high)."""
    params = {"branch": branch, "category": category, "span": span, "low": int(low), "high": int(high)}
    return {r.start: r.booked for r in await tx.fetch(_COUNTS, params)}


_INSERT = Statement(insert(bookings))
# The customer's code names no branch: one lookup finds it (as a tracking code's does).
_FIND = Statement(select(bookings.c.branch).where(bookings.c.code_hash == bindparam("code_hash")))
_BY_CODE_WHERE = _SELECT.where(bookings.c.branch == bindparam("branch"), bookings.c.code_hash == bindparam("code_hash"))
_BY_CODE = Statement(_BY_CODE_WHERE)
_BY_CODE_LOCKING = Statement(_BY_CODE_WHERE, _BY_CODE_WHERE.with_for_update())
_OF_DAY = Statement(
    _SELECT.where(bookings.c.branch == bindparam("branch"), bookings.c.day == bindparam("day")).order_by(
        bookings.c.slot_start, bookings.c.created_at
    )
)
_OF_TICKET = Statement(
    _SELECT.where(bookings.c.branch == bindparam("branch"), bookings.c.ticket_id == bindparam("ticket_id"))
)
_SAVE = Statement(
    update(bookings)
    .where(
        bookings.c.branch == bindparam("w_branch"),
        bookings.c.id == bindparam("w_id"),
        bookings.c.status == bindparam("w_status"),
    )
    .values({name: bindparam(f"v_{name}") for name in _MUTABLE})
    .returning(bookings.c.id)
)
_CHECK_IN = Statement(
    update(bookings)
    .where(
        bookings.c.branch == bindparam("w_branch"),
        bookings.c.id == bindparam("w_id"),
        bookings.c.status == BookingStatus.BOOKED.value,
    )
    .values(status=BookingStatus.CHECKED_IN.value, ticket_id=bindparam("ticket_id"), checked_in_at=bindparam("at"))
    .returning(bookings.c.id)
)


async def add(tx: Transaction, booking: Booking, code_hash: str) -> None:
    await tx.execute(_INSERT, {**dataclasses.asdict(booking), "code_hash": code_hash})


async def branch_of(tx: Transaction, code_hash: str) -> str | None:
    """The branch of a booking code's hash."""
    row = await first(tx, _FIND, {"code_hash": code_hash})
    return row.branch if row else None


async def by_code(tx: Transaction, branch: str, code_hash: str, *, lock: bool = False) -> Booking | None:
    """The branch's booking of a code's hash; ``lock``: for this transaction (PostgreSQL)."""
    row = await first(tx, _BY_CODE_LOCKING if lock else _BY_CODE, {"branch": branch, "code_hash": code_hash})
    return from_row(row) if row else None


async def of_ticket(tx: Transaction, branch: str, ticket_id: str) -> Booking | None:
    """The booking a checked-in ticket came from, if it came from one."""
    rows = await tx.fetch(_OF_TICKET, {"branch": branch, "ticket_id": ticket_id})
    return from_row(rows[0]) if rows else None


async def save(tx: Transaction, before: Booking, after: Booking) -> bool:
    """Write a change, guarded by the status it was read in; False if it had moved on."""
    params = {
        "w_branch": before.branch,
        "w_id": before.id,
        "w_status": before.status,
        **{f"v_{n}": getattr(after, n) for n in _MUTABLE},
    }
    return await first(tx, _SAVE, params) is not None


async def check_in(tx: Transaction, booking: Booking, ticket_id: str, at: float) -> bool:
    return (
        await first(tx, _CHECK_IN, {"w_branch": booking.branch, "w_id": booking.id, "ticket_id": ticket_id, "at": at})
        is not None
    )


# A reminder is due once: the sweep of one worker marks it (guarded by the mark being
# unset) and sends it; another worker sweeping at the same moment gets no row back.
REMINDERS = {"day": (bookings.c.reminded_day_at, 86400), "hour": (bookings.c.reminded_hour_at, 3600)}


def _due(column: Any) -> Statement:
    return Statement(
        _SELECT.where(
            bookings.c.branch == bindparam("branch"),
            bookings.c.status == BookingStatus.BOOKED.value,
            bookings.c.phone.is_not(None),
            column.is_(None),
            bookings.c.slot_start > bindparam("now"),
            bookings.c.slot_start <= bindparam("until"),
        ).order_by(bookings.c.slot_start)
    )


def _mark(column: Any) -> Statement:
    return Statement(
        update(bookings)
        .where(bookings.c.branch == bindparam("branch"), bookings.c.id == bindparam("id"), column.is_(None))
        .values({column.name: bindparam("now")})
        .returning(bookings.c.id)
    )


_DUE = {kind: _due(column) for kind, (column, _) in REMINDERS.items()}
_MARK = {kind: _mark(column) for kind, (column, _) in REMINDERS.items()}


async def reminders_due(tx: Transaction, branch: str, kind: str, now: float) -> list[Booking]:
    """Booked slots with a phone number starting within the reminder's lead (a day, an
    hour) and not yet reminded of it, each marked as reminded now."""
    lead = REMINDERS[kind][1]
    due = [from_row(r) for r in await tx.fetch(_DUE[kind], {"branch": branch, "now": now, "until": now + lead})]
    return [b for b in due if await first(tx, _MARK[kind], {"branch": branch, "id": b.id, "now": now}) is not None]


_CHECKED_IN_UNNOTIFIED = Statement(
    _SELECT.where(
        bookings.c.branch == bindparam("branch"),
        bookings.c.day == bindparam("day"),
        bookings.c.status == BookingStatus.CHECKED_IN.value,
        bookings.c.phone.is_not(None),
        bookings.c.ahead_notified_at.is_(None),
    ).limit(50)
)
_MARK_AHEAD = _mark(bookings.c.ahead_notified_at)


async def checked_in_unnotified(tx: Transaction, branch: str, day: str) -> list[Booking]:
    """The day's checked-in bookings with a phone number not yet told their turn is near
    (at most 50 a sweep: the rest come in the next)."""
    return [from_row(r) for r in await tx.fetch(_CHECKED_IN_UNNOTIFIED, {"branch": branch, "day": day})]


async def mark_ahead_notified(tx: Transaction, booking: Booking, now: float) -> bool:
    return await first(tx, _MARK_AHEAD, {"branch": booking.branch, "id": booking.id, "now": now}) is not None


_FORGET = Statement(
    update(bookings)
    .where(
        bookings.c.branch == bindparam("branch"),
        bookings.c.phone.is_not(None),
        bookings.c.slot_end < bindparam("before"),
    )
    .values(phone=None)
)


async def forget_phones(tx: Transaction, branch: str, before: float) -> None:
    """The phone numbers of bookings whose slot ended before ``before`` are deleted."""
    await tx.execute(_FORGET, {"branch": branch, "before": before})


_OF_DAYS = Statement(
    _SELECT.where(
        bookings.c.branch == bindparam("branch"),
        bookings.c.day >= bindparam("first"),
        bookings.c.day <= bindparam("last"),
    ).order_by(bookings.c.day, bookings.c.slot_start)
)


async def of_days(tx: Transaction, branch: str, first: str, last: str) -> list[Booking]:
    """The bookings of the days ``first`` to ``last`` (both included), for reports."""
    return [from_row(r) for r in await tx.fetch(_OF_DAYS, {"branch": branch, "first": first, "last": last})]


async def of_day(tx: Transaction, branch: str, day: str) -> list[Booking]:
    """A day's bookings (every status) in slot order."""
    return [from_row(r) for r in await tx.fetch(_OF_DAY, {"branch": branch, "day": day})]
