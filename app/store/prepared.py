"""Hot statements compiled once, and run on SQLite's writer as plain SQL.

Even with its compiled cache, SQLAlchemy builds and hashes a cache key and constructs the
parameters of a statement on every execution, and then builds a result object around
the cursor. For the short statements of a ticket's move that cost more than SQLite took
to run them. A ``Prepared`` statement is compiled once. On the group commit's writer
(``InlineConnection``) it runs on that connection's own sqlite3 connection: the same
transaction and savepoint, without SQLAlchemy in between. Elsewhere on SQLite it runs
through ``exec_driver_sql``, and on PostgreSQL through ``execute`` as any statement,
where the round trip to the server dwarfs the difference.

Rows read this way have the DBAPI's own values, without SQLAlchemy's type processing: a
boolean column comes back as 0 or 1 (``ticket_rows.from_row`` mends the one there is).
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
        self._plain: tuple[str, tuple[str, ...], dict[str, Any]] | None = None
        self._row_type: type | None = None

    def compile(self, dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        if self._plain is None:
            compiled = self.statement.compile(dialect=dialect)
            # The values written into the statement itself ('waiting', 'green', ...).
            defaults = compiled.construct_params(_check=False)
            self._plain = (str(compiled), tuple(compiled.positiontup), defaults)
        return self._plain

    def _row(self, names: tuple[str, ...], defaults: dict[str, Any], params: dict[str, Any]) -> tuple:
        return tuple(params[name] if name in params else defaults[name] for name in names)

    def _rows(self, cursor) -> Rows:
        if cursor.description is None:  # a write without RETURNING
            return _NO_ROWS
        if self._row_type is None:  # rows read by name (row.status), as SQLAlchemy's are
            self._row_type = namedtuple("Row", [d[0] for d in cursor.description], rename=True)
        return Rows(list(map(self._row_type._make, cursor.fetchall())))

    async def execute(self, conn, params: dict[str, Any] | list[dict[str, Any]]):
        if conn.dialect.name != "sqlite":
            return await conn.execute(self.on_postgresql, params)
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
        return self._rows(raw.execute(sql, values))
