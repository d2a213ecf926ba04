"""Counter rows: their state, the teller signed in and the ticket they serve now."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..rules.counters import CounterRecord
from ..rules.vocabulary import CounterState
from .statement import Statement
from .tables import counters
from .transaction import Transaction, first, one

_COLUMNS = tuple(
    counters.c[name]
    for name in (
        "number",
        "state",
        "teller",
        "teller_token",
        "current_ticket",
        "pause_reason",
        "stray_presses",
        "updated_at",
    )
)
_KEY = (counters.c.branch == bindparam("w_branch"), counters.c.number == bindparam("w_number"))


def _record(row: Any) -> CounterRecord:
    number, state, *rest = row
    return CounterRecord(number, CounterState(state), *rest)


_GET = select(*_COLUMNS).where(*_KEY)
# Locked on PostgreSQL, so two presses at one counter apply one after the other.
_LOCK = Statement(_GET, _GET.with_for_update())
_OF_BRANCH = Statement(select(*_COLUMNS).where(counters.c.branch == bindparam("w_branch")).order_by(counters.c.number))
_ADD = Statement(insert(counters))
_REMOVE = Statement(delete(counters).where(*_KEY))
_FREE = Statement(
    update(counters)
    .where(*_KEY, counters.c.current_ticket == bindparam("ticket"))
    .values(current_ticket=None, updated_at=bindparam("now"))
)


_READ = Statement(_GET)


async def get(tx: Transaction, branch: str, number: int) -> CounterRecord | None:
    """A counter as it stands, not locked."""
    row = await first(tx, _READ, {"w_branch": branch, "w_number": number})
    return _record(row) if row else None


async def lock(tx: Transaction, branch: str, number: int) -> CounterRecord | None:
    row = await first(tx, _LOCK, {"w_branch": branch, "w_number": number})
    return _record(row) if row else None


@lru_cache(maxsize=64)
def _set(columns: tuple[str, ...]) -> Statement:
    return Statement(
        update(counters).where(*_KEY).values({name: bindparam(f"v_{name}") for name in columns}).returning(*_COLUMNS)
    )


async def set_fields(tx: Transaction, branch: str, number: int, now: float, **values: Any) -> CounterRecord:
    """Write some fields of a counter and read it back in the same statement."""
    values["updated_at"] = now
    params = {f"v_{name}": value for name, value in values.items()}
    return _record(await one(tx, _set(tuple(values)), {"w_branch": branch, "w_number": number, **params}))


async def free(tx: Transaction, branch: str, number: int, ticket_id: str, now: float) -> None:
    """The counter no longer serves ``ticket_id`` (if it still did)."""
    await tx.execute(_FREE, {"w_branch": branch, "w_number": number, "ticket": ticket_id, "now": now})


async def of_branch(tx: Transaction, branch: str) -> list[CounterRecord]:
    return [_record(r) for r in await tx.fetch(_OF_BRANCH, {"w_branch": branch})]


async def add_closed(tx: Transaction, branch: str, numbers: Iterable[int], now: float) -> None:
    rows = [
        {"branch": branch, "number": n, "state": CounterState.CLOSED.value, "stray_presses": 0, "updated_at": now}
        for n in numbers
    ]
    if rows:
        await tx.execute_many(_ADD, rows)


async def remove(tx: Transaction, branch: str, numbers: Iterable[int]) -> None:
    rows = [{"w_branch": branch, "w_number": n} for n in numbers]
    if rows:
        await tx.execute_many(_REMOVE, rows)
