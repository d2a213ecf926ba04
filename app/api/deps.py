"""Who is asking: the context and the bearer token's principal."""

from __future__ import annotations

from fastapi import Request

from ..services.auth import Principal, authenticate
from ..services.context import Context


async def context(request: Request) -> Context:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop per request.
    return request.app.state.ctx


async def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    return await authenticate(request.app.state.ctx, token.strip() or None)
