"""Background work one process at a time: the housekeeping sweep goes over every branch,
and with several workers and nodes each sweeping every branch the same work ran once per
process (bench/README.md). On PostgreSQL the sweeper holds an advisory lock on its
connection for the round; SQLite is one process."""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, func, literal, select

from .statement import Statement
from .transaction import Transaction, scalar

_KEY = bindparam("key", type_=Integer)
_TAKE = Statement(select(literal(True)), select(func.pg_try_advisory_lock(_KEY)))
_GIVE = Statement(select(literal(True)), select(func.pg_advisory_unlock(_KEY)))


async def take(tx: Transaction, key: int) -> bool:
    """Whether this connection now leads ``key`` (another holds it: False). Held until
    ``give`` on the same connection, or until the connection closes (a process killed)."""
    return bool(await scalar(tx, _TAKE, {"key": key}))


async def give(tx: Transaction, key: int) -> None:
    await scalar(tx, _GIVE, {"key": key})
