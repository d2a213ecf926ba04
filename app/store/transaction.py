"""The one way a statement reaches the database: a ``Transaction``, with one
implementation on SQLite's sqlite3 connections and one on asyncpg's."""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import asyncpg

from .statement import Statement

Params = Mapping[str, Any]


class Transaction(Protocol):
    """An open transaction of one database; every store function takes one."""

    database: str  # "sqlite" or "postgresql": the store picks a statement's form by it

    async def fetch(self, statement: Statement, params: Params) -> list[Any]: ...

    async def execute(self, statement: Statement, params: Params) -> None: ...

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None: ...


# Rows come back as named tuples (``row.status``), one type per set of column names.
_row_types: dict[tuple[str, ...], Any] = {}


def _row_type(names: tuple[str, ...]) -> Any:
    found = _row_types.get(names)
    if found is None:
        found = _row_types[names] = namedtuple("Row", names, rename=True)
    return found


async def first(tx: Transaction, statement: Statement, params: Params) -> Any | None:
    rows = await tx.fetch(statement, params)
    return rows[0] if rows else None


async def one(tx: Transaction, statement: Statement, params: Params) -> Any:
    rows = await tx.fetch(statement, params)
    if len(rows) != 1:
        raise LookupError(f"expected one row, got {len(rows)}")
    return rows[0]


async def scalar(tx: Transaction, statement: Statement, params: Params) -> Any:
    row = await first(tx, statement, params)
    return None if row is None else row[0]


class SqliteTransaction:
    """Statements run inline on a sqlite3 connection: a writer holds the file's lock by
    then (its BEGIN IMMEDIATE ran in a thread), and a WAL reader waits for nobody."""

    database = "sqlite"
    __slots__ = ("connection",)

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    async def fetch(self, statement: Statement, params: Params) -> list[Any]:
        compiled = statement.compiled("sqlite")
        cursor = self.connection.execute(compiled.sql, compiled.values(params))
        if cursor.description is None:
            return []
        make = _row_type(tuple(d[0] for d in cursor.description))._make
        return [make(r) for r in cursor.fetchall()]

    async def execute(self, statement: Statement, params: Params) -> None:
        compiled = statement.compiled("sqlite")
        self.connection.execute(compiled.sql, compiled.values(params))

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None:
        compiled = statement.compiled("sqlite")
        self.connection.executemany(compiled.sql, [compiled.values(p) for p in params])


class AsyncpgTransaction:
    """Statements run on an asyncpg connection inside its open transaction."""

    database = "postgresql"
    __slots__ = ("connection",)

    def __init__(self, connection: asyncpg.Connection):
        self.connection = connection

    async def fetch(self, statement: Statement, params: Params) -> list[Any]:
        compiled = statement.compiled("postgresql")
        records = await self.connection.fetch(compiled.sql, *compiled.values(params))
        if not records:
            return []
        make = _row_type(tuple(records[0].keys()))._make
        return [make(r.values()) for r in records]

    async def execute(self, statement: Statement, params: Params) -> None:
        compiled = statement.compiled("postgresql")
        await self.connection.execute(compiled.sql, *compiled.values(params))

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None:
        compiled = statement.compiled("postgresql")
        await self.connection.executemany(compiled.sql, [compiled.values(p) for p in params])
