"""Engines for the two databases lobbyq runs on, tuned for what each does well.

SQLite: one writer connection (a pool of 5 queued writers behind the file lock and gave
p99 over a second; one connection gives ~30 ms), every write transaction opened with
``BEGIN IMMEDIATE`` through SQLAlchemy's documented begin-event recipe so that a claim
never upgrades a read lock half-way, WAL with ``synchronous=FULL`` so an answered write
survives a power cut, and a separate pool of readers that WAL lets run beside the writer.

PostgreSQL: one pool; claims use ``FOR UPDATE SKIP LOCKED``; commits are durable before
the answer (``synchronous_commit`` left on).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool


@dataclass
class Database:
    url: str
    writer: AsyncEngine
    reader: AsyncEngine
    inline: Engine | None = None  # SQLite only: the group commit's connection

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
        if self.inline is not None:
            self.inline.dispose()



def _enter_wal(cursor) -> None:
    """Switch a fresh file to WAL. The switch needs the file to itself, and two connections
    making it at once (the writer and a reader right after start, on a file the migration
    left in rollback-journal mode) can get "database is locked" at once, without the busy
    handler being asked to wait: retry a little. Once the file is in WAL this is a no-op."""
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as error:  # the driver's OperationalError
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.02)


def _sqlite_engine(url: str, *, writer: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1 if writer else 4,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"timeout": 30},
    )
    _sqlite_session(engine.sync_engine, writer=writer)
    return engine


def _inline_writer(url: str) -> Engine:
    """The group commit's own connection: plain pysqlite, driven from the event loop.

    SQLAlchemy's async layer over aiosqlite costs ~0.3 ms a statement (a thread hop per
    cursor call; measured here) against ~0.04 ms for the same statement in-process, and a
    unit of work runs about ten of them. The statements of a unit of work touch only local
    pages of a file this process writes alone, so they run inline; what can wait — BEGIN
    IMMEDIATE (another process's lock) and COMMIT (the fsync) — runs in a thread.
    """
    sync = make_url(url).set(drivername="sqlite").render_as_string(hide_password=False)
    engine = create_engine(
        sync, poolclass=QueuePool, pool_size=1, max_overflow=0,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    _sqlite_session(engine, writer=True)
    return engine


def _sqlite_session(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _enter_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def connect(url: str, pg_pool_size: int = 10) -> Database:
    if make_url(url).get_backend_name() == "sqlite":
        return Database(
            url, _sqlite_engine(url, writer=True), _sqlite_engine(url, writer=False), _inline_writer(url)
        )
    engine = create_async_engine(url, pool_size=pg_pool_size, max_overflow=pg_pool_size, pool_pre_ping=False)
    return Database(url, engine, engine)
