"""Rate-limit hits counted in the database, for workers and nodes without Redis."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .statement import Statement
from .tables import rate_hits
from .transaction import Transaction, first, one


def _hit(dialect: Any) -> Any:
    return (
        dialect.insert(rate_hits)
        .values(key=bindparam("key"), minute=bindparam("minute"), hits=1)
        .on_conflict_do_update(index_elements=["key", "minute"], set_={"hits": rate_hits.c.hits + 1})
        .returning(rate_hits.c.hits)
    )


_HIT = Statement(_hit(sqlite), _hit(postgresql))
_PREVIOUS = Statement(
    select(rate_hits.c.hits).where(rate_hits.c.key == bindparam("key"), rate_hits.c.minute == bindparam("minute"))
)
_PRUNE = Statement(delete(rate_hits).where(rate_hits.c.minute < bindparam("before")))


async def hit(tx: Transaction, key: str, minute: int) -> tuple[int, int]:
    """Count one hit; the key's hits in this minute (with it) and in the one before."""
    (current,) = await one(tx, _HIT, {"key": key, "minute": minute})
    previous = await first(tx, _PREVIOUS, {"key": key, "minute": minute - 1})
    return current, previous[0] if previous else 0


async def prune(tx: Transaction, before_minute: int) -> None:
    await tx.execute(_PRUNE, {"before": before_minute})
