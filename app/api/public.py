"""What needs no branch token: token creation (admin), customer tracking, liveness, metrics."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..errors import NotFound
from ..rules.vocabulary import Role
from ..services import auth, queries, tickets
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .schemas import TokenIn, TokenOut

router = APIRouter(tags=["public"])
TRACK = r"^[A-Za-z0-9_-]{16,64}$"


@router.post("/api/v1/tokens", status_code=201, response_model=TokenOut, summary="Create a token (admin); shown once")
async def create_token(body: TokenIn, who: Principal = Depends(principal), ctx: Context = Depends(context)):
    who.require(None, Role.ADMIN)
    if body.branch is not None and body.role != Role.ADMIN:
        await queries.layout_of(ctx, body.branch)  # 404 for a branch that does not exist
    name = body.name or body.role
    token = await auth.create_token(ctx, body.role, body.branch, name)
    return JSONResponse({"token": token, "role": body.role, "branch": body.branch, "name": name}, status_code=201)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get("/api/v1/track/{track_token}", summary="A customer's own ticket: status, people ahead, estimated wait")
async def track(track_token: str, request: Request, ctx: Context = Depends(context)) -> dict:
    request.app.state.track_limit.check(_client(request))
    _valid(track_token)
    return await tickets.track(ctx, track_token)


@router.post("/api/v1/track/{track_token}/cancel", summary="The customer leaves: their waiting ticket is cancelled")
async def track_cancel(track_token: str, request: Request, ctx: Context = Depends(context)) -> dict:
    request.app.state.track_limit.check(_client(request))
    _valid(track_token)
    return await tickets.cancel_by_customer(ctx, track_token)


def _valid(track_token: str) -> None:
    if not re.match(TRACK, track_token):
        raise NotFound("no ticket has this tracking code")


@router.get("/healthz", summary="Liveness, and whether the database answers")
async def healthz(ctx: Context = Depends(context)) -> dict:
    await queries.database_answers(ctx)
    return {"status": "ok"}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    body, content_type = await request.app.state.metrics.render(request.app.state.ctx)
    return Response(body, media_type=content_type)
