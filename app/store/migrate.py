"""Bring the schema up to date with Alembic (``lobbyq db upgrade``, and ``serve`` at start)."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any constant both sides agree on: the key of PostgreSQL's advisory lock on schema changes.
MIGRATION_LOCK_KEY = 0x6C6F6262


def hold_migration_lock(connection: Connection) -> None:
    """On PostgreSQL, wait for any other process's migration and hold the lock to the commit,
    so a second starter reads the version table only once the first has finished.
    SQLite's lock is a file lock taken in :func:`upgrade`, around the whole command."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrating`` next to the database file: SQLite runs
    Alembic's DDL outside one transaction, so two starters on a new file would both create."""
    parsed = make_url(url)
    path = parsed.database
    if not parsed.drivername.startswith("sqlite") or not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrating", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(url: str) -> None:
    """Run in a thread of its own: env.py drives its own event loop. Several processes may
    start at once (``serve`` and ``token create``, several nodes): one migrates, the others
    wait and find the schema current."""

    def run() -> None:
        with _sqlite_file_lock(url):
            command.upgrade(alembic_config(url), "head")

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
        return
    import threading

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
