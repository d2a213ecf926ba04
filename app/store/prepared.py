"""Hot statements compiled once, and run on the database driver itself.

Even with its compiled cache, SQLAlchemy builds and hashes a cache key and constructs the
parameters of a statement on every execution, and then builds a result object around
the cursor: for the short statements of a ticket's move, more than SQLite takes to run
them, and on PostgreSQL 0.26 ms of CPU a statement against asyncpg's own 0.12 (measured
here), while other requests wait on the branch row this transaction holds. A
``Prepared`` statement is compiled once and runs on the driver's connection, in the
transaction SQLAlchemy opened on it:

- SQLite, the group commit's writer (``InlineConnection``): its sqlite3 connection.
- PostgreSQL: the asyncpg connection, once a transaction is open on it (the unit of
  work's first statement opens it through SQLAlchemy; until then, and for any
  connection outside a transaction, the statement goes through SQLAlchemy).
- Elsewhere on SQLite (readers, tests): ``exec_driver_sql``.

Rows read this way have the driver's own values, without SQLAlchemy's type processing:
SQLite hands back a boolean column as 0 or 1 (``ticket_rows.from_row`` mends the one there
is).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any


class Rows:
    """The part of SQLAlchemy's result that the hot paths use, over rows already fetched."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list):
        self._rows = rows

    def all(self) -> list:
        return self._rows

    def first(self):
        return self._rows[0] if self._rows else None

    def one(self):
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar_one(self):
        return self.one()[0]


_NO_ROWS = Rows([])


class Prepared:
    """``on_postgresql``: the statement to run there instead, typically the same one
    ``with_for_update()``: a SQLite writer already holds the whole database."""

    def __init__(self, statement: Any, *, on_postgresql: Any = None):
        self.statement = statement
        self.on_postgresql = statement if on_postgresql is None else on_postgresql
        self._plain: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {}
        self._row_type: type | None = None

    def compile(self, dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        plain = self._plain.get(dialect.name)
        if plain is None:
            statement = self.on_postgresql if dialect.name == "postgresql" else self.statement
            compiled = statement.compile(dialect=dialect)
            # The values written into the statement itself ('waiting', 'green', ...).
            defaults = compiled.construct_params(_check=False)
            plain = self._plain[dialect.name] = (str(compiled), tuple(compiled.positiontup), defaults)
        return plain

    def _row(self, names: tuple[str, ...], defaults: dict[str, Any], params: dict[str, Any]) -> tuple:
        return tuple(params[name] if name in params else defaults[name] for name in names)

    def _named(self, names, rows) -> Rows:
        if self._row_type is None:  # rows read by name (row.status), as SQLAlchemy's are
            self._row_type = namedtuple("Row", names, rename=True)
        return Rows(list(map(self._row_type._make, rows)))

    async def execute(self, conn, params: dict[str, Any] | list[dict[str, Any]]):
        if conn.dialect.name == "postgresql":
            return await self._on_asyncpg(conn, params)
        sql, names, defaults = self.compile(conn.dialect)
        raw = getattr(conn, "raw", None)
        if isinstance(params, list):
            values = [self._row(names, defaults, p) for p in params]
            if raw is None:
                return await conn.exec_driver_sql(sql, values)
            raw.executemany(sql, values)
            return _NO_ROWS
        values = self._row(names, defaults, params)
        if raw is None:
            return await conn.exec_driver_sql(sql, values)
        cursor = raw.execute(sql, values)
        if cursor.description is None:  # a write without RETURNING
            return _NO_ROWS
        return self._named([d[0] for d in cursor.description], cursor.fetchall())

    async def _on_asyncpg(self, conn, params):
        driver = conn.sync_connection.connection.driver_connection
        if not driver.is_in_transaction():  # SQLAlchemy opens it on its first statement
            return await conn.execute(self.on_postgresql, params)
        sql, names, defaults = self.compile(conn.dialect)
        if isinstance(params, list):
            await driver.executemany(sql, [self._row(names, defaults, p) for p in params])
            return _NO_ROWS
        records = await driver.fetch(sql, *self._row(names, defaults, params))
        return self._named(list(records[0].keys()), records) if records else _NO_ROWS
