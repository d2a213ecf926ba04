"""A statement built once with SQLAlchemy Core and compiled once per database into the
driver's own SQL: the hot paths pay neither building nor compiling again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.dialects.sqlite import pysqlite as sqlite_pysqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement

DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite_pysqlite.dialect(),
    "postgresql": postgresql_asyncpg.dialect(),  # type: ignore[no-untyped-call]
}


@dataclass(frozen=True)
class Compiled:
    """The driver's SQL, the order of its positional parameters, and the values written
    into the statement itself (``status = 'waiting'``, limits)."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(params[name] if name in params else self.defaults[name] for name in self.names)


class Statement:
    """``postgresql``: the form to run there instead, where the two differ (a row lock
    that SQLite's single writer does not need, an upsert of the other dialect)."""

    __slots__ = ("_forms", "_compiled")

    def __init__(self, sqlite: ClauseElement, postgresql: ClauseElement | None = None):
        self._forms = {"sqlite": sqlite, "postgresql": sqlite if postgresql is None else postgresql}
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, database: str) -> Compiled:
        found = self._compiled.get(database)
        if found is None:
            compiled: Any = self._forms[database].compile(dialect=DIALECTS[database])
            found = Compiled(str(compiled), tuple(compiled.positiontup or ()), compiled.construct_params(_check=False))
            self._compiled[database] = found
        return found
