"""The words lobbyq's parts share: ticket statuses, priorities, counter states, roles,
alert and event types. Each is a ``StrEnum``, so a member is its own wire string."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# A ticket at a counter.
ACTIVE = (TicketStatus.CALLED, TicketStatus.SERVING)
# A ticket still somewhere in the branch's queue or at a counter.
IN_QUEUE = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.POSTPONED)


class BookingStatus(StrEnum):
    """A booked slot: kept until cancelled or the customer checks in (issue #13)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"


class RemoteStatus(StrEnum):
    """A ticket taken from the phone: waiting to be confirmed at the branch (issue #13)."""

    WAITING = "waiting"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


class NoticeKind(StrEnum):
    """What a notice to a customer says (issue #13): its ``kind`` in the webhook's JSON."""

    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CHANGED = "booking.changed"
    BOOKING_CANCELLED = "booking.cancelled"
    REMINDER_DAY_BEFORE = "booking.reminder_day_before"
    REMINDER_HOUR_BEFORE = "booking.reminder_hour_before"
    THREE_AHEAD = "queue.three_ahead"  # a booked or remote customer: their turn is near


class Priority(StrEnum):
    """In call order: green channel, then VIP, then everyone else."""

    GREEN = "green"
    VIP = "vip"
    NORMAL = "normal"


class CounterState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    TELLER = "teller"
    KIOSK = "kiosk"
    DISPLAY = "display"
    AGENT = "agent"


# Roles that work the branch's tickets (see a ticket, act on it).
STAFF = (Role.MANAGER, Role.TELLER, Role.AGENT)


class AlertType(StrEnum):
    UNSATISFIED = "evaluation.unsatisfied"
    LONG_WAIT = "queue.long_wait"
    QUEUE_TOO_LONG = "queue.too_long"
    DEVICE_FAULT = "device.fault"
    MISSED_VULNERABLE = "ticket.missed_vulnerable"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKED = "acked"
    CLEARED = "cleared"  # its cause went away and the policy lets it clear itself


class EventType(StrEnum):
    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_SERVING = "ticket.serving"
    TICKET_DONE = "ticket.done"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_POSTPONED = "ticket.postponed"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_REASSIGNED = "ticket.reassigned"
    TICKET_PRIORITY_CHANGED = "ticket.priority_changed"
    TICKET_REQUEUED = "ticket.requeued"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_EXPIRED = "ticket.expired"
    TICKET_EVALUATED = "ticket.evaluated"
    TICKET_PRINTED = "ticket.printed"
    TICKET_PRINT_FAILED = "ticket.print_failed"
    TICKET_REPRINT = "ticket.reprint"
    COUNTER_OPENED = "counter.opened"
    COUNTER_CLOSED = "counter.closed"
    COUNTER_PAUSED = "counter.paused"
    COUNTER_RESUMED = "counter.resumed"
    ALERT_RAISED = "alert.raised"
    ALERT_ACKED = "alert.acked"
    ALERT_CLEARED = "alert.cleared"
    DEVICE_HEALTH = "device.health"
    BRANCH_UPDATED = "branch.updated"


# Events that announce a ticket at a window (voice, the hall's recent calls).
CALLS = (EventType.TICKET_CALLED, EventType.TICKET_RECALLED)


class Refusal(StrEnum):
    """Why a request was refused, in every error body's ``code``: pads and pages branch on
    it (and translate it), people read the ``message``."""

    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"
    UNAVAILABLE = "unavailable"
    COUNTER_CLOSED = "counter_closed"
    COUNTER_PAUSED = "counter_paused"
    NO_CUSTOMER = "no_customer"
    CUSTOMER_AT_COUNTER = "customer_at_counter"
    WRONG_STATE = "wrong_state"
    BRANCH_CLOSED = "branch_closed"
    SLOT_FULL = "slot_full"
