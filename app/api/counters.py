"""A teller's counter: sign in, call, serve, transfer, pause, and the rating after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from ..rules.vocabulary import Role
from ..services import counters
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .schemas import EvaluationIn, PauseIn, TransferIn

router = APIRouter(prefix="/api/v1/branches/{b}/counters/{n}", tags=["counters"])

# The hot endpoints answer with a JSONResponse of the ticket the service already made
# JSON-ready, so FastAPI does not walk it again; their response model still describes it.
WORKERS = (Role.TELLER, Role.MANAGER, Role.AGENT)
N = Path(ge=1, le=999, description="counter number")


@router.post("/open", summary="Sign the teller in; the counter is ready")
async def open_(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, Role.TELLER, Role.MANAGER)
    return await counters.open_counter(ctx, b, who, n)


@router.post("/close", summary="Sign out; the counter takes no more calls")
async def close(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, Role.TELLER, Role.MANAGER)
    return await counters.close_counter(ctx, b, who, n)


@router.post("/pause", summary="Pause the window (暂停服务)")
async def pause(
    b: str,
    body: PauseIn | None = None,
    n: int = N,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    who.require(b, *WORKERS)
    return await counters.pause_counter(ctx, b, who, n, body.reason if body else None)


@router.post("/resume", summary="Resume a paused window")
async def resume(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, *WORKERS)
    return await counters.resume_counter(ctx, b, who, n)


@router.post(
    "/call-next",
    summary="Call the next ticket: 200 with it, or 204 when nobody waits",
    responses={204: {"description": "nobody waits for this counter"}},
)
async def call_next(
    b: str, request: Request, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    who.require(b, *WORKERS)
    ticket = await counters.call_next(ctx, b, who, n)
    if ticket is None:
        return Response(status_code=204)
    request.app.state.metrics.called(b)
    return JSONResponse(ticket)


@router.post("/call/{ticket_id}", summary="Call one chosen waiting or postponed ticket")
async def call_one(
    b: str,
    ticket_id: str,
    request: Request,
    n: int = N,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    who.require(b, *WORKERS)
    ticket = await counters.call_ticket(ctx, b, who, n, ticket_id)
    request.app.state.metrics.called(b)
    return ticket


def _on_current(action: str, summary: str):
    async def endpoint(
        b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
    ) -> Response:
        who.require(b, *WORKERS)
        return JSONResponse(await counters.on_current(ctx, b, who, n, action))

    endpoint.__name__ = action
    router.add_api_route(f"/{action}", endpoint, methods=["POST"], summary=summary, response_model=dict[str, Any])


_on_current("recall", "Call the current ticket again (counts recalls)")
_on_current("start", "The customer arrived: serving starts")
_on_current("finish", "Service done; the evaluation window opens")
_on_current("skip", "The customer did not come: no-show")
_on_current("postpone", "The customer steps aside (a form to fill); call the ticket back later")


@router.post(
    "/transfer", summary="Current ticket back to waiting for another category, or pinned to another counter (转柜)"
)
async def transfer(
    b: str, body: TransferIn, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, *WORKERS)
    return await counters.transfer(ctx, b, who, n, body.category, body.counter)


@router.post("/evaluation", summary="The customer's rating, in the evaluation window after finish; else 409")
async def evaluation(
    b: str, body: EvaluationIn, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.AGENT, Role.TELLER, Role.MANAGER)
    return await counters.evaluate(ctx, b, who, n, body.score)
