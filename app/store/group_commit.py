"""Group commit for SQLite: many units of work, one transaction, one fsync.

Requests that arrive while a commit is on its way to disk queue up; the next batch runs
each of them in a savepoint of one transaction on the single writer connection and
commits once. Nobody is answered before the commit holding their change is durable, and
a unit of work that fails rolls back to its savepoint without touching the others.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable

from .transaction import SqliteTransaction

log = logging.getLogger("lobbyq.group_commit")


class Turn:
    """One unit of work's place in a batch."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[SqliteTransaction] = loop.create_future()
        self.finished: asyncio.Future[bool] = loop.create_future()
        self.durable: asyncio.Future[None] = loop.create_future()
        for future in (self.ready, self.durable):
            # The request may be gone (client hung up) when its batch fails: read the
            # failure here rather than let asyncio complain that nobody did.
            future.add_done_callback(_consume)

    def finish(self, keep: bool) -> None:
        if not self.finished.done():
            self.finished.set_result(keep)


def _consume(future: asyncio.Future) -> None:  # type: ignore[type-arg]
    if not future.cancelled():
        future.exception()


class GroupCommit:
    def __init__(self, connect: Callable[[], sqlite3.Connection], max_batch: int = 128, threaded: bool = True):
        self._connect = connect
        # BEGIN and COMMIT in a thread, off the loop, while they may wait for the disk or
        # another process; inline for a database nobody else opens and nobody fsyncs.
        self.threaded = threaded
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Turn] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        self._busy = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        # Let a batch under way commit: cancelling it between its COMMIT (in a thread)
        # and the answer would roll back under a commit that is still running.
        for _ in range(500):
            if not self._busy and self.queue.empty():
                break
            await asyncio.sleep(0.01)
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._conn is not None:
            await asyncio.to_thread(self._conn.close)
            self._conn = None

    async def turn(self) -> Turn:
        turn = Turn()
        await self.queue.put(turn)
        try:
            await turn.ready
        except asyncio.CancelledError:
            turn.finish(False)  # the batcher skips or rolls back a turn nobody holds
            raise
        return turn

    async def _run(self) -> None:
        while True:
            first = await self.queue.get()
            self._busy = True
            try:
                await self._batch(first)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a group commit failed")
            finally:
                self._busy = False

    async def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = await asyncio.to_thread(self._connect)
        return self._conn

    async def _off_loop(self, conn: sqlite3.Connection, sql: str) -> None:
        if self.threaded:
            await asyncio.to_thread(conn.execute, sql)
        else:
            conn.execute(sql)

    async def _batch(self, first: Turn) -> None:
        batch: list[Turn] = []
        kept: list[Turn] = []
        conn = await self._connection()
        try:
            # BEGIN IMMEDIATE may wait for another process's write lock: not on the loop.
            await self._off_loop(conn, "BEGIN IMMEDIATE")
            tx = SqliteTransaction(conn)
            turn: Turn | None = first
            while turn is not None:
                batch.append(turn)
                if not turn.finished.done():  # its request may have gone away while queued
                    conn.execute("SAVEPOINT turn")
                    turn.ready.set_result(tx)
                    if await turn.finished:
                        conn.execute("RELEASE turn")
                        kept.append(turn)
                    else:
                        conn.execute("ROLLBACK TO turn")
                        conn.execute("RELEASE turn")
                        turn.durable.set_result(None)
                more = len(batch) < self.max_batch and not self.queue.empty()
                turn = self.queue.get_nowait() if more else None
            await self._off_loop(conn, "COMMIT")  # the fsync, off the loop
        except BaseException as error:
            failure = error if isinstance(error, Exception) else RuntimeError("the write was interrupted")
            for t in batch:
                for future in (t.ready, t.durable):
                    if not future.done():
                        future.set_exception(failure)
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except Exception:
                conn.close()
                self._conn = None
            raise
        for t in kept:
            t.durable.set_result(None)
