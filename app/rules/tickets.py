"""A ticket and the moves its state machine allows (DESIGN §2).

Each move is a pure function from a ticket (and the moment it happens) to the next
ticket, or an ``IllegalMove`` that names the state the ticket is in, which the API
turns into a 409.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

PRIORITIES = ("green", "vip", "normal")
STATUSES = ("waiting", "called", "serving", "done", "no_show", "postponed", "cancelled", "expired")
ACTIVE = ("called", "serving")  # a ticket at a counter


class IllegalMove(Exception):
    """A move the ticket's current state does not allow."""

    def __init__(self, ticket: "Ticket", move: str, allowed: tuple[str, ...]):
        self.status = ticket.status
        super().__init__(
            f"ticket {ticket.number} is {ticket.status}; {move} needs it to be {' or '.join(allowed)}"
        )


@dataclass(frozen=True)
class Ticket:
    id: str
    branch: str
    day: str
    number: str
    category: str
    priority: str
    status: str
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


def _require(ticket: Ticket, move: str, *allowed: str) -> None:
    if ticket.status not in allowed:
        raise IllegalMove(ticket, move, allowed)


def call(ticket: Ticket, counter: int, teller: str | None, now: float) -> Ticket:
    """A waiting ticket (or a postponed one called back) goes to a counter."""
    _require(ticket, "call", "waiting", "postponed")
    return replace(ticket, status="called", counter=counter, teller=teller, called_at=now)


def recall(ticket: Ticket) -> Ticket:
    _require(ticket, "recall", "called")
    return replace(ticket, recall_count=ticket.recall_count + 1)


def start(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "start", "called")
    return replace(ticket, status="serving", started_at=now)


def finish(ticket: Ticket, now: float, evaluation_window_s: int) -> Ticket:
    """Finishing from ``called`` passes through ``serving`` implicitly."""
    _require(ticket, "finish", *ACTIVE)
    return replace(
        ticket, status="done", started_at=ticket.started_at or now, finished_at=now,
        evaluation_until=now + evaluation_window_s,
    )


def no_show(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "no-show", "called")
    return replace(ticket, status="no_show", finished_at=now)


def postpone(ticket: Ticket) -> Ticket:
    """The customer steps aside (a form to fill); the ticket comes back only by an explicit call."""
    _require(ticket, "postpone", *ACTIVE)
    return replace(ticket, status="postponed")


def transfer(ticket: Ticket, *, category: str | None = None, counter: int | None = None) -> Ticket:
    """Back to waiting, keeping ``queued_at``; a named counter pins it there."""
    _require(ticket, "transfer", *ACTIVE)
    return replace(
        ticket, status="waiting", category=category or ticket.category, pinned_counter=counter,
        counter=None, called_at=None, started_at=None, teller=None,
    )


def requeue(ticket: Ticket, now: float, keep_place: bool) -> Ticket:
    _require(ticket, "requeue", "no_show")
    return replace(
        ticket, status="waiting", queued_at=ticket.queued_at if keep_place else now,
        counter=None, called_at=None, started_at=None, finished_at=None, teller=None,
    )


def cancel(ticket: Ticket, now: float) -> Ticket:
    _require(ticket, "cancel", "waiting")
    return replace(ticket, status="cancelled", finished_at=now)


def expire(ticket: Ticket) -> Ticket:
    _require(ticket, "expire", "waiting")
    return replace(ticket, status="expired")


def reassign(ticket: Ticket, category: str) -> Ticket:
    """Wrong-category fix: same place in time, new category."""
    _require(ticket, "reassign", "waiting", "called", "serving", "postponed")
    if ticket.status == "waiting":
        return replace(ticket, category=category)
    # At a counter already: the customer goes back to the queue of the right category.
    return replace(
        ticket, category=category, status="waiting", counter=None, pinned_counter=None,
        called_at=None, started_at=None, teller=None,
    )


def change_priority(ticket: Ticket, priority: str) -> Ticket:
    _require(ticket, "priority change", "waiting", "called", "serving", "postponed", "no_show")
    return replace(ticket, priority=priority)


def evaluate(ticket: Ticket, score: int, now: float) -> Ticket:
    if ticket.status != "done" or ticket.score is not None or not ticket.evaluation_until or now > ticket.evaluation_until:
        raise IllegalMove(ticket, "evaluation", ("done within its evaluation window",))
    return replace(ticket, score=score, evaluation_until=None)
