"""A teller's work at a counter: sign in, call, recall, serve, finish, transfer, pause,
and the customer's rating after.

Each operation locks the counter first, so two presses at one counter apply one after
the other, and claims the next ticket with the store's claim, so two counters calling
at the same instant never get the same ticket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..rules import tickets as moves
from ..rules.counters import CounterRecord
from ..rules.layout import Counter
from ..rules.representations import counter_json, ticket_json
from ..rules.tickets import Ticket
from ..rules.vocabulary import ACTIVE, AlertType, CounterState, EventType, Refusal, Role, TicketStatus
from ..store import counters, evaluations, tickets
from . import alerts
from .auth import Principal
from .context import Context
from .tickets import apply, load
from .unit_of_work import UnitOfWork


class CounterWork:
    """One operation at one counter, inside a unit of work."""

    record: CounterRecord

    def __init__(self, uow: UnitOfWork, who: Principal, number: int):
        self.uow = uow
        self.who = who
        self.number = number
        counter = uow.layout.counter(number)
        if counter is None:
            raise NotFound(f"counter {number} not found in branch {uow.branch!r}")
        self.counter: Counter = counter

    async def lock(self, *, signed_in: bool = True) -> CounterRecord:
        record = await counters.lock(self.uow.tx, self.uow.branch, self.number)
        if record is None:
            raise NotFound(f"counter {self.number} not found in branch {self.uow.branch!r}")
        self.record = record
        if signed_in:
            if record.state == CounterState.CLOSED:
                raise Conflict(f"counter {self.number} is closed; open it first", Refusal.COUNTER_CLOSED)
            if self.who.role == Role.TELLER and record.teller_token != self.who.token_hash:
                raise Forbidden(f"counter {self.number} is signed in by another teller")
        return record

    async def set(self, **values: Any) -> None:
        self.record = await counters.set_fields(self.uow.tx, self.uow.branch, self.number, self.uow.now, **values)

    async def current(self) -> Ticket | None:
        if self.record.current_ticket is None:
            return None
        return await tickets.get(self.uow.tx, self.uow.branch, self.record.current_ticket, lock=True)

    async def require_current(self, move: str) -> Ticket:
        ticket = await self.current()
        if ticket is None or ticket.status not in ACTIVE:
            # Name the state of the ticket the teller means (the last one at this counter),
            # so "start" after a finish says the ticket is done, not just "no customer".
            last = ticket or await tickets.last_at_counter(self.uow.tx, self.uow.branch, self.uow.today, self.number)
            why = f": its last ticket {last.number} is {last.status}" if last else ""
            raise Conflict(f"counter {self.number} has no customer to {move}{why}", Refusal.NO_CUSTOMER)
        return ticket

    def require_not_paused(self) -> None:
        if self.record.state == CounterState.PAUSED:
            raise Conflict(f"counter {self.number} is paused; resume it before calling", Refusal.COUNTER_PAUSED)

    async def body(self) -> dict[str, Any]:
        current = await self.current()
        return counter_json(
            self.record,
            self.uow.zone,
            name=self.counter.name,
            serves=list(self.counter.serves),
            current=ticket_json(current, self.uow.zone) if current else None,
        )

    async def finish(self, ticket: Ticket) -> dict[str, Any]:
        done = moves.finish(ticket, self.uow.now, self.uow.layout.policy.evaluation_window_s)
        await self.set(current_ticket=None)
        return await apply(self.uow, ticket, done, EventType.TICKET_DONE)

    async def make_way(self) -> None:
        """Before a call: a customer being served is finished; one merely called is in the way."""
        ticket = await self.current()
        if ticket is None:
            return
        if ticket.status == TicketStatus.SERVING:
            await self.finish(ticket)
        elif ticket.status == TicketStatus.CALLED:
            raise Conflict(
                f"ticket {ticket.number} is called at counter {self.number}; start, finish, skip or transfer it first",
                Refusal.CUSTOMER_AT_COUNTER,
            )
        else:
            await self.set(current_ticket=None)

    async def call(self, ticket: Ticket) -> dict[str, Any]:
        called = moves.call(ticket, self.number, self.record.teller, self.uow.now)
        await self.set(current_ticket=ticket.id)
        return await apply(self.uow, ticket, called, EventType.TICKET_CALLED)


Change = Callable[[CounterWork], Awaitable[None]]


async def _change_state(
    ctx: Context, branch: str, who: Principal, number: int, event: EventType, change: Change
) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock(signed_in=event != EventType.COUNTER_OPENED)
        await change(work)
        body = await work.body()
        uow.record(event, body)
        await uow.commit()
    return body


async def open_counter(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        record = work.record
        taken = record.state != CounterState.CLOSED and record.teller_token not in (None, who.token_hash)
        if taken and who.role == Role.TELLER:
            raise Forbidden(f"counter {number} is signed in by {record.teller}")
        await work.set(state=CounterState.OPEN, teller=who.name, teller_token=who.token_hash, pause_reason=None)

    if who.role not in (Role.TELLER, Role.MANAGER, Role.ADMIN):
        raise Forbidden("only a teller or a manager signs in at a counter")
    return await _change_state(ctx, branch, who, number, EventType.COUNTER_OPENED, change)


async def close_counter(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        ticket = await work.current()
        if ticket is not None and ticket.status in ACTIVE:
            raise Conflict(
                f"ticket {ticket.number} is still at counter {number}; finish or transfer it first",
                Refusal.CUSTOMER_AT_COUNTER,
            )
        await work.set(
            state=CounterState.CLOSED, teller=None, teller_token=None, pause_reason=None, current_ticket=None
        )

    return await _change_state(ctx, branch, who, number, EventType.COUNTER_CLOSED, change)


async def pause_counter(ctx: Context, branch: str, who: Principal, number: int, reason: str | None) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        if work.record.state == CounterState.PAUSED:
            raise Conflict(f"counter {number} is already paused", Refusal.COUNTER_PAUSED)
        await work.set(state=CounterState.PAUSED, pause_reason=reason or None)

    return await _change_state(ctx, branch, who, number, EventType.COUNTER_PAUSED, change)


async def resume_counter(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        if work.record.state != CounterState.PAUSED:
            raise Conflict(f"counter {number} is not paused")
        await work.set(state=CounterState.OPEN, pause_reason=None)

    return await _change_state(ctx, branch, who, number, EventType.COUNTER_RESUMED, change)


async def call_next(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any] | None:
    """The next ticket in the order of docs/domain.md, called to this counter; None when nobody waits."""
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock()
        work.require_not_paused()
        await work.make_way()
        ticket = await tickets.claim_next(uow.tx, branch, work.counter, uow.layout.policy, uow.now)
        body = await work.call(ticket) if ticket else None
        await uow.commit()
    return body


async def call_ticket(ctx: Context, branch: str, who: Principal, number: int, ticket_id: str) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock()
        work.require_not_paused()
        ticket = await load(uow, ticket_id)
        if ticket.status not in (TicketStatus.WAITING, TicketStatus.POSTPONED):
            raise Conflict(
                f"ticket {ticket.number} is {ticket.status}; only a waiting or postponed ticket can be called",
                Refusal.WRONG_STATE,
            )
        await work.make_way()
        body = await work.call(ticket)
        await uow.commit()
    return body


async def _recall(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
    return await apply(work.uow, ticket, moves.recall(ticket), EventType.TICKET_RECALLED)


async def _start(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
    return await apply(work.uow, ticket, moves.start(ticket, work.uow.now), EventType.TICKET_SERVING)


async def _finish(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
    return await work.finish(ticket)


async def _skip(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
    await work.set(current_ticket=None)
    return await apply(work.uow, ticket, moves.no_show(ticket, work.uow.now), EventType.TICKET_NO_SHOW)


async def _postpone(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
    await work.set(current_ticket=None)
    return await apply(work.uow, ticket, moves.postpone(ticket), EventType.TICKET_POSTPONED)


CurrentMove = Callable[[CounterWork, Ticket], Awaitable[dict[str, Any]]]
# Moves of the counter's current ticket, by the name the routes and keypads use.
ON_CURRENT: dict[str, CurrentMove] = {
    "recall": _recall,
    "start": _start,
    "finish": _finish,
    "skip": _skip,
    "postpone": _postpone,
}


async def _on_current(
    ctx: Context, branch: str, who: Principal, number: int, action: str, move: CurrentMove
) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock()
        ticket = await work.require_current(action)
        body = await move(work, ticket)
        await uow.commit()
    return body


async def on_current(ctx: Context, branch: str, who: Principal, number: int, action: str) -> dict[str, Any]:
    """recall, start, finish, skip or postpone the counter's current ticket."""
    move = ON_CURRENT.get(action)
    if move is None:
        raise Invalid(f"unknown action {action!r}; one of {', '.join(ON_CURRENT)}")
    return await _on_current(ctx, branch, who, number, action, move)


async def transfer(
    ctx: Context, branch: str, who: Principal, number: int, category: str | None, counter: int | None
) -> dict[str, Any]:
    """The current ticket back to waiting, keeping its place in time: for another category,
    or pinned to another counter (转柜)."""

    async def move(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
        layout = work.uow.layout
        if (category is None) == (counter is None):
            raise Invalid("transfer needs exactly one of category or counter")
        if category is not None and layout.category(category) is None:
            raise Invalid(f"unknown category {category!r}")
        if counter is not None and layout.counter(counter) is None:
            raise Invalid(f"unknown counter {counter}")
        if counter is not None and counter == ticket.counter:
            raise Invalid("a ticket cannot be transferred to the counter it is at")
        after = moves.transfer(ticket, category=category, counter=counter)
        await work.set(current_ticket=None)
        return await apply(work.uow, ticket, after, EventType.TICKET_TRANSFERRED, from_counter=number)

    return await _on_current(ctx, branch, who, number, "transfer", move)


async def evaluate(ctx: Context, branch: str, who: Principal, number: int, score: int) -> dict[str, Any]:
    """A rating counts for the ticket whose evaluation window is open at this counter;
    any other press is counted as stray and refused."""
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock(signed_in=False)
        if who.role == Role.TELLER and work.record.teller_token != who.token_hash:
            raise Forbidden(f"counter {number} is not yours to rate")
        ticket = await evaluations.open_at(uow.tx, branch, number, uow.now)
        if ticket is None:
            await work.set(stray_presses=work.record.stray_presses + 1)
            await uow.commit()
            raise Conflict(f"no evaluation is open at counter {number}; the press was counted as stray")
        body = await apply(uow, ticket, moves.evaluate(ticket, score, uow.now), EventType.TICKET_EVALUATED)
        if score == 4:
            await alerts.raise_alert(
                uow,
                AlertType.UNSATISFIED,
                "",
                {
                    "ticket_number": ticket.number,
                    "ticket_id": ticket.id,
                    "counter": number,
                    "teller": ticket.teller,
                    "score": score,
                    "message": f"customer {ticket.number} was unsatisfied at counter {number} ({ticket.teller})",
                },
            )
        await uow.commit()
    return body
