"""Where messages to customers go: the bank's SMS gateway behind a webhook, or the log.

A notifier delivers one notice or raises ``DeliveryFailed``; retrying is the caller's
(services.notifications), so a gateway that is down never holds up a queue."""

from __future__ import annotations

from typing import Protocol

from ..rules.notifications import Notice
from ..settings import Settings


class DeliveryFailed(Exception):
    """``permanent``: the gateway refused this message (a bad number): trying again is no use."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    async def deliver(self, branch: str, notice: Notice) -> None: ...

    async def close(self) -> None: ...


def notifier_for(settings: Settings) -> Notifier:
    if settings.notify_webhook_url:
        from .webhook import WebhookNotifier

        return WebhookNotifier(
            settings.notify_webhook_url, settings.notify_webhook_secret, settings.notify_webhook_timeout_s
        )
    from .log import LogNotifier

    return LogNotifier()
