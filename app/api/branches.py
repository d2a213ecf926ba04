"""Branch layout, VIP registry, snapshot and event replay."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from ..errors import Invalid
from ..rules.vocabulary import Role
from ..services import branches, queries
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import BranchList, EventsOut, LayoutIn, LayoutOut, StateOut, VipCardsIn, VipCardsOut

router = APIRouter(prefix="/api/v1/branches", tags=["branches"])


@router.get("", summary="Branches this token can see", response_model=BranchList, responses=refusals(401))
async def list_branches(who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Every branch for an admin, the token's own branch for the others.

    **Roles:** any token."""
    return {"branches": await queries.visible_branches(ctx, who)}


@router.put(
    "/{b}",
    summary="Create or replace a branch layout (admin)",
    response_model=LayoutOut,
    responses=refusals(401, 403, 409, *BODY, 422, s409="a counter with a customer at it would be removed"),
)
async def put_layout(
    b: str, body: LayoutIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Creates or replaces the branch layout (docs/layout.md) and answers it as stored.
    422 for an invalid layout; 409 when a counter with a customer at it would be removed.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    data = body.model_dump()
    if data.pop("code") not in (None, b):
        raise Invalid("the layout's code does not match the branch in the path")
    return await branches.apply_layout(ctx, b, data)


@router.get("/{b}", summary="The branch layout", response_model=LayoutOut, responses=refusals(*BRANCH))
async def get_layout(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """The layout: categories, counters and policy, defaults filled in.

    **Roles:** any role of the branch."""
    who.require(b)
    return await queries.layout_json(ctx, b)


@router.put(
    "/{b}/vip-cards",
    summary="Replace the VIP registry (stored salted and hashed)",
    response_model=VipCardsOut,
    responses=refusals(*BRANCH, *BODY),
)
async def put_vip_cards(
    b: str, body: VipCardsIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Replaces the branch's VIP card registry; cards are stored salted and hashed. Answers
    how many distinct cards are stored.

    **Roles:** admin."""
    who.require(b, Role.ADMIN)
    return await branches.replace_vip_cards(ctx, b, body.cards)


@router.get(
    "/{b}/state",
    summary="Snapshot of the hall: counters, waiting tickets, recent calls, and its seq",
    response_model=StateOut,
    responses=refusals(*BRANCH),
)
async def get_state(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """A snapshot of the hall consistent with its `seq`: counters with their current ticket,
    waiting tickets with how many are ahead, recent calls, open device faults. Screens start
    from it and fold the stream's events into it.

    **Roles:** any role of the branch."""
    who.require(b)
    return await queries.state(ctx, b)


@router.get(
    "/{b}/events",
    summary="Events after a sequence number, in order",
    response_class=JSONResponse,
    responses={200: {"model": EventsOut, "description": "the events, in order"}, **refusals(*BRANCH)},
)
async def get_events(
    b: str,
    after: int = Query(0, ge=0, le=2**63 - 1, description="the last seq the client has"),
    limit: int = Query(1000, ge=1, le=5000),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> Response:
    """The events after seq `after`, in order, at most `limit`. `snapshot_required` is true
    when some of them are no longer kept: take the state instead.

    **Roles:** any role of the branch."""
    who.require(b)
    batch, gone = await queries.events_after(ctx, b, after, limit=limit)
    body = (
        '{"events":['
        + ",".join(text for _, text in batch)
        + '],"snapshot_required":'
        + ("true" if gone else "false")
        + "}"
    )
    return Response(body, media_type="application/json")
