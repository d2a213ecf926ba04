"""What a report says of bookings and remote tickets (issue #13 item 9): how many were
booked, cancelled, checked in and missed, and the waits of booked customers apart from
the walk-ins'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .bookings import Booking
from .remote import RemoteTicket, status_at
from .stats import _summary as summary
from .tickets import Ticket
from .vocabulary import BookingStatus, RemoteStatus


def booked_wait(ticket: Ticket) -> float | None:
    """A booked customer's wait: from the later of the slot's start (``queued_at``) and the
    arrival to the call; an early arrival's wait before the slot was chosen, not imposed."""
    if ticket.called_at is None:
        return None
    return ticket.called_at - max(ticket.issued_at, ticket.queued_at)


def booking_report(
    bookings: Iterable[Booking],
    remotes: Iterable[RemoteTicket],
    tickets_by_id: Mapping[str, Ticket],
    now: float,
    confirm_minutes: int,
) -> dict[str, Any]:
    bookings = list(bookings)
    remotes = list(remotes)
    checked = [b for b in bookings if b.status == BookingStatus.CHECKED_IN]
    pairs = [
        (b, tickets_by_id[b.ticket_id]) for b in checked if b.ticket_id is not None and b.ticket_id in tickets_by_id
    ]
    waits = [w for w in (booked_wait(t) for _, t in pairs) if w is not None]
    remote_status = [status_at(r, now, confirm_minutes) for r in remotes]
    return {
        "booked": len(bookings),
        "cancelled": sum(b.status == BookingStatus.CANCELLED for b in bookings),
        "checked_in": len(checked),
        # past its slot and never checked in
        "no_show": sum(b.status == BookingStatus.BOOKED and b.slot_end < now for b in bookings),
        # checked in past the grace period: queued from the check-in, as walk-ins
        "late": sum(t.queued_at > b.slot_start for b, t in pairs),
        "wait_s": summary(waits),
        "remote": {
            "taken": len(remotes),
            "confirmed": remote_status.count(RemoteStatus.CONFIRMED),
            "expired": remote_status.count(RemoteStatus.EXPIRED),
        },
    }
