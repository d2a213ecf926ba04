"""Booking appointment slots; changing, cancelling and checking in with the booking code;
the large withdrawals the vault prepares (issue #13, docs/api.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from ..errors import BranchClosed, Conflict, Invalid, NotFound, SlotFull
from ..rules import appointments as appts
from ..rules import hours as opening
from ..rules.appointments import Appointment, BookingRefused, Slot
from ..rules.bookings import NEAR_TURN, Booking, booking_json, checkin_queued_at
from ..rules.business_day import iso
from ..rules.layout import Category, Layout
from ..rules.vocabulary import BookingStatus, NoticeKind, Priority, Role, TicketStatus
from ..store import bookings as stored
from ..store import tickets as stored_tickets
from . import notifications, queries, tickets
from .auth import Principal
from .context import Context
from .queries import BOM
from .unit_of_work import UnitOfWork


def code_hash(code: str) -> str:
    """Only the hash of a booking code is stored: a copy of the database books nothing."""
    return hashlib.sha256(code.encode()).hexdigest()


def _bookable(layout: Layout, category: str) -> tuple[Category, Appointment]:
    cat = layout.category(category)
    if cat is None or cat.appointment is None:
        known = ", ".join(c.code for c in layout.categories if c.appointment is not None) or "none"
        raise Invalid(f"category {category!r} cannot be booked; bookable here: {known}")
    return cat, cat.appointment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a calendar day (YYYY-MM-DD)") from None


def _slots(layout: Layout, appointment: Appointment, day: date) -> list[Slot]:
    assert layout.hours is not None  # a layout with appointments has hours (layout.validate)
    return appts.slots(appointment, layout.hours, day, layout.zone)


def _slot(layout: Layout, appointment: Appointment, day: date, clock: str) -> Slot:
    if not _slots(layout, appointment, day):
        start = datetime.combine(day, datetime.min.time(), layout.zone).timestamp()
        opens = opening.next_opening(layout.hours, layout.zone, start)
        then = f"; it next opens {iso(opens, layout.zone)}" if opens is not None else ""
        raise BranchClosed(f"the branch is closed on {day.isoformat()}{then}")
    assert layout.hours is not None
    try:
        return appts.find_slot(appointment, layout.hours, day, clock, layout.zone)
    except BookingRefused as refused:
        raise Invalid(str(refused)) from None


def _check(
    layout: Layout, appointment: Appointment, slot: Slot, now: float, amount: int | None, currency: str | None
) -> None:
    assert layout.hours is not None
    try:
        appts.check_when(appointment, slot, now, layout.zone)
        appts.check_cash(appointment, layout.hours, amount, currency, slot, now, layout.zone)
    except BookingRefused as refused:
        raise Invalid(str(refused)) from None


async def _move_places(
    uow: UnitOfWork, category: str, appointment: Appointment | None, old: Booking | None, new: Slot | None
) -> None:
    """Give back the places of ``old`` and take those of ``new`` (a slot and its hour each),
    row by row in ``stored.SPAN_ORDER``; a row both give and take is left as it is. A place
    not to be had is 409, and the unit of work rolls back what was done before it."""
    changes: dict[tuple[str, int], int] = {}
    if old is not None:
        for key in ((stored.HOUR, int(old.hour_start)), (stored.SLOT, int(old.slot_start))):
            changes[key] = changes.get(key, 0) - 1
    limits: dict[tuple[str, int], int] = {}
    if new is not None and appointment is not None:
        limits = {
            (stored.HOUR, int(new.hour)): appointment.hour_limit(new.slots_in_hour),
            (stored.SLOT, int(new.start)): appointment.capacity,
        }
        for key in limits:
            changes[key] = changes.get(key, 0) + 1
    for (span, start), delta in sorted(changes.items(), key=lambda kv: (stored.SPAN_ORDER[kv[0][0]], kv[0][1])):
        if delta < 0:
            await stored.give_back(uow.tx, uow.branch, category, span, start)
        elif delta > 0 and not await stored.take_place(uow.tx, uow.branch, category, span, start, limits[span, start]):
            raise SlotFull("this slot is fully booked: pick another one")


async def bookable(ctx: Context, branch: str) -> dict[str, Any]:
    """What the public booking page shows first: the branch, its hours and what can be booked."""
    layout = await queries.layout_of(ctx, branch)
    now = ctx.clock()
    return {
        "branch": branch,
        "name": layout.name,
        "locale": layout.locale,
        "timezone": layout.timezone,
        "today": datetime.fromtimestamp(now, layout.zone).date().isoformat(),
        "open_now": opening.is_open(layout.hours, layout.zone, now),
        "opens_at": iso(opening.next_opening(layout.hours, layout.zone, now), layout.zone),
        "hours": opening.to_dict(layout.hours) if layout.hours is not None else None,
        "categories": [
            {"code": c.code, "name": c.name, **appts.to_dict(c.appointment)}
            for c in layout.categories
            if c.appointment is not None
        ],
        "remote": [{"code": c.code, "name": c.name} for c in layout.categories if c.remote],
    }


async def free_slots(ctx: Context, branch: str, category: str, day_text: str) -> dict[str, Any]:
    """A day's slots of a category, each with the places it has left (0 once it can no
    longer be booked)."""
    layout = await queries.layout_of(ctx, branch)
    cat, appointment = _bookable(layout, category)
    found = _slots(layout, appointment, _day(day_text))
    out: list[dict[str, Any]] = []
    slot_taken: dict[int, int] = {}
    hour_taken: dict[int, int] = {}
    if found:
        async with ctx.db.read() as tx:
            slot_taken = await stored.taken(tx, branch, cat.code, stored.SLOT, found[0].start, found[-1].end)
            hour_taken = await stored.taken(tx, branch, cat.code, stored.HOUR, found[0].hour, found[-1].end)
    now = ctx.clock()
    for slot in found:
        try:
            appts.check_when(appointment, slot, now, layout.zone)
            open_for_booking = True
        except BookingRefused:
            open_for_booking = False
        left = min(
            appointment.capacity - slot_taken.get(int(slot.start), 0),
            appointment.hour_limit(slot.slots_in_hour) - hour_taken.get(int(slot.hour), 0),
        )
        out.append(
            {
                "time": datetime.fromtimestamp(slot.start, layout.zone).strftime("%H:%M"),
                "start": iso(slot.start, layout.zone),
                "end": iso(slot.end, layout.zone),
                "free": max(0, left) if open_for_booking else 0,
            }
        )
    return {"date": day_text, "category": cat.code, "slots": out}


async def book(
    ctx: Context,
    branch: str,
    category: str,
    day_text: str,
    clock: str,
    *,
    phone: str | None = None,
    amount: int | None = None,
    currency: str | None = None,
    booked_by: str | None = None,
) -> dict[str, Any]:
    """A place in a slot, and the code (shown this once) that changes, cancels and checks it in."""
    async with UnitOfWork(ctx, branch) as uow:
        cat, appointment = _bookable(uow.layout, category)
        slot = _slot(uow.layout, appointment, _day(day_text), clock)
        _check(uow.layout, appointment, slot, uow.now, amount, currency)
        await _move_places(uow, cat.code, appointment, None, slot)
        code = secrets.token_urlsafe(16)  # 128 bits
        booking = Booking(
            id=uuid.uuid4().hex,
            branch=branch,
            category=cat.code,
            day=day_text,
            slot_start=slot.start,
            slot_end=slot.end,
            hour_start=slot.hour,
            status=BookingStatus.BOOKED,
            created_at=uow.now,
            updated_at=uow.now,
            phone=phone,
            amount=amount,
            currency=currency,
            booked_by=booked_by,
        )
        await stored.add(uow.tx, booking, code_hash(code))
        made = {**booking_json(booking, uow.layout), "code": code}
        if phone:
            await notifications.send(uow, NoticeKind.BOOKING_CONFIRMED, phone, made)
        await uow.commit()
    return made


async def send_reminders(uow: UnitOfWork) -> None:
    """The reminders due now, a day and an hour before a booked slot, marked as sent and
    written to the notifier's outbox in the sweep's unit of work: sent once."""
    for kind, notice_kind in (("day", NoticeKind.REMINDER_DAY_BEFORE), ("hour", NoticeKind.REMINDER_HOUR_BEFORE)):
        for booking in await stored.reminders_due(uow.tx, uow.branch, kind, uow.now):
            assert booking.phone is not None
            await notifications.send(uow, notice_kind, booking.phone, booking_json(booking, uow.layout))


async def near_turn(uow: UnitOfWork) -> None:
    """Checked-in booked customers with a phone number and ``NEAR_TURN`` or fewer ahead,
    each told once (marked and written to the outbox in the sweep's unit of work)."""
    found = await stored.checked_in_unnotified(uow.tx, uow.branch, uow.today)
    waiting = await stored_tickets.by_ids(uow.tx, uow.branch, [b.ticket_id for b in found if b.ticket_id])
    for booking in found:
        ticket = waiting.get(booking.ticket_id or "")
        if ticket is None or ticket.status != TicketStatus.WAITING:
            continue
        ahead, _ = await stored_tickets.queue_position(uow.tx, ticket, uow.layout.policy, uow.now)
        if ahead <= NEAR_TURN and await stored.mark_ahead_notified(uow.tx, booking, uow.now):
            assert booking.phone is not None
            data = {**booking_json(booking, uow.layout), "number": ticket.number, "ahead": ahead}
            await notifications.send(uow, NoticeKind.THREE_AHEAD, booking.phone, data)


async def _branch_of(ctx: Context, code: str) -> str:
    async with ctx.db.read() as tx:
        branch = await stored.branch_of(tx, code_hash(code))
    if branch is None:
        raise NotFound("no booking has this code")
    return branch


async def _load(uow: UnitOfWork, code: str) -> Booking:
    booking = await stored.by_code(uow.tx, uow.branch, code_hash(code), lock=True)
    if booking is None:
        raise NotFound("no booking of this branch has this code")
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(f"this booking is {booking.status.replace('_', ' ')}")
    return booking


async def show(ctx: Context, code: str) -> dict[str, Any]:
    branch = await _branch_of(ctx, code)
    async with ctx.db.read() as tx:
        booking = await stored.by_code(tx, branch, code_hash(code))
    layout = await queries.layout_of(ctx, branch)
    assert booking is not None
    return booking_json(booking, layout)


async def change(
    ctx: Context, code: str, day_text: str, clock: str, amount: int | None, currency: str | None
) -> dict[str, Any]:
    """Another slot (and amount), while the booked one can still be booked: its place is
    given back and the new one taken in one transaction."""
    branch = await _branch_of(ctx, code)
    async with UnitOfWork(ctx, branch) as uow:
        before = await _load(uow, code)
        _, appointment = _bookable(uow.layout, before.category)
        slot = _slot(uow.layout, appointment, _day(day_text), clock)
        amount = before.amount if amount is None else amount
        currency = before.currency if currency is None else currency
        _check(uow.layout, appointment, slot, uow.now, amount, currency)
        await _move_places(uow, before.category, appointment, before, slot)
        after = replace(
            before,
            day=day_text,
            slot_start=slot.start,
            slot_end=slot.end,
            hour_start=slot.hour,
            amount=amount,
            currency=currency,
            updated_at=uow.now,
        )
        if not await stored.save(uow.tx, before, after):
            raise Conflict("this booking changed meanwhile; look at it again")
        await _tell(uow, NoticeKind.BOOKING_CHANGED, after)
        await uow.commit()
    return booking_json(after, uow.layout)


async def _tell(uow: UnitOfWork, kind: NoticeKind, booking: Booking) -> None:
    """A booking's customer who left a number hears of a change they may not have made."""
    if booking.phone:
        await notifications.send(uow, kind, booking.phone, booking_json(booking, uow.layout))


async def cancel(ctx: Context, code: str) -> dict[str, Any]:
    branch = await _branch_of(ctx, code)
    async with UnitOfWork(ctx, branch) as uow:
        before = await _load(uow, code)
        after = replace(before, status=BookingStatus.CANCELLED, updated_at=uow.now)
        if not await stored.save(uow.tx, before, after):
            raise Conflict("this booking changed meanwhile; look at it again")
        await _move_places(uow, before.category, None, before, None)
        await _tell(uow, NoticeKind.BOOKING_CANCELLED, after)
        await uow.commit()
    return booking_json(after, uow.layout)


async def check_in(ctx: Context, branch: str, who: Principal, code: str, kiosk: str | None) -> dict[str, Any]:
    """The booked customer arrives: a normal ticket, printed like any other, that ranks from
    the slot's start, or from now when later than the grace period (docs/domain.md)."""
    profile = await ctx.profile(branch)
    async with UnitOfWork(ctx, branch) as uow:
        booking = await _load(uow, code)
        if booking.day != uow.today:
            raise Conflict(f"this booking is for {booking.day}, not today")
        printer = tickets.printing_kiosk(uow.layout, who, kiosk)
        if who.role == Role.KIOSK:
            tickets.refuse_when_closed(uow.layout, uow.now)
        cat = uow.layout.category(booking.category)
        if cat is None:
            raise Invalid(f"category {booking.category!r} is no longer in the layout; issue a ticket instead")
        queued_at = checkin_queued_at(booking, uow.now, uow.layout.policy.checkin_grace_minutes)
        shown = booking_json(booking, uow.layout)
        brief = {k: shown[k] for k in ("id", "time", "slot_start", "amount", "currency")}
        body, track_token = await tickets.issue_in(
            uow, profile, cat, Priority.NORMAL, printer, queued_at=queued_at, booking=brief
        )
        if not await stored.check_in(uow.tx, booking, body["id"], uow.now):
            raise Conflict("this booking changed meanwhile; look at it again")
        await uow.commit()
    return {**body, "track_token": track_token, "track_url": tickets.track_url(ctx, track_token)}


async def of_day(ctx: Context, branch: str, day_text: str | None) -> dict[str, Any]:
    """The day's bookings (default today) for the lobby manager, phone numbers included."""
    layout = await queries.layout_of(ctx, branch)
    day_text = day_text or datetime.fromtimestamp(ctx.clock(), layout.zone).date().isoformat()
    async with ctx.db.read() as tx:
        found = await stored.of_day(tx, branch, day_text)
    return {"date": day_text, "bookings": [booking_json(b, layout, staff=True) for b in found]}


async def cash(ctx: Context, branch: str, day_text: str | None) -> dict[str, Any]:
    """The booked withdrawals of a day (default tomorrow) the vault prepares, and their totals."""
    layout = await queries.layout_of(ctx, branch)
    tomorrow = datetime.fromtimestamp(ctx.clock(), layout.zone).date() + timedelta(days=1)
    day_text = day_text or tomorrow.isoformat()
    async with ctx.db.read() as tx:
        found = await stored.of_day(tx, branch, day_text)
    rows = [
        booking_json(b, layout, staff=True)
        for b in found
        if b.amount is not None and b.status != BookingStatus.CANCELLED
    ]
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["currency"]] = totals.get(row["currency"], 0) + row["amount"]
    return {"date": day_text, "withdrawals": rows, "totals": totals}


CASH_FIELDS = ["time", "slot_start", "slot_end", "category", "category_name", "amount", "currency", "status"]


async def cash_csv(ctx: Context, branch: str, day_text: str | None) -> tuple[str, str]:
    """The cash list as a CSV Excel opens as it is (with the BOM, as the reports)."""
    found = await cash(ctx, branch, day_text)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=CASH_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in found["withdrawals"]:
        writer.writerow(row)
    return found["date"], out.getvalue()
