"""Appointment types: how a category may be booked ahead, its slots, and what a booking
must carry (docs/layout.md, issue #13 item 2).

A slot holds at most ``capacity`` bookings; the bookings of slots starting in one clock
hour take at most ``hourly_share`` of those slots' capacity, so walk-ins always keep a
part of every hour. A large cash withdrawal above its currency's threshold is booked on
an earlier day, so the vault can prepare it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .hours import Hours, open_spans

_CURRENCY = re.compile(r"^[A-Z]{3}$")
AMOUNT_MAX = 10_000_000_000  # whole units of a currency

# Each bounded field's limits, inclusive: the one place they are written (the API's
# request model reads them too).
BOUNDS: dict[str, tuple[int, int]] = {
    "slot_minutes": (5, 480),
    "capacity": (1, 1000),
    "book_ahead_days": (0, 366),
    "book_until_minutes": (0, 10080),
}


class AppointmentError(ValueError):
    """An appointment type that cannot work; the message says why."""


class BookingRefused(ValueError):
    """A booking the category's rules do not allow; the message says which and why."""


@dataclass(frozen=True)
class Appointment:
    slot_minutes: int = 30
    capacity: int = 2
    book_ahead_days: int = 14  # the last day one may book: today + this many days
    book_until_minutes: int = 0  # bookings close this many minutes before the slot starts
    hourly_share: float = 0.5  # of each hour's capacity; the rest is for walk-ins
    # Large cash (大额取现): the currencies one may book, each with the amount above which
    # the booking must be made on an earlier day. None: no amount asked.
    cash: dict[str, int] | None = field(default=None)

    def hour_limit(self, slots_in_hour: int) -> int:
        """Bookings the slots starting in one clock hour may take together."""
        return math.floor(self.hourly_share * self.capacity * slots_in_hour)


def from_dict(data: Any, where: str) -> Appointment:
    if not isinstance(data, dict):
        raise AppointmentError(f"{where}: appointment must be a table")
    try:
        appointment = Appointment(**{k: v for k, v in data.items() if v is not None or k == "cash"})
    except TypeError as bad:
        raise AppointmentError(f"{where}: {bad}") from None
    return validate(appointment, where)


def validate(appointment: Appointment, where: str) -> Appointment:
    for name, (low, high) in BOUNDS.items():
        value = getattr(appointment, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise AppointmentError(f"{where}: {name} must be a whole number between {low} and {high}")
    share = appointment.hourly_share
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise AppointmentError(f"{where}: hourly_share must be more than 0 and at most 1")
    if math.floor(share * appointment.capacity) < 1:
        raise AppointmentError(
            f"{where}: hourly_share {share} of a capacity of {appointment.capacity} leaves no slot a booking"
        )
    cash = appointment.cash
    if cash is not None:
        if not isinstance(cash, dict) or not cash:
            raise AppointmentError(f"{where}: cash names at least one currency and its threshold")
        for currency, threshold in cash.items():
            if not _CURRENCY.match(currency):
                raise AppointmentError(f"{where}: currency {currency!r} must be 3 capital letters (CNY)")
            if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 <= threshold <= AMOUNT_MAX:
                raise AppointmentError(f"{where}: the threshold of {currency} must be a whole number from 0")
    return appointment


def to_dict(appointment: Appointment) -> dict[str, Any]:
    return {
        "slot_minutes": appointment.slot_minutes,
        "capacity": appointment.capacity,
        "book_ahead_days": appointment.book_ahead_days,
        "book_until_minutes": appointment.book_until_minutes,
        "hourly_share": appointment.hourly_share,
        "cash": dict(appointment.cash) if appointment.cash is not None else None,
    }


@dataclass(frozen=True)
class Slot:
    start: float
    end: float
    hour: float  # the start of the clock hour it starts in: the key of the hourly share
    slots_in_hour: int  # how many of the day's slots start in that hour


def slots(appointment: Appointment, hours: Hours, day: date, zone: ZoneInfo) -> list[Slot]:
    """A day's slots: from the start of each opening span, one after another, each ending
    within the span."""
    starts: list[tuple[float, float]] = []
    length = appointment.slot_minutes * 60
    for span_start, span_end in open_spans(hours, day, zone):
        start = span_start
        while start + length <= span_end:
            starts.append((start, start + length))
            start += length
    hour_of = {s: _hour(s, zone) for s, _ in starts}
    per_hour: dict[float, int] = {}
    for h in hour_of.values():
        per_hour[h] = per_hour.get(h, 0) + 1
    return [Slot(s, e, hour_of[s], per_hour[hour_of[s]]) for s, e in starts]


def _hour(moment: float, zone: ZoneInfo) -> float:
    local = datetime.fromtimestamp(moment, zone)
    return local.replace(minute=0, second=0, microsecond=0).timestamp()


def find_slot(appointment: Appointment, hours: Hours, day: date, clock: str, zone: ZoneInfo) -> Slot:
    """The slot of a day that starts at ``clock`` ("09:30")."""
    for slot in slots(appointment, hours, day, zone):
        if datetime.fromtimestamp(slot.start, zone).strftime("%H:%M") == clock:
            return slot
    raise BookingRefused(f"{day.isoformat()} has no slot at {clock}; ask for the free slots of the day")


def check_when(appointment: Appointment, slot: Slot, now: float, zone: ZoneInfo) -> None:
    """Not in the past, not later than ``book_until_minutes`` before the slot, not further
    ahead than ``book_ahead_days``."""
    today = datetime.fromtimestamp(now, zone).date()
    day = datetime.fromtimestamp(slot.start, zone).date()
    if day > today + timedelta(days=appointment.book_ahead_days):
        raise BookingRefused(f"bookings open {appointment.book_ahead_days} day(s) ahead at the most")
    if now > slot.start - appointment.book_until_minutes * 60:
        if appointment.book_until_minutes:
            raise BookingRefused(
                f"this slot can no longer be booked: bookings close {appointment.book_until_minutes}"
                " minutes before a slot starts"
            )
        raise BookingRefused("this slot has already started")


def cash_deadline(hours: Hours, slot: Slot, zone: ZoneInfo) -> float:
    """When a large withdrawal must be booked by: the close of the business day before the
    visit (the last day before it that the branch opens), so the vault prepares it then."""
    visit = datetime.fromtimestamp(slot.start, zone).date()
    for back in range(1, 31):
        spans = open_spans(hours, visit - timedelta(days=back), zone)
        if spans:
            return spans[-1][1]
    return datetime.combine(visit, datetime.min.time(), zone).timestamp()  # no business day: the day before


def check_cash(
    appointment: Appointment,
    hours: Hours,
    amount: int | None,
    currency: str | None,
    slot: Slot,
    now: float,
    zone: ZoneInfo,
) -> None:
    """A cash category wants an amount in one of its currencies; above the currency's
    threshold, the booking is made by the close of the business day before the visit."""
    if appointment.cash is None:
        if amount is not None or currency is not None:
            raise BookingRefused("this category takes no amount")
        return
    if amount is None or currency is None:
        raise BookingRefused(f"a booking here needs the amount and its currency ({', '.join(appointment.cash)})")
    if currency not in appointment.cash:
        raise BookingRefused(f"currency {currency!r} cannot be booked here; one of {', '.join(appointment.cash)}")
    if not 1 <= amount <= AMOUNT_MAX:
        raise BookingRefused(f"the amount must be a whole number from 1 to {AMOUNT_MAX}")
    threshold = appointment.cash[currency]
    deadline = cash_deadline(hours, slot, zone)
    if amount > threshold and now > deadline:
        by = datetime.fromtimestamp(deadline, zone).strftime("%Y-%m-%d %H:%M")
        raise BookingRefused(
            f"withdrawals over {threshold} {currency} are booked one business day ahead, so the cash can be"
            f" prepared: this slot needed booking by {by}"
        )
