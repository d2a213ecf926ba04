"""Tickets: issue at the kiosk, look up, and the lobby manager's repairs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ..rules.vocabulary import STAFF, Role
from ..services import queries, tickets
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import (
    CalendarDay,
    IssuedTicketOut,
    IssueIn,
    PrintIn,
    PriorityIn,
    ReassignIn,
    RequeueIn,
    TicketDetailOut,
    TicketList,
    TicketOut,
)

router = APIRouter(prefix="/api/v1/branches/{b}/tickets", tags=["tickets"])


@router.post(
    "",
    status_code=201,
    summary="Issue a ticket (kiosk, manager)",
    response_model=IssuedTicketOut,
    responses=refusals(
        *BRANCH,
        *BODY,
        429,
        s403="another branch's token, a role that may not issue, a VIP card not "
        "in the registry, or a priority the caller may not give",
    ),
)
async def issue(
    b: str, body: IssueIn, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """Issues a ticket in a category (a VIP card from the kiosk, or a priority from the manager
    makes it VIP or green channel): 201 with the ticket, how many are `ahead`, and its
    `track_token` and `track_url` for the customer's QR code. 422 for an unknown category;
    429 when a kiosk issues too fast.

    **Roles:** kiosk, manager, admin."""
    who.require(b, Role.KIOSK, Role.MANAGER)
    if who.role == Role.KIOSK:
        await request.app.state.kiosk_limit.check(who.token_hash)
    result = await tickets.issue(ctx, b, who, body.category, body.priority, body.vip_card, body.kiosk)
    if not ctx.settings.public_url:
        result["track_url"] = str(request.base_url).rstrip("/") + result["track_url"]
    request.app.state.metrics.issued(b, result["category"])
    return JSONResponse(result, status_code=201)


@router.get(
    "", summary="Tickets of the business day (staff, display)", response_model=TicketList, responses=refusals(*BRANCH)
)
async def list_tickets(
    b: str,
    status: str | None = Query(None, max_length=12),
    category: str | None = Query(None, max_length=32),
    date: CalendarDay | None = Query(None, description="business day, YYYY-MM-DD; default today"),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """The tickets of a business day (`date`, default today) in issue order, optionally only
    those of one `status` and one `category`.

    **Roles:** manager, teller, agent, display, admin."""
    who.require(b, *STAFF, Role.DISPLAY)
    return {"tickets": await queries.tickets_of_day(ctx, b, status, category, date)}


@router.get(
    "/{ticket_id}",
    summary="One ticket (staff); the agent also sees its track_token to print",
    response_model=TicketDetailOut,
    responses=refusals(*BRANCH),
)
async def get_ticket(
    b: str, ticket_id: str, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """One ticket, with `booking`: the booking it was checked in from (slot, amount and
    currency of a withdrawal) or null. For the agent (and an admin) it also carries
    `track_token` and `track_url`, which the agent prints as the ticket's QR code.

    **Roles:** manager, teller, agent, admin."""
    who.require(b, *STAFF)
    body = await queries.ticket(ctx, b, ticket_id, with_track=who.role in (Role.AGENT, Role.ADMIN))
    if "track_token" in body:
        body["track_url"] = tickets.track_url(ctx, body["track_token"], str(request.base_url))
    return body


@router.post(
    "/{ticket_id}/reassign",
    summary="Move a ticket to the right category, keeping its place in time",
    response_model=TicketOut,
    responses=refusals(*BRANCH, 409, *BODY),
)
async def reassign(
    b: str, ticket_id: str, body: ReassignIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """The customer took the wrong kind of ticket: it moves to `category` and keeps its place
    in time. A ticket at a counter (or postponed) goes back to waiting, unpinned.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await tickets.reassign(ctx, b, ticket_id, body.category)


@router.post(
    "/{ticket_id}/priority",
    summary="Green channel, VIP or normal",
    response_model=TicketOut,
    responses=refusals(*BRANCH, 409, *BODY),
)
async def priority(
    b: str, ticket_id: str, body: PriorityIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Changes a ticket's priority class: `green` (green channel) before `vip` before `normal`.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await tickets.change_priority(ctx, b, ticket_id, body.priority)


@router.post(
    "/{ticket_id}/requeue",
    summary="A no-show back to waiting; keep_place keeps its place in time",
    response_model=TicketOut,
    responses=refusals(*BRANCH, 409, *BODY),
)
async def requeue(
    b: str,
    ticket_id: str,
    body: RequeueIn | None = None,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """A `no_show` ticket back to waiting (409 in another state); its place in time is now,
    unless `keep_place`.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await tickets.requeue(ctx, b, ticket_id, bool(body and body.keep_place))


@router.post(
    "/{ticket_id}/cancel", summary="Cancel a waiting ticket", response_model=TicketOut, responses=refusals(*BRANCH, 409)
)
async def cancel(b: str, ticket_id: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """A `waiting` ticket becomes `cancelled` (409 in another state).

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await tickets.cancel(ctx, b, ticket_id)


@router.post(
    "/{ticket_id}/print",
    summary="The agent reports whether the ticket's paper came out",
    response_model=TicketOut,
    responses=refusals(*BRANCH, *BODY),
)
async def printed(
    b: str, ticket_id: str, body: PrintIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Whether the ticket's paper came out of the kiosk printer: a failure sets
    `print_failed` (and the manager sees it), a later success clears it.

    **Roles:** agent, admin."""
    who.require(b, Role.AGENT)
    return await tickets.mark_printed(ctx, b, ticket_id, body.status == "printed", body.device, body.detail)


@router.post(
    "/{ticket_id}/reprint",
    summary="Print a ticket again (after paper is back)",
    response_model=TicketOut,
    responses=refusals(*BRANCH),
)
async def reprint(b: str, ticket_id: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Asks for the ticket to be printed again: the device agent prints it on the kiosk's
    printer.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await tickets.reprint(ctx, b, ticket_id)
