"""A remote ticket: taken from the phone, it holds a place in the queue from that moment,
and becomes a ticket when the customer confirms it at the branch (docs/domain.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .tickets import Ticket
from .vocabulary import Priority, RemoteStatus, TicketStatus

# Ranks after every ticket queued in the same instant: its issue order is not known yet.
LAST_SEQ = 2**62


@dataclass(frozen=True)
class RemoteTicket:
    id: str
    branch: str
    category: str
    day: str
    requested_at: float
    status: RemoteStatus
    ticket_id: str | None = None
    confirmed_at: float | None = None


def status_at(remote: RemoteTicket, now: float, confirm_minutes: int) -> RemoteStatus:
    """An unconfirmed remote ticket expires ``confirm_minutes`` after it was taken."""
    if remote.status == RemoteStatus.WAITING and now > remote.requested_at + confirm_minutes * 60:
        return RemoteStatus.EXPIRED
    return remote.status


def as_waiting(remote: RemoteTicket) -> Ticket:
    """The ticket it would be, to count who is ahead of it: never called while unconfirmed,
    it is not in the queue's table; those behind it are called first."""
    return Ticket(
        id=remote.id,
        branch=remote.branch,
        day=remote.day,
        number="",
        category=remote.category,
        priority=Priority.NORMAL,
        status=TicketStatus.WAITING,
        issued_at=remote.requested_at,
        queued_at=remote.requested_at,
        issue_seq=LAST_SEQ,
    )
