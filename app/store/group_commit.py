"""Group commit for SQLite: many units of work, one transaction, one fsync.

With ``synchronous=FULL`` every commit waits for the disk (measured here: 3.5 ms an
fsync, so at most ~280 commits a second, whatever the CPU). Requests that arrive while a
commit is on its way to disk queue up; the next batch runs each of them in a savepoint
of one transaction on the single writer connection and commits once. Nobody is answered
before the commit that holds their change is durable, and a unit of work that fails
rolls back to its savepoint without touching the others in its batch.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("lobbyq.group_commit")


class Turn:
    """One unit of work's place in a batch."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[AsyncConnection] = loop.create_future()
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
    def __init__(self, engine: AsyncEngine, max_batch: int = 128):
        self.engine = engine
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Turn] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

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
            try:
                await self._batch(first)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a group commit failed")

    async def _batch(self, first: Turn) -> None:
        batch: list[Turn] = []
        kept: list[Turn] = []
        try:
            async with self.engine.connect() as conn:
                await conn.begin()
                turn: Turn | None = first
                while turn is not None:
                    batch.append(turn)
                    if not turn.finished.done():  # its request may have gone away while queued
                        savepoint = await conn.begin_nested()
                        turn.ready.set_result(conn)
                        if await turn.finished:
                            await savepoint.commit()
                            kept.append(turn)
                        else:
                            await savepoint.rollback()
                            turn.durable.set_result(None)
                    turn = self.queue.get_nowait() if len(batch) < self.max_batch and not self.queue.empty() else None
                await conn.commit()
        except BaseException as error:
            failure = error if isinstance(error, Exception) else RuntimeError("the write was interrupted")
            for t in batch:
                for future in (t.ready, t.durable):
                    if not future.done():
                        future.set_exception(failure)
            raise
        for t in kept:
            t.durable.set_result(None)
