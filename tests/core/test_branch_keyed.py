"""Every hot-path statement names its branch, and every unit of work touches one branch
(#12 item 2): so the schema distributes by branch (Citus: each table distributed on its
branch column, `branches` on `code`) and a transaction stays on one shard. The statements a
branch's day really runs are recorded from the transactions themselves, on both databases."""

from __future__ import annotations

import asyncio
import contextvars
import re

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.services import unit_of_work
from app.store import migrate, transaction
from app.store.tables import metadata

# Tables outside any branch: a token is looked up by its hash before its branch is known,
# a rate limit counts a kiosk or an address, Alembic keeps its version.
GLOBAL = {"tokens", "rate_hits", "alembic_version"}
# The customer's tracking link names no branch: its one lookup finds the ticket's branch
# (on Citus a query to every shard; its key is (track_token, branch); docs/deployment.md).
# Listing the branches themselves (the sweep going over every branch, an admin's list) is a
# read of the catalogue, not of a branch's day: on Citus, a query over every shard. So is
# the notifier's list of messages due, a few times a minute per worker.
GLOBAL_READS = re.compile(
    r"SELECT tickets\.branch, tickets\.id\s+FROM tickets\s+WHERE tickets\.track_token = "
    r"|SELECT branches\.code, branches\.name\s+FROM branches ORDER BY branches\.code"
    r"|SELECT notifications\.branch, [^;]*?\s+FROM notifications\s+WHERE notifications\.status = \S+ "
    r"AND notifications\.next_at <= "
)
KEYED = {name: "branch" for name, table in metadata.tables.items() if "branch" in table.c}
KEYED["branches"] = "code"
BRANCH_PARAMS = ("branch", "w_branch", "code")

_unit: contextvars.ContextVar[str | None] = contextvars.ContextVar("unit", default=None)


def _tables(sql: str) -> set[str]:
    named = {m.lower() for m in re.findall(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)}
    return named & set(metadata.tables)


def _names_its_branch(sql: str, table: str, column: str) -> bool:
    """An insert into the table lists the column, or the statement filters on it."""
    for columns in re.findall(rf'INSERT INTO "?{table}"? \(([^)]*)\)', sql, re.IGNORECASE):
        if re.search(rf'\b"?{column}"?\b', columns) is None:
            return False
    if re.search(rf'INSERT INTO "?{table}"?\b', sql, re.IGNORECASE):
        return True
    return re.search(rf'\b"?{column}"?\s*(=|IN\b)', sql, re.IGNORECASE) is not None


@pytest.fixture
def recorded(monkeypatch):
    seen: list[tuple[str, dict, str | None]] = []
    for cls in (transaction.SqliteTransaction, transaction.AsyncpgTransaction):
        for method in ("fetch", "execute"):
            original = getattr(cls, method)

            async def spy(self, statement, params, _original=original):
                seen.append((statement.compiled(self.database).sql, dict(params), _unit.get()))
                return await _original(self, statement, params)

            monkeypatch.setattr(cls, method, spy)
    enter, leave = unit_of_work.UnitOfWork.__aenter__, unit_of_work.UnitOfWork.__aexit__

    async def entering(self):
        self._unit_token = _unit.set(self.branch)  # the task's own: group commit runs each unit in its task
        return await enter(self)

    async def leaving(self, *exc):
        try:
            return await leave(self, *exc)
        finally:
            _unit.reset(self._unit_token)

    monkeypatch.setattr(unit_of_work.UnitOfWork, "__aenter__", entering)
    monkeypatch.setattr(unit_of_work.UnitOfWork, "__aexit__", leaving)
    return seen


async def a_branch_day(api) -> None:
    b = await api.branch()
    other = await api.branch(code="other")
    await other.issue("personal")  # a second branch busy at the same time
    await b.open(1)
    await b.open(2)
    issued = [await b.issue("personal") for _ in range(4)] + [await b.issue("corporate")]
    await api.request("GET", f"/api/v1/track/{issued[0]['track_token']}")
    await b.teller(1, "call-next")
    await b.teller(1, "recall")
    await b.teller(1, "start")
    await b.teller(1, "finish")
    await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 1})
    await b.teller(2, "call-next")
    await b.teller(2, "transfer", json={"category": "corporate"})
    await b.teller(2, "call-next")
    await b.teller(2, "no-show")
    await b.as_("display", "GET", "/state")


def test_every_table_is_keyed_by_branch_or_said_to_be_global():
    assert set(metadata.tables) <= set(KEYED) | GLOBAL
    assert {"tickets", "counters", "events", "alerts", "branches"} <= set(KEYED) - GLOBAL


async def test_every_hot_path_statement_names_its_branch(api, recorded):
    await a_branch_day(api)
    assert len(recorded) > 50
    unkeyed = set()
    for sql, params, _ in recorded:
        for table in _tables(sql) - GLOBAL:
            if not _names_its_branch(sql, table, KEYED[table]) and not GLOBAL_READS.match(sql):
                unkeyed.add(sql)
    assert unkeyed == set(), "\n\n".join(sorted(unkeyed))


async def test_every_unit_of_work_touches_one_branch(api, recorded):
    await a_branch_day(api)
    crossing = [
        (unit, sql, params)
        for sql, params, unit in recorded
        if unit is not None and any(params.get(k) not in (None, unit) for k in BRANCH_PARAMS)
    ]
    assert crossing == []
    assert {unit for _, _, unit in recorded} >= {"sjm01", "other"}


async def _keys(url: str) -> dict[str, list[list[str]]]:
    """Each table's primary key and unique constraints, as the migrated database has them."""
    engine = create_async_engine(url)

    def read(sync) -> dict[str, list[list[str]]]:
        found = inspect(sync)
        return {
            name: [found.get_pk_constraint(name)["constrained_columns"]]
            + [u["column_names"] for u in found.get_unique_constraints(name)]
            for name in found.get_table_names()
        }

    async with engine.connect() as conn:
        keys = await conn.run_sync(read)
    await engine.dispose()
    return keys


def test_every_key_of_a_branchs_table_holds_the_branch(database_url):
    """Citus checks a key's uniqueness on one shard only if the key holds the distribution
    column: a ticket's id, an alert's id and a tracking code are unique within their branch."""
    migrate.upgrade(database_url)
    keys = asyncio.run(_keys(database_url))
    assert set(KEYED) <= set(keys)
    unkeyed = {
        (table, tuple(columns))
        for table, column in KEYED.items()
        if table not in GLOBAL
        for columns in keys[table]
        if column not in columns
    }
    assert unkeyed == set()
    assert ["track_token", "branch"] in keys["tickets"]  # the customer's poll knows only the code: it leads
