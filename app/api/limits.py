"""Rate limits per key (kiosk token, public address), counted in one process's memory."""

from __future__ import annotations

import time
from collections import deque

from ..errors import TooMany


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
