"""A ticket and the moves its state machine allows (docs/domain.md).

Each move is a pure function from a ticket (and the moment it happens) to the next
ticket, or an ``IllegalMove`` that names the state the ticket is in, which the API
turns into a 409.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import messages
from .vocabulary import ACTIVE, Priority, TicketStatus

PRIORITIES = tuple(Priority)
STATUSES = tuple(TicketStatus)
WAITING, CALLED, SERVING, DONE = TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE
NO_SHOW, POSTPONED = TicketStatus.NO_SHOW, TicketStatus.POSTPONED


class IllegalMove(Exception):
    """A move the ticket's current state does not allow. Its text is English until the
    unit of work that ran the move sets ``locale`` to the branch's language."""

    def __init__(self, ticket: Ticket, move: str, allowed: tuple[str, ...]):
        self.status = ticket.status
        self.number = ticket.number
        self.move = move
        self.allowed = allowed
        self.locale = messages.FALLBACK
        super().__init__(self.number, self.status, move, allowed)

    def __str__(self) -> str:
        return messages.illegal_move(self.number, self.status, self.move, self.allowed, self.locale)


@dataclass(frozen=True)
class Ticket:
    id: str
    branch: str
    day: str
    number: str
    category: str
    priority: Priority
    status: TicketStatus
    issued_at: float
    queued_at: float
    issue_seq: int
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    counter: int | None = None
    pinned_counter: int | None = None
    recall_count: int = 0
    score: int | None = None
    kiosk: str | None = None
    teller: str | None = None
    evaluation_until: float | None = None
    estimated_wait_s: int | None = None
    print_failed: bool = False


def _require(ticket: Ticket, move: str, *allowed: TicketStatus) -> None:
    if ticket.status not in allowed:
        raise IllegalMove(ticket, move, allowed)


def call(ticket: Ticket, counter: int, teller: str | None, now: float) -> Ticket:
    """A waiting ticket (or a postponed one called back) goes to a counter; a service
    begun before a postpone is over, so the next one starts afresh."""
    _require(ticket, "call", WAITING, POSTPONED)
    return replace(ticket, status=CALLED, counter=counter, teller=teller, called_at=now, started_at=None)


def recall(ticket: Ticket) -> Ticket:
    _require(ticket, "recall", CALLED)
    return replace(ticket, recall_count=ticket.recall_count + 1)


def start(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "start", CALLED)
    return replace(ticket, status=SERVING, started_at=now)


def finish(ticket: Ticket, now: float, evaluation_window_s: int) -> Ticket:
    """Finishing from ``called`` passes through ``serving`` implicitly."""
    _require(ticket, "finish", *ACTIVE)
    return replace(
        ticket,
        status=DONE,
        started_at=ticket.started_at or now,
        finished_at=now,
        evaluation_until=now + evaluation_window_s,
    )


def no_show(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "no-show", CALLED)
    return replace(ticket, status=NO_SHOW, finished_at=now)


def postpone(ticket: Ticket) -> Ticket:
    """The customer steps aside (a form to fill); the ticket comes back only by an explicit call."""
    _require(ticket, "postpone", *ACTIVE)
    return replace(ticket, status=POSTPONED)


def transfer(ticket: Ticket, *, category: str | None = None, counter: int | None = None) -> Ticket:
    """Back to waiting, keeping ``queued_at``; a named counter pins it there."""
    _require(ticket, "transfer", *ACTIVE)
    return replace(
        ticket,
        status=WAITING,
        category=category or ticket.category,
        pinned_counter=counter,
        counter=None,
        called_at=None,
        started_at=None,
        teller=None,
    )


def requeue(ticket: Ticket, now: float, keep_place: bool) -> Ticket:
    _require(ticket, "requeue", NO_SHOW)
    return replace(
        ticket,
        status=WAITING,
        queued_at=ticket.queued_at if keep_place else now,
        counter=None,
        called_at=None,
        started_at=None,
        finished_at=None,
        teller=None,
    )


def cancel(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "cancel", WAITING)
    return replace(ticket, status=TicketStatus.CANCELLED, finished_at=now)


def expire(ticket: Ticket) -> Ticket:
    _require(ticket, "expire", WAITING)
    return replace(ticket, status=TicketStatus.EXPIRED)


def reassign(ticket: Ticket, category: str) -> Ticket:
    """Wrong-category fix: same place in time, new category."""
    _require(ticket, "reassign", WAITING, CALLED, SERVING, POSTPONED)
    if ticket.status == WAITING:
        return replace(ticket, category=category)
    # At a counter already: the customer goes back to the queue of the right category.
    return replace(
        ticket,
        category=category,
        status=WAITING,
        counter=None,
        pinned_counter=None,
        called_at=None,
        started_at=None,
        teller=None,
    )


def change_priority(ticket: Ticket, priority: Priority) -> Ticket:
    _require(ticket, "priority change", WAITING, CALLED, SERVING, POSTPONED, NO_SHOW)
    return replace(ticket, priority=priority)


def evaluate(ticket: Ticket, score: int, now: float) -> Ticket:
    if (
        ticket.status != DONE
        or ticket.score is not None
        or not ticket.evaluation_until
        or now > ticket.evaluation_until
    ):
        raise IllegalMove(ticket, "evaluation", ("done within its evaluation window",))
    return replace(ticket, score=score, evaluation_until=None)
