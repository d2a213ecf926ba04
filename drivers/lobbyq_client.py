"""The agent's client of the lobbyq HTTP API (docs/api.md): the few calls the devices need.

Retry rules live here: a connection error or a 5xx is retried (a keypad press must
survive a server restart); a 4xx is the server's considered "no" (e.g. 409 nothing to
recall) and is logged, never retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable

import httpx

log = logging.getLogger(__name__)


class ApiRefused(Exception):
    def __init__(self, status: int, body: str):
        self.status, self.body = status, body
        super().__init__(f"{status}: {body[:200]}")

    @property
    def code(self) -> str | None:
        """The ``code`` of the error body ``{"message", "code"}`` (docs/api.md), if any."""
        try:
            doc = json.loads(self.body)
        except ValueError:
            return None
        code = doc.get("code") if isinstance(doc, dict) else None
        return code if isinstance(code, str) else None


class LobbyqClient:
    def __init__(
        self, server_url: str, token: str, branch: str, timeout: float = 5.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.branch = branch
        self.client = client or httpx.AsyncClient(
            base_url=self.server_url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
        )
        self.token = token

    @property
    def b(self) -> str:
        return f"/api/v1/branches/{self.branch}"

    async def close(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, json: dict | None = None) -> httpx.Response:
        """One attempt; raises ApiRefused on 4xx, httpx.TransportError / ApiRefused(5xx) otherwise."""
        r = await self.client.request(method, path, json=json)
        if r.status_code >= 400:
            raise ApiRefused(r.status_code, r.text)
        return r

    async def request_retrying(
        self,
        method: str,
        path: str,
        json: dict | None = None,
        stop: asyncio.Event | None = None,
        max_delay: float = 5.0,
        on_error: Callable[[Exception], None] | None = None,
    ) -> httpx.Response | None:
        """Retry transport errors and 5xx with jittered backoff until done or ``stop``;
        a 4xx is logged and returns None. ``on_error`` hears of every failed attempt: the
        4xx (an ``ApiRefused``, final) and each error that is about to be retried."""
        delay = 0.1
        err: Exception
        while True:
            try:
                return await self.request(method, path, json)
            except ApiRefused as e:
                if e.status < 500:
                    log.warning("%s %s refused: %s", method, path, e)
                    if on_error is not None:
                        on_error(e)
                    return None
                err = e
            except httpx.TransportError as e:
                err = e
            if on_error is not None:
                on_error(err)
            if stop is not None and stop.is_set():
                return None
            log.info("%s %s failed (%s); retrying in %.1fs", method, path, err, delay)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(max_delay, delay * 2)

    async def get_json(self, path: str) -> dict:
        return (await self.request("GET", path)).json()

    async def layout(self) -> dict:
        return await self.get_json(self.b)

    async def ticket(self, ticket_id: str) -> dict:
        return await self.get_json(f"{self.b}/tickets/{ticket_id}")

    def stream_url(self, after: int | None) -> str:
        ws = "ws" + self.server_url[4:] if self.server_url.startswith("http") else self.server_url
        q = f"token={self.token}" + (f"&after={after}" if after is not None else "")
        return f"{ws}{self.b}/stream?{q}"
