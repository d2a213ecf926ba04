"""Rate limits per key (kiosk token, public address), counted in one process's memory."""

from __future__ import annotations

import time
from collections import deque

from ..errors import TooMany
from ..rules.vocabulary import Refusal


class RateLimit:
    def __init__(self, per_minute: int, what: str):
        self.per_minute = per_minute
        self.what = what
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            raise TooMany(f"too many {self.what}: at most {self.per_minute} a minute; try again shortly")
        hits.append(now)
        if len(self._hits) > 50_000:  # forget idle keys rather than grow without bound
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 60}


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
