"""Notices to customers (issue #13 item 7): a booking's confirmation and its reminders,
sent through a ``Notifier`` the bank plugs its SMS gateway into (a webhook), or written to
the log. Delivery runs beside the request, retried with back-off: a failed or slow
delivery never holds up a ticket, a call or a booking (docs/api.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ..rules.vocabulary import NoticeKind

log = logging.getLogger("lobbyq.notices")


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    branch: str
    phone: str
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "branch": self.branch, "phone": self.phone, "data": self.data}


class Notifier(Protocol):
    async def send(self, notice: Notice) -> None:
        """Deliver one notice, or raise: the caller retries."""
        ...


class LogNotifier:
    """Writes each notice to the log, the phone number masked: the default, and a way to
    see what a gateway would be sent."""

    async def send(self, notice: Notice) -> None:
        log.info("notice %s for %s at branch %s: %s", notice.kind, _masked(notice.phone), notice.branch, notice.data)


class WebhookNotifier:
    """POSTs each notice as JSON to the bank's URL; any answer but 2xx is a failure."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    async def send(self, notice: Notice) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            answer = await client.post(self.url, json=notice.payload())
        answer.raise_for_status()


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


class Deliveries:
    """Sends notices in the background, each retried up to ``retries`` more times with a
    doubling back-off; what still fails is logged and dropped."""

    def __init__(
        self,
        notifier: Notifier,
        retries: int = 5,
        backoff_s: float = 2.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.notifier = notifier
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.delivered = 0
        self.failed = 0
        self._pending: set[asyncio.Task[None]] = set()

    def deliver(self, notice: Notice) -> None:
        task = asyncio.get_running_loop().create_task(self._attempts(notice), name=f"notice-{notice.kind}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _attempts(self, notice: Notice) -> None:
        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            try:
                await self.notifier.send(notice)
            except Exception as error:  # httpx errors, the gateway's 5xx, a bad plug-in
                if attempt == self.retries:
                    self.failed += 1
                    log.warning(
                        "notice %s to %s given up after %d attempts: %s",
                        notice.kind,
                        _masked(notice.phone),
                        attempt + 1,
                        error,
                    )
                    return
                await self.sleep(delay)
                delay *= 2
            else:
                self.delivered += 1
                return

    async def drain(self) -> None:
        """Wait for every notice under way (tests, and a clean stop)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


def deliveries_for(webhook_url: str | None, retries: int, backoff_s: float) -> Deliveries:
    notifier: Notifier = WebhookNotifier(webhook_url) if webhook_url else LogNotifier()
    return Deliveries(notifier, retries, backoff_s)
