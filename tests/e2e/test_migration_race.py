"""Several commands starting at once on a new database all find a schema at head.

The README's walk-through starts ``lobbyq serve &`` and then ``lobbyq token create``: both
bring the schema up to date first, and on a new database they raced to create it (``table
alerts already exists``, ``no such index: ix_tickets_waiting``). Migrations now run under a
lock (docs/deployment.md): the second starter waits, then finds the schema current. Real
processes, several rounds on fresh databases, since a race is a matter of chance.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from app.store import migrate
from app.store.tables import metadata
from tests.e2e.conftest import own_postgres
from tests.support.server import ROOT
from tests.support.services import postgres_url, require

pytestmark = pytest.mark.slow

UPGRADES = 6  # `lobbyq db upgrade`, beside
TOKENS = 3  # `lobbyq token create`: nine processes migrating at once
ROUNDS = 3


async def _schema_state(url: str) -> tuple[tuple[str, ...], list]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def inspect(sync):
                ctx = MigrationContext.configure(sync)
                return tuple(ctx.get_current_heads()), compare_metadata(ctx, metadata)

            return await conn.run_sync(inspect)
    finally:
        await engine.dispose()


def _all_at_once(url: str, round_: int) -> None:
    env = {"PATH": "/usr/bin:/bin", "LOBBYQ_DATABASE_URL": url, "LOBBYQ_LOG_LEVEL": "warning"}
    lobbyq = [str(Path(sys.executable).parent / "lobbyq")]
    commands = [[*lobbyq, "db", "upgrade"]] * UPGRADES + [
        [*lobbyq, "token", "create", "--role", "admin", "--name", f"racer{i}"] for i in range(TOKENS)
    ]
    running = [
        subprocess.Popen(c, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    for command, process in zip(commands, running, strict=True):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"round {round_}: {' '.join(command[1:])} exited {process.returncode}:\n{err}"
    heads, diff = asyncio.run(_schema_state(url))
    assert heads == (ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head(),)
    diff = [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert diff == [], f"the schema is not the one tables.py declares: {diff}"


def test_commands_starting_at_once_on_a_new_sqlite_file(tmp_path):
    for round_ in range(ROUNDS):
        _all_at_once(f"sqlite+aiosqlite:///{tmp_path / f'lobbyq-{round_}.db'}", round_)


def test_commands_starting_at_once_on_a_new_postgres_database():
    base = postgres_url()
    if base is None:
        require("postgres")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
    for round_ in range(ROUNDS):
        _all_at_once(own_postgres(base), round_)
