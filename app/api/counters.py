"""A teller's counter: sign in, call, serve, transfer, pause, and the rating after."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from ..rules.vocabulary import Role
from ..services import counters
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import CounterOut, EvaluationIn, PauseIn, TicketOut, TransferIn, TransferredTicketOut

router = APIRouter(prefix="/api/v1/branches/{b}/counters/{n}", tags=["counters"])

# The hot endpoints answer with a JSONResponse of the ticket the service already made
# JSON-ready, so FastAPI does not walk it again; their response model still describes it.
WORKERS = (Role.TELLER, Role.MANAGER, Role.AGENT)
N = Path(ge=1, le=999, description="counter number")


@router.post(
    "/open",
    summary="Sign the teller in; the counter is ready",
    response_model=CounterOut,
    responses=refusals(*BRANCH, 409, s403="not this branch or role, or another teller is signed in at the counter"),
)
async def open_(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Signs the caller in at the counter (its name becomes the counter's `teller`); the
    counter is `open`. A teller cannot take over a counter another teller signed in at.

    **Roles:** teller, manager, admin."""
    who.require(b, Role.TELLER, Role.MANAGER)
    return await counters.open_counter(ctx, b, who, n)


@router.post(
    "/close",
    summary="Sign out; the counter takes no more calls",
    response_model=CounterOut,
    responses=refusals(*BRANCH, 409),
)
async def close(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Signs out: the counter is `closed`. Refused (409) while a customer is called or served
    at it.

    **Roles:** teller, manager, admin."""
    who.require(b, Role.TELLER, Role.MANAGER)
    return await counters.close_counter(ctx, b, who, n)


@router.post(
    "/pause", summary="Pause the window (暂停服务)", response_model=CounterOut, responses=refusals(*BRANCH, 409, *BODY)
)
async def pause(
    b: str,
    body: PauseIn | None = None,
    n: int = N,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """The window pauses (暂停服务) with an optional `reason`: it takes no calls until resumed.
    409 if already paused or closed.

    **Roles:** teller, manager, agent, admin."""
    who.require(b, *WORKERS)
    return await counters.pause_counter(ctx, b, who, n, body.reason if body else None)


@router.post("/resume", summary="Resume a paused window", response_model=CounterOut, responses=refusals(*BRANCH, 409))
async def resume(b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """A paused counter back to `open`; 409 if it is not paused.

    **Roles:** teller, manager, agent, admin."""
    who.require(b, *WORKERS)
    return await counters.resume_counter(ctx, b, who, n)


@router.post(
    "/call-next",
    summary="Call the next ticket: 200 with it, or 204 when nobody waits",
    response_model=TicketOut,
    responses={204: {"description": "nobody waits for this counter"}, **refusals(*BRANCH, 409)},
)
async def call_next(
    b: str, request: Request, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """Calls the next ticket in the branch's order (docs/domain.md): 200 with it, or 204 when
    nobody waits for this counter. A ticket being served is finished first; one merely
    called, a paused or a closed counter is 409.

    **Roles:** teller, manager, agent, admin."""
    who.require(b, *WORKERS)
    ticket = await counters.call_next(ctx, b, who, n)
    if ticket is None:
        return Response(status_code=204)
    request.app.state.metrics.called(b)
    return JSONResponse(ticket)


@router.post(
    "/call/{ticket_id}",
    summary="Call one chosen waiting or postponed ticket",
    response_model=TicketOut,
    responses=refusals(*BRANCH, 409),
)
async def call_one(
    b: str,
    ticket_id: str,
    request: Request,
    n: int = N,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """Calls one chosen `waiting` or `postponed` ticket, whatever its category (409 in
    another state); the counter's current ticket is handled as for call-next.

    **Roles:** teller, manager, agent, admin."""
    who.require(b, *WORKERS)
    ticket = await counters.call_ticket(ctx, b, who, n, ticket_id)
    request.app.state.metrics.called(b)
    return ticket


def _on_current(action: str, summary: str, description: str):
    async def endpoint(
        b: str, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
    ) -> Response:
        who.require(b, *WORKERS)
        return JSONResponse(await counters.on_current(ctx, b, who, n, action))

    endpoint.__name__ = action
    router.add_api_route(
        f"/{action}",
        endpoint,
        methods=["POST"],
        summary=summary,
        description=f"{description} 409 when the counter has no current ticket in the state this needs, "
        "or is closed.\n\n**Roles:** teller, manager, agent, admin.",
        response_model=TicketOut,
        responses=refusals(*BRANCH, 409),
    )


_on_current(
    "recall",
    "Call the current ticket again (counts recalls)",
    "Calls the current ticket again (an elderly customer missed the call); `recall_count` + 1.",
)
_on_current("start", "The customer arrived: serving starts", "The customer arrived: `called` → `serving`.")
_on_current("finish", "Service done; the evaluation window opens", "Service done: → `done`; the rating window opens.")
_on_current("skip", "The customer did not come: no-show", "The customer did not come: `called` → `no_show`.")
_on_current(
    "postpone",
    "The customer steps aside (a form to fill); call the ticket back later",
    "The customer steps aside to fill a form: → `postponed`; it comes back only through call/{ticket_id}.",
)


@router.post(
    "/transfer",
    summary="Current ticket back to waiting for another category, or pinned to another counter (转柜)",
    response_model=TransferredTicketOut,
    responses=refusals(*BRANCH, 409, *BODY),
)
async def transfer(
    b: str, body: TransferIn, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """转柜: the current ticket goes back to waiting and keeps its place in time, either in
    `category` or pinned to `counter` (called there first). 422 for an unknown category or
    counter; 409 when the counter has no current ticket.

    **Roles:** teller, manager, agent, admin."""
    who.require(b, *WORKERS)
    return await counters.transfer(ctx, b, who, n, body.category, body.counter)


@router.post(
    "/evaluation",
    summary="The customer's rating, in the evaluation window after finish; else 409",
    response_model=TicketOut,
    responses=refusals(*BRANCH, 409, *BODY, s409="no rating window is open at this counter: counted as a stray press"),
)
async def evaluation(
    b: str, body: EvaluationIn, n: int = N, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Stores the customer's `score` (1–4) on the ticket whose rating window is open at this
    counter, also on a closed counter; a 4 raises an alert for the manager.

    **Roles:** agent, teller, manager, admin."""
    who.require(b, Role.AGENT, Role.TELLER, Role.MANAGER)
    return await counters.evaluate(ctx, b, who, n, body.score)
