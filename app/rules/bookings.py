"""A booking of an appointment slot, and how its ticket ranks at check-in (docs/domain.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .business_day import iso
from .layout import Layout
from .vocabulary import BookingStatus

# A booked or remote customer is told their turn is near once this many or fewer are ahead.
NEAR_TURN = 3


@dataclass(frozen=True)
class Booking:
    id: str
    branch: str
    category: str
    day: str
    slot_start: float
    slot_end: float
    hour_start: float
    status: BookingStatus
    created_at: float
    updated_at: float
    phone: str | None = None
    amount: int | None = None
    currency: str | None = None
    booked_by: str | None = None
    ticket_id: str | None = None
    checked_in_at: float | None = None


def checkin_queued_at(booking: Booking, now: float, grace_minutes: int) -> float:
    """Where a checked-in booking's ticket stands in the queue: at the slot's start for a
    customer early or on time (an early one waits behind those queued before the slot),
    at the check-in for one later than the grace period, who becomes a walk-in."""
    if now <= booking.slot_start + grace_minutes * 60:
        return booking.slot_start
    return now


def booking_json(booking: Booking, layout: Layout, *, staff: bool = False) -> dict[str, Any]:
    """A booking as the API shows it; the phone number and who booked only to staff."""
    zone = layout.zone
    cat = layout.category(booking.category)
    data: dict[str, Any] = {
        "id": booking.id,
        "branch": booking.branch,
        "branch_name": layout.name,
        "category": booking.category,
        "category_name": cat.name if cat else booking.category,
        "date": booking.day,
        "time": datetime.fromtimestamp(booking.slot_start, zone).strftime("%H:%M"),
        "slot_start": iso(booking.slot_start, zone),
        "slot_end": iso(booking.slot_end, zone),
        "status": booking.status,
        "amount": booking.amount,
        "currency": booking.currency,
        "ticket_id": booking.ticket_id,
        "checked_in_at": iso(booking.checked_in_at, zone),
        "created_at": iso(booking.created_at, zone),
    }
    if staff:
        data["phone"] = booking.phone
        data["booked_by"] = booking.booked_by
    return data
