"""The bank's SMS gateway (or anything else) behind a webhook: one JSON POST a notice,
signed with HMAC-SHA256 when a secret is set, carrying the notice id so that the gateway
can drop a repeat (a delivery is at least once)."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from ..rules.notifications import Notice, text_of
from . import DeliveryFailed

# Answers that say "this message, never": anything else that is not 2xx is worth a retry.
_RETRYABLE_4XX = {408, 425, 429}


class WebhookNotifier:
    def __init__(self, url: str, secret: str | None, timeout_s: float):
        self.url = url
        self.secret = secret.encode() if secret else None
        self._client = httpx.AsyncClient(timeout=timeout_s)

    def body(self, branch: str, notice: Notice) -> bytes:
        return json.dumps(
            {
                "id": notice.id,
                "kind": notice.kind,
                "branch": branch,
                "recipient": notice.recipient,
                "locale": notice.locale,
                "text": text_of(notice),
                "data": notice.data,
                "attempt": notice.attempts,
            },
            ensure_ascii=False,
        ).encode()

    async def deliver(self, branch: str, notice: Notice) -> None:
        body = self.body(branch, notice)
        headers = {"Content-Type": "application/json", "X-Lobbyq-Notice": notice.id}
        if self.secret:
            headers["X-Lobbyq-Signature"] = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        try:
            answer = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:  # refused, timed out, reset: the gateway may be back soon
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        if answer.is_success:
            return
        permanent = 400 <= answer.status_code < 500 and answer.status_code not in _RETRYABLE_4XX
        raise DeliveryFailed(f"HTTP {answer.status_code}: {answer.text[:200]}", permanent=permanent)

    async def close(self) -> None:
        await self._client.aclose()
