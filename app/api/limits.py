"""Rate limits per key (a kiosk's token, a public address) that hold across workers and
nodes: counted in Redis when there is one, else in PostgreSQL, else (the embedded SQLite
server, one process) in memory.

A sliding window over two fixed minutes: this minute's hits plus the last minute's,
weighed by how much of it is still inside the last 60 s. A refusal says when to retry.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import TooMany
from ..rules.vocabulary import Refusal
from ..store import rate_hits
from ..store.database import Database, transaction

log = logging.getLogger("lobbyq.limits")


class HitCounter(Protocol):
    async def hit(self, key: str, minute: int) -> tuple[int, int]:
        """Count one hit of ``key`` in ``minute``; its hits then and in the minute before."""
        ...


class MemoryHits:
    """One process's own count: right for one process, and the fallback when Redis is away."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, int], int] = {}
        self._minute = 0

    async def hit(self, key: str, minute: int) -> tuple[int, int]:
        if minute != self._minute:  # forget what no window looks at any more
            self._hits = {k: n for k, n in self._hits.items() if k[1] >= minute - 1}
            self._minute = minute
        current = self._hits[(key, minute)] = self._hits.get((key, minute), 0) + 1
        return current, self._hits.get((key, minute - 1), 0)


class DatabaseHits:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruned = 0

    async def hit(self, key: str, minute: int) -> tuple[int, int]:
        async with transaction(self.db) as tx:
            counted = await rate_hits.hit(tx, key, minute)
            if minute != self._pruned:
                await rate_hits.prune(tx, minute - 1)
                self._pruned = minute
        return counted


class RedisHits:
    """Two keys a window, each expiring when no window looks at it; one round trip a hit.
    When Redis does not answer, this process counts alone: a limit is no reason to refuse
    a ticket."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._fallback = MemoryHits()

    async def hit(self, key: str, minute: int) -> tuple[int, int]:
        # The key in a hash tag: on Redis Cluster both windows live on one slot, one node.
        this, last = f"lobbyq:rate:{{{key}}}:{minute}", f"lobbyq:rate:{{{key}}}:{minute - 1}"
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                current, _, previous = await pipe.incr(this).expire(this, 120).get(last).execute()
        except Exception as error:  # redis.RedisError, OSError, timeouts
            log.warning("rate limit: redis unreachable (%s); counting in this process", error)
            return await self._fallback.hit(key, minute)
        return int(current), int(previous or 0)

    async def close(self) -> None:
        await self._redis.aclose()


def hit_counter(redis_url: str | None, db: Database, database_url: str) -> HitCounter:
    if redis_url:
        return RedisHits(redis_url)
    if database_url.startswith("postgresql"):
        return DatabaseHits(db)
    return MemoryHits()


class RateLimit:
    def __init__(
        self, hits: HitCounter, per_minute: int, name: str, what: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.hits = hits
        self.per_minute = per_minute
        self.name = name
        self.what = what
        self.clock = clock

    async def check(self, key: str) -> None:
        now = self.clock()
        minute = int(now // 60)
        into = now - minute * 60
        current, previous = await self.hits.hit(f"{self.name}:{key}", minute)
        if current + previous * (1 - into / 60) > self.per_minute:
            raise TooMany(
                f"too many {self.what}: at most {self.per_minute} a minute; try again shortly",
                retry_after_s=max(1, math.ceil(60 - into)),
            )


class NoNul:
    """A NUL character names nothing and cannot be stored (PostgreSQL refuses it in text):
    a path holding one is 404, a query string holding one is 422, before any route runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path_nul = "\x00" in scope.get("path", "")
            query_nul = b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get("query_string", b"")
            if path_nul or query_nul:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4404 if path_nul else 1008})
                    return
                status, message, code = (
                    (404, "no such resource", Refusal.NOT_FOUND)
                    if path_nul
                    else (422, "invalid request: NUL character in the query", Refusal.INVALID)
                )
                body = f'{{"message":"{message}","code":"{code}"}}'.encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
