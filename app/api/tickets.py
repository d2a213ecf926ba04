"""Tickets: issue at the kiosk, look up, and the lobby manager's repairs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ..rules.vocabulary import STAFF, Role
from ..services import queries, tickets
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .schemas import IssueIn, PrintIn, PriorityIn, ReassignIn, RequeueIn

router = APIRouter(prefix="/api/v1/branches/{b}/tickets", tags=["tickets"])


@router.post("", status_code=201, summary="Issue a ticket (kiosk, manager)")
async def issue(
    b: str, body: IssueIn, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    who.require(b, Role.KIOSK, Role.MANAGER)
    if who.role == Role.KIOSK:
        request.app.state.kiosk_limit.check(who.token_hash)
    result = await tickets.issue(ctx, b, who, body.category, body.priority, body.vip_card, body.kiosk)
    if not ctx.settings.public_url:
        result["track_url"] = str(request.base_url).rstrip("/") + result["track_url"]
    request.app.state.metrics.issued(b, result["category"])
    return JSONResponse(result, status_code=201)


@router.get("", summary="Tickets of the business day (staff, display)")
async def list_tickets(
    b: str,
    status: str | None = Query(None, max_length=12),
    category: str | None = Query(None, max_length=32),
    date: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    who.require(b, *STAFF, Role.DISPLAY)
    return {"tickets": await queries.tickets_of_day(ctx, b, status, category, date)}


@router.get("/{ticket_id}", summary="One ticket (staff); the agent also sees its track_token to print")
async def get_ticket(
    b: str, ticket_id: str, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, *STAFF)
    body = await queries.ticket(ctx, b, ticket_id, with_track=who.role in (Role.AGENT, Role.ADMIN))
    if "track_token" in body:
        body["track_url"] = tickets.track_url(ctx, body["track_token"], str(request.base_url))
    return body


@router.post("/{ticket_id}/reassign", summary="Move a ticket to the right category, keeping its place in time")
async def reassign(
    b: str, ticket_id: str, body: ReassignIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.MANAGER)
    return await tickets.reassign(ctx, b, ticket_id, body.category)


@router.post("/{ticket_id}/priority", summary="Green channel, VIP or normal")
async def priority(
    b: str, ticket_id: str, body: PriorityIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.MANAGER)
    return await tickets.change_priority(ctx, b, ticket_id, body.priority)


@router.post("/{ticket_id}/requeue", summary="A no-show back to waiting; keep_place keeps its place in time")
async def requeue(
    b: str,
    ticket_id: str,
    body: RequeueIn | None = None,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    who.require(b, Role.MANAGER)
    return await tickets.requeue(ctx, b, ticket_id, bool(body and body.keep_place))


@router.post("/{ticket_id}/cancel", summary="Cancel a waiting ticket")
async def cancel(b: str, ticket_id: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, Role.MANAGER)
    return await tickets.cancel(ctx, b, ticket_id)


@router.post("/{ticket_id}/print", summary="The agent reports whether the ticket's paper came out")
async def printed(
    b: str, ticket_id: str, body: PrintIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.AGENT)
    return await tickets.mark_printed(ctx, b, ticket_id, body.status == "printed", body.device, body.detail)


@router.post("/{ticket_id}/reprint", summary="Print a ticket again (after paper is back)")
async def reprint(b: str, ticket_id: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, Role.MANAGER)
    return await tickets.reprint(ctx, b, ticket_id)
