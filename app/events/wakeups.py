"""The wake-up bus: after a commit, "branch B has events up to seq S".

The bus carries only that wake-up. What a client receives, and in what order, always
comes from the events table, so a lost wake-up costs latency, never an event.

- ``LocalBus``: within one process (the embedded SQLite default).
- ``RedisBus`` (``LOBBYQ_REDIS_URL`` set): Redis pub/sub across workers and nodes.
- ``PostgresBus`` (PostgreSQL without Redis): LISTEN/NOTIFY; the NOTIFY leaves with the
  unit of work's commit, in its own statement.

Every bus delivers locally first, so the worker that made a change wakes its own screens
without a round trip.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..settings import Settings
from ..store.database import Database

log = logging.getLogger("lobbyq.bus")
CHANNEL = "lobbyq"

Listener = Callable[[str, int], None]


class LocalBus:
    """Wake-ups within one process."""

    # The PostgreSQL channel a commit notifies "branch:seq" on, or None.
    notify_channel: str | None = None

    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = defaultdict(set)

    def subscribe(self, branch: str, listener: Listener) -> Callable[[], None]:
        self._listeners[branch].add(listener)
        return lambda: self._listeners[branch].discard(listener)

    def deliver(self, branch: str, seq: int) -> None:
        for listener in list(self._listeners.get(branch, ())):
            listener(branch, seq)

    async def publish(self, branch: str, seq: int) -> None:
        """Called just after the commit that wrote events up to ``seq``."""
        self.deliver(branch, seq)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


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
        self._pending: set[asyncio.Task[None]] = set()

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
        pubsub: Any = self._redis.pubsub(ignore_subscribe_messages=True)
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
        await asyncio.gather(*self._pending, return_exceptions=True)  # what was published still leaves
        await self._redis.aclose()


class PostgresBus(_Reconnecting):
    # The unit of work's commit statement sends the NOTIFY on this channel.
    notify_channel = CHANNEL

    def __init__(self, db: Database):
        super().__init__()
        self._db = db

    async def _listen(self) -> None:
        await self._db.listen(CHANNEL, self._on_message)


def make_bus(settings: Settings, db: Database) -> LocalBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url)
    if db.notifies:
        return PostgresBus(db)
    return LocalBus()
