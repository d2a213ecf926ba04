"""A request id per HTTP request (and websocket), so the log lines of one request can be
found together: taken from the caller's ``X-Request-ID`` when it is a safe token (a proxy
or load balancer may already have given one), else made here; echoed in the answer."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

HEADER = b"x-request-id"
# What a caller may give: short and without anything that could forge a log line.
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")

current: ContextVar[str | None] = ContextVar("lobbyq_request_id", default=None)


def accepted(given: str | None) -> str:
    """The caller's id when valid, else a new one."""
    if given is not None and _VALID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestId:
    """Pure ASGI middleware: sets the id for everything the request runs (log lines included)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = next((v for n, v in scope.get("headers", []) if n.lower() == HEADER), None)
        rid = accepted(given.decode("latin-1") if given is not None else None)
        token = current.set(rid)

        async def with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id if scope["type"] == "http" else send)
        finally:
            current.reset(token)


class WithRequestId(logging.Filter):
    """Gives every record the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
