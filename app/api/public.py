"""What needs no branch token: token creation (admin), customer tracking, liveness, metrics."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import NotFound
from ..rules.vocabulary import Role
from ..services import auth, queries, tickets
from ..services.auth import Principal
from ..services.context import Context
from ..store.tokens import TokenRecord
from .deps import context, principal
from .reference import BODY, refusals
from .schemas import HealthOut, TokenIn, TokenInfo, TokenList, TokenOut, TrackOut

router = APIRouter(tags=["public"])
TRACK = r"^[A-Za-z0-9_-]{16,64}$"


@router.post(
    "/api/v1/tokens",
    status_code=201,
    response_model=TokenOut,
    summary="Create a token (admin); shown once",
    responses=refusals(401, 403, 404, *BODY, 422, s404="the branch does not exist"),
)
async def create_token(body: TokenIn, who: Principal = Depends(principal), ctx: Context = Depends(context)):
    """Makes an API token of a `role` for a `branch` (all roles but admin), with an optional
    lifetime. The token is shown in this answer only; the server keeps its hash.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    if body.branch is not None and body.role != Role.ADMIN:
        await queries.layout_of(ctx, body.branch)  # 404 for a branch that does not exist
    name = body.name or body.role
    lifetime = None if body.expires_in_days is None else body.expires_in_days * 86400
    token = await auth.create_token(ctx, body.role, body.branch, name, lifetime)
    expires_at = None if lifetime is None else _utc(ctx.clock() + lifetime)
    body_out = {"token": token, "id": auth.token_id(token), "role": body.role, "branch": body.branch}
    return JSONResponse({**body_out, "name": name, "expires_at": expires_at}, status_code=201)


@router.get(
    "/api/v1/tokens",
    response_model=TokenList,
    summary="Every token (admin), never the token itself",
    responses=refusals(401, 403, 422),
)
async def list_tokens(
    branch: str | None = Query(None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """Every token, oldest first (`branch`: that branch's only), by its public `id`, with
    when it was made, when it expires and when it was revoked.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    return {"tokens": [_token_info(record) for record in await auth.list_tokens(ctx, branch)]}


@router.post(
    "/api/v1/tokens/{token_id}/revoke",
    response_model=TokenInfo,
    summary="Revoke a token (admin): refused at once on every worker, its open streams closed",
    responses=refusals(401, 403, 404, 422),
)
async def revoke_token(token_id: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Revokes the token whose `id` is `token_id` and answers it as listed: every worker
    refuses it from then on and closes its open streams. Revoking again keeps the first time.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    if not re.fullmatch(r"[0-9a-f]{12}", token_id):
        raise NotFound(f"no token with id {token_id!r}")
    return _token_info(await auth.revoke_token(ctx, token_id))


def _utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def _token_info(record: TokenRecord) -> dict:
    return {
        "id": record.id,
        "role": record.role,
        "branch": record.branch,
        "name": record.name,
        "created_at": _utc(record.created_at),
        "expires_at": None if record.expires_at is None else _utc(record.expires_at),
        "revoked_at": None if record.revoked_at is None else _utc(record.revoked_at),
    }


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get(
    "/api/v1/track/{track_token}",
    summary="A customer's own ticket: status, people ahead, estimated wait",
    response_model=TrackOut,
    responses=refusals(404, 422, 429),
)
async def track(track_token: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """The customer's own ticket for the page their QR code opens: status, people ahead and
    the estimated wait while it waits. Rate-limited per client address.

    **Roles:** none: public, the tracking code is the key."""
    await request.app.state.track_limit.check(_client(request))
    _valid(track_token)
    return await tickets.track(ctx, track_token)


@router.post(
    "/api/v1/track/{track_token}/cancel",
    summary="The customer leaves: their waiting ticket is cancelled",
    response_model=TrackOut,
    responses=refusals(404, 409, 422, 429),
)
async def track_cancel(track_token: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """The customer leaves: their `waiting` ticket is cancelled (409 in another state).
    Answers the tracking JSON.

    **Roles:** none: public, the tracking code is the key."""
    await request.app.state.track_limit.check(_client(request))
    _valid(track_token)
    return await tickets.cancel_by_customer(ctx, track_token)


def _valid(track_token: str) -> None:
    if not re.match(TRACK, track_token):
        raise NotFound("no ticket has this tracking code")


@router.get("/healthz", summary="Liveness, and whether the database answers", response_model=HealthOut)
async def healthz(ctx: Context = Depends(context)) -> dict:
    """`{"status": "ok"}` when the process is up and its database answers.

    **Roles:** none: public."""
    await queries.database_answers(ctx)
    return {"status": "ok"}


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def metrics(request: Request) -> Response:
    """Request latency by route, tickets issued and called (per process), tickets waiting by
    branch and category and faulty devices by branch (from the database; summed over
    branches when `LOBBYQ_METRICS_BRANCH_LABELS` is off), and this process's stream lag.

    **Roles:** none: public."""
    feeds = request.app.state.hub.feeds
    read_up_to = {code: feed.last_seq for code, feed in feeds.items()}
    body, content_type = await request.app.state.metrics.render(request.app.state.ctx, read_up_to)
    return Response(body, media_type=content_type)
