"""The wake-up buses across workers and nodes, and the choice between them.

- ``LOBBYQ_REDIS_URL`` set: Redis pub/sub (redis-py asyncio), one pattern subscription
  per process.
- PostgreSQL without Redis: LISTEN/NOTIFY on a dedicated asyncpg connection; the NOTIFY
  is sent inside the unit of work's transaction, so it leaves exactly when the commit does.
- Otherwise (the embedded SQLite default): in-process only.

Every bus delivers locally first, so the worker that made a change wakes its own screens
without a round trip. Losing the connection to Redis or PostgreSQL costs only latency:
the stream's feeds also poll the events table.
"""

from __future__ import annotations

import asyncio
import logging
import random

from sqlalchemy.engine import make_url

from ..settings import Settings
from ..store.db import Database
from .bus import LocalBus

log = logging.getLogger("lobbyq.bus")
CHANNEL = "lobbyq"


class _Reconnecting(LocalBus):
    """A bus with a listener task that reconnects with jittered backoff."""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._keep_listening(), name=type(self).__name__)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._close()

    async def _keep_listening(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._listen()
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database or Redis went away: try again
                log.warning("%s lost its connection (%s); retrying in %.1fs", type(self).__name__, error, delay)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 5.0)

    def _on_message(self, payload: str) -> None:
        branch, _, seq = payload.rpartition(":")
        if branch and seq.isdigit():
            self.deliver(branch, int(seq))

    async def _listen(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        pass


class RedisBus(_Reconnecting):
    def __init__(self, url: str):
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=None, health_check_interval=10)
        self._pending: set[asyncio.Task] = set()

    async def publish(self, branch: str, seq: int) -> None:
        self.deliver(branch, seq)
        # Fire and forget: the answer to the client must not wait for Redis.
        task = asyncio.create_task(self._send(f"{branch}:{seq}"))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, payload: str) -> None:
        try:
            await self._redis.publish(CHANNEL, payload)
        except Exception as error:
            log.warning("redis publish failed (%s); other workers will catch up by polling", error)

    async def _listen(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(CHANNEL)
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message and message["type"] == "message":
                    data = message["data"]
                    self._on_message(data.decode() if isinstance(data, bytes) else data)
        finally:
            await pubsub.aclose()

    async def _close(self) -> None:
        await self._redis.aclose()


class PostgresBus(_Reconnecting):
    def __init__(self, url: str):
        super().__init__()
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = None

    # The unit of work's commit statement sends the NOTIFY (unit_of_work._SEAL_AND_NOTIFY):
    # it leaves when the commit does, and costs no round trip of its own.
    notify_channel = CHANNEL

    async def _listen(self) -> None:
        import asyncpg

        self._conn = await asyncpg.connect(self._dsn)
        lost = asyncio.Event()
        self._conn.add_termination_listener(lambda _conn: lost.set())
        await self._conn.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: self._on_message(payload))
        try:
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), 10)
                except asyncio.TimeoutError:
                    await self._conn.execute("SELECT 1")  # notice a silently dead connection
            raise ConnectionError("LISTEN connection closed")
        finally:
            await self._close()

    async def _close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
        self._conn = None


def make_bus(settings: Settings, db: Database) -> LocalBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url)
    if db.writer.dialect.name == "postgresql":
        return PostgresBus(settings.database_url)
    return LocalBus()
