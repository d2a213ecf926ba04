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
from ..rules.business_day import iso
from ..rules.counters import CounterRecord, transfer_target
from ..rules.layout import Counter
from ..rules.messages import Message, say, word
from ..rules.representations import counter_json, ticket_json
from ..rules.tickets import Ticket
from ..rules.vocabulary import ACTIVE, AlertType, CounterState, EventType, Priority, Refusal, Role, TicketStatus
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
            raise NotFound(self.say(Message.COUNTER_NOT_FOUND, counter=number))
        self.counter: Counter = counter

    def say(self, kind: Message, /, **facts: Any) -> str:
        """A text for the teller, in the branch's language."""
        return say(kind, self.uow.layout.locale, **facts)

    async def lock(self, *, signed_in: bool = True) -> CounterRecord:
        record = await counters.lock(self.uow.tx, self.uow.branch, self.number)
        if record is None:
            raise NotFound(self.say(Message.COUNTER_NOT_FOUND, counter=self.number))
        self.record = record
        if signed_in:
            if record.state == CounterState.CLOSED:
                raise Conflict(self.say(Message.COUNTER_CLOSED_OPEN_FIRST, counter=self.number), Refusal.COUNTER_CLOSED)
            if self.who.role == Role.TELLER and record.teller_token != self.who.token_hash:
                raise Forbidden(self.say(Message.COUNTER_OF_ANOTHER_TELLER, counter=self.number))
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
            lang = self.uow.layout.locale
            facts: dict[str, Any] = {"counter": self.number, "move": word(move, lang)}
            if last is None:
                raise Conflict(self.say(Message.NO_CUSTOMER, **facts), Refusal.NO_CUSTOMER)
            message = self.say(Message.NO_CUSTOMER_LAST, ticket=last.number, status=word(last.status, lang), **facts)
            raise Conflict(message, Refusal.NO_CUSTOMER)
        return ticket

    def require_not_paused(self) -> None:
        if self.record.state == CounterState.PAUSED:
            raise Conflict(self.say(Message.COUNTER_PAUSED_RESUME_FIRST, counter=self.number), Refusal.COUNTER_PAUSED)

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
                self.say(Message.CUSTOMER_CALLED_HERE, ticket=ticket.number, counter=self.number),
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
            raise Forbidden(work.say(Message.COUNTER_SIGNED_IN_BY, counter=number, teller=record.teller))
        await work.set(state=CounterState.OPEN, teller=who.name, teller_token=who.token_hash, pause_reason=None)

    if who.role not in (Role.TELLER, Role.MANAGER, Role.ADMIN):
        raise Forbidden("only a teller or a manager signs in at a counter")
    return await _change_state(ctx, branch, who, number, EventType.COUNTER_OPENED, change)


async def close_counter(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        ticket = await work.current()
        if ticket is not None and ticket.status in ACTIVE:
            raise Conflict(
                work.say(Message.CUSTOMER_STILL_HERE, ticket=ticket.number, counter=number),
                Refusal.CUSTOMER_AT_COUNTER,
            )
        await work.set(
            state=CounterState.CLOSED, teller=None, teller_token=None, pause_reason=None, current_ticket=None
        )

    return await _change_state(ctx, branch, who, number, EventType.COUNTER_CLOSED, change)


async def pause_counter(ctx: Context, branch: str, who: Principal, number: int, reason: str | None) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        if work.record.state == CounterState.PAUSED:
            raise Conflict(work.say(Message.COUNTER_ALREADY_PAUSED, counter=number), Refusal.COUNTER_PAUSED)
        await work.set(state=CounterState.PAUSED, pause_reason=reason or None)

    return await _change_state(ctx, branch, who, number, EventType.COUNTER_PAUSED, change)


async def resume_counter(ctx: Context, branch: str, who: Principal, number: int) -> dict[str, Any]:
    async def change(work: CounterWork) -> None:
        if work.record.state != CounterState.PAUSED:
            raise Conflict(work.say(Message.COUNTER_NOT_PAUSED, counter=number))
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
            status = word(ticket.status, uow.layout.locale)
            raise Conflict(
                work.say(Message.ONLY_WAITING_CALLED, ticket=ticket.number, status=status), Refusal.WRONG_STATE
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
    """The customer did not come. A no-show is final (only the manager's requeue brings it
    back), so a green-channel customer missed — the elderly customer who did not hear
    the call — is at once an alert: the manager goes to find them in the hall."""
    await work.set(current_ticket=None)
    body = await apply(work.uow, ticket, moves.no_show(ticket, work.uow.now), EventType.TICKET_NO_SHOW)
    if ticket.priority == Priority.GREEN:
        await alerts.raise_alert(
            work.uow,
            AlertType.MISSED_VULNERABLE,
            ticket.id,
            {
                "ticket_number": ticket.number,
                "ticket_id": ticket.id,
                "category": ticket.category,
                "counter": work.number,
                "counter_name": work.counter.name,
                "called_at": iso(ticket.called_at, work.uow.zone),
            },
        )
    return body


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
    or pinned to another counter (转柜). A closed counter is refused (nobody would call the
    customer there); a paused one is accepted with a ``warning`` for the teller."""

    async def move(work: CounterWork, ticket: Ticket) -> dict[str, Any]:
        layout = work.uow.layout
        if (category is None) == (counter is None):
            raise Invalid(work.say(Message.TRANSFER_ONE_TARGET))
        if category is not None and layout.category(category) is None:
            raise Invalid(work.say(Message.TRANSFER_UNKNOWN_CATEGORY, category=category))
        warning = None
        if counter is not None:
            if layout.counter(counter) is None:
                raise Invalid(work.say(Message.TRANSFER_UNKNOWN_COUNTER, counter=counter))
            if counter == ticket.counter:
                raise Invalid(work.say(Message.TRANSFER_SAME_COUNTER, counter=counter))
            # Read, not locked: two tellers transferring to each other's counter must not
            # wait on each other; a target closing a moment later is the manager's to see.
            target = await counters.get(work.uow.tx, work.uow.branch, counter)
            refusal = transfer_target(target.state if target else CounterState.CLOSED)
            if refusal == Refusal.COUNTER_CLOSED:
                raise Conflict(work.say(Message.COUNTER_CLOSED, counter=counter), Refusal.COUNTER_CLOSED)
            if refusal == Refusal.COUNTER_PAUSED:
                text = work.say(Message.TRANSFER_TO_PAUSED, counter=counter, ticket=ticket.number)
                warning = {"code": Refusal.COUNTER_PAUSED, "message": text}
        after = moves.transfer(ticket, category=category, counter=counter)
        await work.set(current_ticket=None)
        body = await apply(work.uow, ticket, after, EventType.TICKET_TRANSFERRED, from_counter=number)
        # The warning is the teller's answer only: the event (the same dict) stays the ticket.
        return body if warning is None else {**body, "warning": warning}

    return await _on_current(ctx, branch, who, number, "transfer", move)


async def evaluate(ctx: Context, branch: str, who: Principal, number: int, score: int) -> dict[str, Any]:
    """A rating counts for the ticket whose evaluation window is open at this counter;
    any other press is counted as stray and refused."""
    async with UnitOfWork(ctx, branch) as uow:
        work = CounterWork(uow, who, number)
        await work.lock(signed_in=False)
        if who.role == Role.TELLER and work.record.teller_token != who.token_hash:
            raise Forbidden(work.say(Message.NOT_YOURS_TO_RATE, counter=number))
        ticket = await evaluations.open_at(uow.tx, branch, number, uow.now)
        if ticket is None:
            await work.set(stray_presses=work.record.stray_presses + 1)
            await uow.commit()
            raise Conflict(work.say(Message.NO_EVALUATION_OPEN, counter=number))
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
                },
            )
        await uow.commit()
    return body
