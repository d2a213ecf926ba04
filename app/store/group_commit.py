"""Group commit for SQLite: many units of work, one transaction, one fsync.

With ``synchronous=FULL`` every commit waits for the disk (measured here: 0.3 to 3.5 ms
an fsync depending on load), so one commit per request caps the branch at a few hundred
writes a second whatever the CPU. Requests that arrive while a commit is on its way to
disk queue up; the next batch runs each of them in a savepoint of one transaction on the
single writer connection and commits once. Nobody is answered before the commit that
holds their change is durable, and a unit of work that fails rolls back to its savepoint
without touching the others in its batch.

The writer connection is a plain pysqlite one (see ``db._inline_writer``): each unit of
work sees it through ``InlineConnection``, whose ``execute`` runs the statement at once.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Connection, Engine

log = logging.getLogger("lobbyq.group_commit")


class InlineConnection:
    """What a unit of work needs of an AsyncConnection (``execute``, ``exec_driver_sql``, ``dialect``), over a
    synchronous SQLite connection that only this process's batcher writes with.

    ``raw`` is that connection's sqlite3 connection, in the same transaction: prepared
    statements run on it directly (see ``store/prepared.py``)."""

    def __init__(self, conn: Connection):
        self._conn = conn
        self.dialect = conn.dialect
        self.raw = conn.connection.driver_connection

    async def execute(self, statement, parameters=None):
        if parameters is None:
            return self._conn.execute(statement)
        return self._conn.execute(statement, parameters)

    async def exec_driver_sql(self, sql: str, parameters):
        return self._conn.exec_driver_sql(sql, parameters)


class Turn:
    """One unit of work's place in a batch."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[InlineConnection] = loop.create_future()
        self.finished: asyncio.Future[bool] = loop.create_future()
        self.durable: asyncio.Future[None] = loop.create_future()
        for future in (self.ready, self.durable):
            # The request may be gone (client hung up) when its batch fails: nobody else
            # will read the failure, so read it here rather than let asyncio complain.
            future.add_done_callback(_consume)

    def finish(self, keep: bool) -> None:
        if not self.finished.done():
            self.finished.set_result(keep)


def _consume(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


class GroupCommit:
    def __init__(self, engine: Engine, max_batch: int = 128):
        self.engine = engine
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Turn] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._conn: Connection | None = None
        self._busy = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        # Let a batch that is under way commit: cancelling it between its COMMIT (in a
        # thread) and the answer would roll back under a commit that is still running.
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

    @property
    def driver_connection(self):
        """The writer's sqlite3 connection, once the first batch has opened it (the
        benchmark traces the statements on it)."""
        return None if self._conn is None else self._conn.connection.driver_connection

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

    async def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = await asyncio.to_thread(self.engine.connect)
        return self._conn

    async def _batch(self, first: Turn) -> None:
        batch: list[Turn] = []
        kept: list[Turn] = []
        conn = await self._connection()
        try:
            # BEGIN IMMEDIATE may wait for another process's write lock: not on the loop.
            await asyncio.to_thread(conn.begin)
            inline = InlineConnection(conn)
            turn: Turn | None = first
            while turn is not None:
                batch.append(turn)
                if not turn.finished.done():  # its request may have gone away while queued
                    # Plain SQL on the sqlite3 connection: SQLAlchemy's nested transaction
                    # cost ~0.1 ms a savepoint, as much as a short unit of work itself.
                    inline.raw.execute("SAVEPOINT turn")
                    turn.ready.set_result(inline)
                    if await turn.finished:
                        inline.raw.execute("RELEASE turn")
                        kept.append(turn)
                    else:
                        inline.raw.execute("ROLLBACK TO turn")
                        inline.raw.execute("RELEASE turn")
                        turn.durable.set_result(None)
                turn = self.queue.get_nowait() if len(batch) < self.max_batch and not self.queue.empty() else None
            await asyncio.to_thread(conn.commit)  # the fsync, off the loop
        except BaseException as error:
            failure = error if isinstance(error, Exception) else RuntimeError("the write was interrupted")
            for t in batch:
                for future in (t.ready, t.durable):
                    if not future.done():
                        future.set_exception(failure)
            try:
                conn.rollback()
            except Exception:
                conn.invalidate()
            raise
        for t in kept:
            t.durable.set_result(None)
