"""Health of one device, reported only on change: the server raises a ``device.fault``
alert for each fault report, so a device still broken must not report on every poll."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# (device_id, kind, status, detail)
HealthSink = Callable[[str, str, str, str], Awaitable[None] | None]


class Health:
    def __init__(self, device_id: str, kind: str, sink: HealthSink | None = None) -> None:
        self.device_id, self.kind, self.sink = device_id, kind, sink
        self.status: str | None = None
        self.detail = ""

    async def set(self, status: str, detail: str = "") -> None:
        if (status, detail) == (self.status, self.detail):
            return
        self.status, self.detail = status, detail
        log.info("device %s %s %s", self.device_id, status, detail)
        if self.sink is not None:
            try:
                r = self.sink(self.device_id, self.kind, status, detail)
                if asyncio.iscoroutine(r):
                    await r
            except Exception:
                log.exception("health sink failed for %s", self.device_id)


async def reopen(link, health: Health, stop: asyncio.Event) -> None:
    """Bring a closed port back. Only a failed first try is reported (an agent start is no
    fault); then the link retries until the port is back or we stop."""
    if not await link.open_once():
        await health.set("offline", link.last_error or "port not open")
        await link.connect(stop)
