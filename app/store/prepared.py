"""Hot statements compiled once, and run on SQLite as plain SQL.

Even with its compiled cache, SQLAlchemy builds and hashes a cache key and constructs the
parameters of a statement on every execution. For the short statements of a ticket's
move that cost more than SQLite took to run them (about 60 µs against 20 µs a statement,
measured on the issue path). A ``Prepared`` statement is compiled once; on SQLite it runs
through ``exec_driver_sql``: the same connection, transaction and engine events, only no
second compilation. On PostgreSQL it runs through ``execute`` as any statement, where the
round trip to the server dwarfs the difference.

Rows read this way have the DBAPI's own values, without SQLAlchemy's type processing: a
boolean column comes back as 0 or 1 (``ticket_rows.from_row`` mends the one there is).
"""

from __future__ import annotations

from typing import Any


class Prepared:
    """``on_postgresql``: the statement to run there instead, typically the same one
    ``with_for_update()``: a SQLite writer already holds the whole database."""

    def __init__(self, statement: Any, *, on_postgresql: Any = None):
        self.statement = statement
        self.on_postgresql = statement if on_postgresql is None else on_postgresql
        self._plain: tuple[str, tuple[str, ...], dict[str, Any]] | None = None

    def compile(self, dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        if self._plain is None:
            compiled = self.statement.compile(dialect=dialect)
            # The values written into the statement itself ('waiting', 'green', ...).
            defaults = compiled.construct_params(_check=False)
            self._plain = (str(compiled), tuple(compiled.positiontup), defaults)
        return self._plain

    def _row(self, names: tuple[str, ...], defaults: dict[str, Any], params: dict[str, Any]) -> tuple:
        return tuple(params[name] if name in params else defaults[name] for name in names)

    async def execute(self, conn, params: dict[str, Any] | list[dict[str, Any]]):
        if conn.dialect.name != "sqlite":
            return await conn.execute(self.on_postgresql, params)
        sql, names, defaults = self.compile(conn.dialect)
        if isinstance(params, list):
            return await conn.exec_driver_sql(sql, [self._row(names, defaults, p) for p in params])
        return await conn.exec_driver_sql(sql, self._row(names, defaults, params))
