"""A teller's work at a counter: sign in, call, recall, serve, finish, transfer, pause.

Each operation locks the counter row first, so two presses at the same counter are
applied one after the other, and claims the next ticket with the store's claim query,
so two counters calling at the same instant never get the same ticket.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, desc, select, update

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..rules import tickets as moves
from ..rules.layout import Counter
from ..rules.tickets import Ticket
from ..representations import counter_json, ticket_json
from ..store import ticket_rows
from ..store.prepared import Prepared
from ..store.tables import counters, tickets
from . import alerts
from .auth import Principal
from .tickets import apply, load
from .unit_of_work import UnitOfWork


# Built once, with bind parameters (see store/ticket_rows.py for why).
_COUNTER_WHERE = (counters.c.branch == bindparam("w_branch"), counters.c.number == bindparam("w_number"))
_COUNTER = Prepared(select(counters).where(*_COUNTER_WHERE),
                    on_postgresql=select(counters).where(*_COUNTER_WHERE).with_for_update())


@lru_cache(maxsize=64)
def _set_counter(columns: tuple[str, ...]) -> Prepared:
    """Write some columns of the counter row and read it back in the same statement."""
    return Prepared(
        update(counters).where(*_COUNTER_WHERE)
        .values({name: bindparam(f"v_{name}") for name in columns})
        .returning(*counters.c)
    )


class CounterWork:
    """One operation at one counter, inside a unit of work."""

    def __init__(self, uow: UnitOfWork, who: Principal, number: int):
        self.uow = uow
        self.who = who
        self.number = number
        self.counter: Counter | None = uow.layout.counter(number)
        if self.counter is None:
            raise NotFound(f"counter {number} not found in branch {uow.branch!r}")

    async def lock(self, *, signed_in: bool = True):
        self.row = (await _COUNTER.execute(self.uow.conn, self._key())).one()
        if signed_in:
            if self.row.state == "closed":
                raise Conflict(f"counter {self.number} is closed; open it first")
            if self.who.role == "teller" and self.row.teller_token != self.who.token_hash:
                raise Forbidden(f"counter {self.number} is signed in by another teller")
        return self.row

    def _key(self) -> dict:
        return {"w_branch": self.uow.branch, "w_number": self.number}

    async def set(self, **values) -> None:
        values["updated_at"] = self.uow.now
        params = {f"v_{name}": value for name, value in values.items()}
        self.row = (await _set_counter(tuple(values)).execute(self.uow.conn, {**self._key(), **params})).one()

    async def current(self) -> Ticket | None:
        if self.row.current_ticket is None:
            return None
        return await ticket_rows.get(self.uow.conn, self.uow.branch, self.row.current_ticket, lock=True)

    async def require_current(self, move: str) -> Ticket:
        ticket = await self.current()
        if ticket is None or ticket.status not in moves.ACTIVE:
            # Name the state of the ticket the teller means (the last one at this counter),
            # so "start" after a finish says the ticket is done, not just "no customer".
            last = ticket or await self.last_ticket()
            why = f": its last ticket {last.number} is {last.status}" if last else ""
            raise Conflict(f"counter {self.number} has no customer to {move}{why}")
        return ticket

    async def last_ticket(self) -> Ticket | None:
        row = (await self.uow.conn.execute(
            ticket_rows.select_tickets().where(
                tickets.c.branch == self.uow.branch, tickets.c.day == self.uow.today, tickets.c.counter == self.number,
            ).order_by(desc(tickets.c.called_at)).limit(1)
        )).first()
        return ticket_rows.from_row(row) if row else None

    async def body(self) -> dict:
        current = await self.current()
        return counter_json(
            self.row, self.uow.zone, name=self.counter.name, serves=list(self.counter.serves),
            current=ticket_json(current, self.uow.zone) if current else None,
        )

    async def finish(self, ticket: Ticket) -> dict:
        done = moves.finish(ticket, self.uow.now, self.uow.layout.policy.evaluation_window_s)
        await self.set(current_ticket=None)
        return await apply(self.uow, ticket, done, "ticket.done")

    async def make_way(self) -> None:
        """Before a call: a customer being served is finished; one merely called is in the way."""
        ticket = await self.current()
        if ticket is None:
            return
        if ticket.status == "serving":
            await self.finish(ticket)
        elif ticket.status == "called":
            raise Conflict(
                f"ticket {ticket.number} is called at counter {self.number}; start, finish, skip or transfer it first"
            )
        else:
            await self.set(current_ticket=None)

    async def call(self, ticket: Ticket) -> dict:
        called = moves.call(ticket, self.number, self.row.teller, self.uow.now)
        await self.set(current_ticket=ticket.id)
        return await apply(self.uow, ticket, called, "ticket.called")


async def _counter_state(uow: UnitOfWork, who: Principal, number: int, event: str, change) -> dict:
    work = CounterWork(uow, who, number)
    await work.lock(signed_in=event != "counter.opened")
    await change(work)
    body = await work.body()
    await uow.emit(event, body)
    await uow.commit()
    return body


async def open_counter(uow: UnitOfWork, who: Principal, number: int) -> dict:
    async def change(work: CounterWork) -> None:
        row = work.row
        if row.state != "closed" and row.teller_token not in (None, who.token_hash) and who.role == "teller":
            raise Forbidden(f"counter {number} is signed in by {row.teller}")
        await work.set(state="open", teller=who.name, teller_token=who.token_hash, pause_reason=None)

    if who.role not in ("teller", "manager", "admin"):
        raise Forbidden("only a teller or a manager signs in at a counter")
    return await _counter_state(uow, who, number, "counter.opened", change)


async def close_counter(uow: UnitOfWork, who: Principal, number: int) -> dict:
    async def change(work: CounterWork) -> None:
        ticket = await work.current()
        if ticket is not None and ticket.status in moves.ACTIVE:
            raise Conflict(f"ticket {ticket.number} is still at counter {number}; finish or transfer it first")
        await work.set(state="closed", teller=None, teller_token=None, pause_reason=None, current_ticket=None)

    return await _counter_state(uow, who, number, "counter.closed", change)


async def pause_counter(uow: UnitOfWork, who: Principal, number: int, reason: str | None) -> dict:
    async def change(work: CounterWork) -> None:
        if work.row.state == "paused":
            raise Conflict(f"counter {number} is already paused")
        await work.set(state="paused", pause_reason=reason or None)

    return await _counter_state(uow, who, number, "counter.paused", change)


async def resume_counter(uow: UnitOfWork, who: Principal, number: int) -> dict:
    async def change(work: CounterWork) -> None:
        if work.row.state != "paused":
            raise Conflict(f"counter {number} is not paused")
        await work.set(state="open", pause_reason=None)

    return await _counter_state(uow, who, number, "counter.resumed", change)


def _callable(work: CounterWork) -> None:
    if work.row.state == "paused":
        raise Conflict(f"counter {work.number} is paused; resume it before calling")


async def call_next(uow: UnitOfWork, who: Principal, number: int) -> dict | None:
    work = CounterWork(uow, who, number)
    await work.lock()
    _callable(work)
    await work.make_way()
    ticket = await ticket_rows.claim_next(uow.conn, uow.branch, work.counter, uow.layout.policy, uow.now)
    body = await work.call(ticket) if ticket else None
    await uow.commit()
    return body


async def call_ticket(uow: UnitOfWork, who: Principal, number: int, ticket_id: str) -> dict:
    work = CounterWork(uow, who, number)
    await work.lock()
    _callable(work)
    ticket = await load(uow, ticket_id)
    if ticket.status not in ("waiting", "postponed"):
        raise Conflict(f"ticket {ticket.number} is {ticket.status}; only a waiting or postponed ticket can be called")
    await work.make_way()
    body = await work.call(ticket)
    await uow.commit()
    return body


async def on_current(uow: UnitOfWork, who: Principal, number: int, action: str, **args) -> dict:
    """recall, start, finish, skip, postpone, transfer: moves of the counter's current ticket."""
    work = CounterWork(uow, who, number)
    await work.lock()
    ticket = await work.require_current(action)
    now = uow.now
    if action == "recall":
        body = await apply(uow, ticket, moves.recall(ticket), "ticket.recalled")
    elif action == "start":
        body = await apply(uow, ticket, moves.start(ticket, now), "ticket.serving")
    elif action == "finish":
        body = await work.finish(ticket)
    elif action == "skip":
        after = moves.no_show(ticket, now)
        await work.set(current_ticket=None)
        body = await apply(uow, ticket, after, "ticket.no_show")
    elif action == "postpone":
        after = moves.postpone(ticket)
        await work.set(current_ticket=None)
        body = await apply(uow, ticket, after, "ticket.postponed")
    elif action == "transfer":
        after = _transfer(uow, ticket, args.get("category"), args.get("counter"))
        await work.set(current_ticket=None)
        body = await apply(uow, ticket, after, "ticket.transferred", from_counter=number)
    else:  # pragma: no cover - routes only pass the names above
        raise Invalid(f"unknown action {action!r}")
    await uow.commit()
    return body


def _transfer(uow: UnitOfWork, ticket: Ticket, category: str | None, counter: int | None) -> Ticket:
    if (category is None) == (counter is None):
        raise Invalid("transfer needs exactly one of category or counter")
    if category is not None and uow.layout.category(category) is None:
        raise Invalid(f"unknown category {category!r}")
    if counter is not None and uow.layout.counter(counter) is None:
        raise Invalid(f"unknown counter {counter}")
    if counter is not None and counter == ticket.counter:
        raise Invalid("a ticket cannot be transferred to the counter it is at")
    return moves.transfer(ticket, category=category, counter=counter)


async def evaluate(uow: UnitOfWork, who: Principal, number: int, score: int) -> dict:
    """A rating counts for the ticket whose evaluation window is open at this counter."""
    work = CounterWork(uow, who, number)
    await work.lock(signed_in=False)
    if who.role == "teller" and work.row.teller_token != who.token_hash:
        raise Forbidden(f"counter {number} is not yours to rate")
    row = (await uow.conn.execute(
        ticket_rows.select_tickets().where(
            tickets.c.branch == uow.branch, tickets.c.counter == number, tickets.c.status == "done",
            tickets.c.score.is_(None), tickets.c.evaluation_until >= uow.now,
        ).order_by(desc(tickets.c.finished_at)).limit(1)
    )).first()
    if row is None:
        await work.set(stray_presses=work.row.stray_presses + 1)
        await uow.commit()
        raise Conflict(f"no evaluation is open at counter {number}; the press was counted as stray")
    ticket = ticket_rows.from_row(row)
    body = await apply(uow, ticket, moves.evaluate(ticket, score, uow.now), "ticket.evaluated")
    if score == 4:
        await alerts.raise_alert(uow, "evaluation.unsatisfied", "", {
            "ticket_number": ticket.number, "ticket_id": ticket.id, "counter": number,
            "teller": ticket.teller, "score": score,
            "message": f"customer {ticket.number} was unsatisfied at counter {number} ({ticket.teller})",
        })
    await uow.commit()
    return body

