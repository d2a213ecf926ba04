"""The two databases lobbyq runs on, opened for what each does well.

SQLite: one writer connection behind the group commit (every write transaction begins
``IMMEDIATE``, so a claim never upgrades a read lock half-way), WAL with
``synchronous=FULL`` so an answered write survives a power cut, and reader connections
that WAL lets run beside the writer. PostgreSQL: one asyncpg pool; commits are durable
before the answer.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .group_commit import GroupCommit, Turn
from .statement import Statement
from .transaction import AsyncpgTransaction, SqliteTransaction, Transaction, scalar

_PING = Statement(text("SELECT 1"))


class Writing(Protocol):
    """One write transaction: its statements go through ``tx``; nothing is kept unless
    ``commit`` returns."""

    tx: Transaction

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Database(Protocol):
    # Whether commits can carry a cross-process wake-up (PostgreSQL's NOTIFY).
    notifies: bool

    async def begin(self) -> Writing: ...

    def read(self, *, consistent: bool = False) -> AbstractAsyncContextManager[Transaction]: ...

    async def listen(self, channel: str, deliver: Callable[[str], None]) -> None: ...

    async def close(self) -> None: ...


def shown_url(url: str) -> str:
    """A database or Redis URL fit for a log or a terminal: its password as ``***``."""
    return make_url(url).render_as_string(hide_password=True)


async def open_database(url: str, pool_size: int = 10, *, durable: bool = True) -> Database:
    """``durable=False`` (SQLite only) is for a throwaway database, the simulator's: see
    ``Settings.sqlite_durable``."""
    if make_url(url).get_backend_name() == "sqlite":
        return SqliteDatabase(url, durable=durable)
    database = PostgresDatabase(url)
    await database.open(pool_size)
    return database


async def ping(db: Database) -> bool:
    async with db.read() as tx:
        return bool(await scalar(tx, _PING, {}) == 1)


# -- SQLite --------------------------------------------------------------------------


def _enter_wal(conn: sqlite3.Connection) -> None:
    """Switching a fresh file to WAL needs the file to itself; two connections making it
    at once get "database is locked" without the busy handler waiting: retry a little."""
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.02)


def _sqlite_connection(path: str, durable: bool = True) -> sqlite3.Connection:
    # isolation_level=None: BEGIN is ours to issue; check_same_thread=False: BEGIN and
    # COMMIT, which may wait for the disk or another process, run in a thread.
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    _enter_wal(conn)
    # Not durable: nothing waits for the disk (a throwaway database a crash may lose).
    conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class _SqliteWriting:
    __slots__ = ("tx", "_turn")

    def __init__(self, turn: Turn):
        self._turn = turn
        self.tx: Transaction = turn.ready.result()

    async def commit(self) -> None:
        self._turn.finish(True)
        await self._turn.durable

    async def rollback(self) -> None:
        self._turn.finish(False)  # back to the savepoint; a no-op after a commit


class SqliteDatabase:
    notifies = False

    def __init__(self, url: str, readers: int = 4, durable: bool = True):
        self.path = make_url(url).database or ""
        self.durable = durable
        # Not durable, BEGIN and COMMIT wait for no disk: they run on the loop, no thread hop.
        self._writes = GroupCommit(lambda: _sqlite_connection(self.path, durable), threaded=durable)
        self._writes.start()
        self._readers: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        self._reader_slots = readers
        self._opened: list[sqlite3.Connection] = []

    async def begin(self) -> Writing:
        return _SqliteWriting(await self._writes.turn())

    @asynccontextmanager
    async def read(self, *, consistent: bool = False) -> AsyncIterator[Transaction]:
        conn = await self._reader()
        try:
            if consistent:
                conn.execute("BEGIN")
            yield SqliteTransaction(conn)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._readers.put_nowait(conn)

    async def _reader(self) -> sqlite3.Connection:
        if self._readers.empty() and self._reader_slots > 0:
            self._reader_slots -= 1
            conn = await asyncio.to_thread(_sqlite_connection, self.path, self.durable)
            self._opened.append(conn)
            return conn
        return await self._readers.get()

    async def listen(self, channel: str, deliver: Callable[[str], None]) -> None:
        raise NotImplementedError("SQLite has no cross-process notifications")

    async def close(self) -> None:
        await self._writes.stop()
        for conn in self._opened:
            conn.close()
        self._opened.clear()


# -- PostgreSQL ----------------------------------------------------------------------


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _PostgresWriting:
    __slots__ = ("tx", "_pool", "_conn", "_transaction")

    def __init__(self, pool: asyncpg.Pool, conn: asyncpg.Connection, transaction: object):
        self._pool = pool
        self._conn = conn
        self._transaction = transaction
        self.tx: Transaction = AsyncpgTransaction(conn)

    async def commit(self) -> None:
        try:
            await self._transaction.commit()  # type: ignore[attr-defined]
        finally:
            await self._release()

    async def rollback(self) -> None:
        if self._conn is None:
            return
        try:
            if _alive(self._conn):
                await self._transaction.rollback()  # type: ignore[attr-defined]
        finally:
            await self._release()

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._pool.release(conn)


def _alive(conn: asyncpg.Connection) -> bool:
    """Whether a connection can still roll back: not when closed, nor when it was lost
    and the pool took it back (asyncpg then detaches it, and any call on it raises)."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:
        return False


# What the database raises when it does not answer (refused, cut, shutting down or
# starting up, out of connections): the API answers 503, and the pool makes new
# connections once it is back.
UNAVAILABLE: tuple[type[Exception], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """lobbyq leaves no session state on a connection (no SET, LISTEN or advisory lock),
    so a connection returns to the pool without asyncpg's reset query, a round trip."""


class PostgresDatabase:
    notifies = True

    def __init__(self, url: str):
        self.dsn = _dsn(url)
        self._pool: asyncpg.Pool | None = None

    async def open(self, pool_size: int) -> None:
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2 * pool_size, reset=_keep_session)

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "the database is not open"
        return self._pool

    async def begin(self) -> Writing:
        conn = await self.pool.acquire()
        try:
            transaction = conn.transaction()
            await transaction.start()
        except BaseException:
            await self.pool.release(conn)
            raise
        return _PostgresWriting(self.pool, conn, transaction)

    @asynccontextmanager
    async def read(self, *, consistent: bool = False) -> AsyncIterator[Transaction]:
        async with self.pool.acquire() as conn:
            if consistent:
                async with conn.transaction(isolation="repeatable_read", readonly=True):
                    yield AsyncpgTransaction(conn)
            else:
                yield AsyncpgTransaction(conn)

    async def listen(self, channel: str, deliver: Callable[[str], None]) -> None:
        """Deliver each NOTIFY payload of ``channel`` until the connection is lost (raises)."""
        conn = await asyncpg.connect(self.dsn)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(channel, lambda _c, _pid, _channel, payload: deliver(payload))
        try:
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), 10)
                except TimeoutError:
                    await conn.execute("SELECT 1")  # notice a silently dead connection
            raise ConnectionError("LISTEN connection closed")
        finally:
            if not conn.is_closed():
                await conn.close()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[Transaction]:
    """A write transaction outside any branch (tokens, a new branch): committed when the
    block ends, rolled back when it raises."""
    writing = await db.begin()
    try:
        yield writing.tx
        await writing.commit()
    finally:
        await writing.rollback()
