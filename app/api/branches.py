"""Branch layout, VIP registry, snapshot and event replay."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ..errors import Invalid
from ..rules.vocabulary import Role
from ..services import branches, queries
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .schemas import LayoutIn, VipCardsIn

router = APIRouter(prefix="/api/v1/branches", tags=["branches"])


@router.get("", summary="Branches this token can see")
async def list_branches(who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    return {"branches": await queries.visible_branches(ctx, who)}


@router.put("/{b}", summary="Create or replace a branch layout (admin)")
async def put_layout(
    b: str, body: LayoutIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(None, Role.ADMIN)
    data = body.model_dump()
    if data.pop("code") not in (None, b):
        raise Invalid("the layout's code does not match the branch in the path")
    return await branches.apply_layout(ctx, b, data)


@router.get("/{b}", summary="The branch layout")
async def get_layout(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b)
    return await queries.layout_json(ctx, b)


@router.put("/{b}/vip-cards", summary="Replace the VIP registry (stored salted and hashed)")
async def put_vip_cards(
    b: str, body: VipCardsIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.ADMIN)
    return await branches.replace_vip_cards(ctx, b, body.cards)


@router.get("/{b}/state", summary="Snapshot of the hall: counters, waiting tickets, recent calls, and its seq")
async def get_state(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b)
    return await queries.state(ctx, b)


@router.get("/{b}/events", summary="Events after a sequence number, in order")
async def get_events(
    b: str,
    after: int = Query(0, ge=0, le=2**63 - 1, description="the last seq the client has"),
    limit: int = Query(1000, ge=1, le=5000),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> Response:
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
