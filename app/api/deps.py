"""Who is asking: the context and the bearer token's principal."""

from __future__ import annotations

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..services.auth import Principal, authenticate
from ..services.context import Context

# The bearer scheme in the OpenAPI document (Swagger UI's Authorize button). Its absence
# or a wrong scheme is not refused here: authenticate() answers 401 with the error body.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token (`lobbyq token create`, `POST /api/v1/tokens`), sent as `Authorization: Bearer T`.",
)


async def context(request: Request) -> Context:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop per request.
    return request.app.state.ctx


async def principal(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
    token = credentials.credentials.strip() if credentials else ""
    return await authenticate(request.app.state.ctx, token or None)
