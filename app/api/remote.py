"""Remote tickets: what a customer at home may take (public, rate-limited per address),
and their confirmation in the branch (kiosk, teller, manager)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..rules.estimates import wait_minutes
from ..rules.vocabulary import Role
from ..services import queries, remote
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import ConfirmIn, RemoteBranchOut, RemoteIn, RemoteTicketOut, TicketOut

router = APIRouter(tags=["remote tickets"])
BRANCH_CODE = r"^[A-Za-z0-9_-]{1,32}$"


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get(
    "/api/v1/remote/{b}",
    summary="The categories a customer may take from a phone, and their queues",
    response_model=RemoteBranchOut,
    responses=refusals(404, 422, 429),
)
async def remote_branch(b: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """The branch's name and language, and each category taken from a phone with how many
    wait and the estimated wait of a ticket taken now. Rate-limited per address.

    **Roles:** none: public."""
    await request.app.state.track_limit.check(_client(request))
    state = await queries.state(ctx, b)
    layout = await queries.layout_of(ctx, b)
    remote_codes = {c.code for c in layout.categories if c.remote}
    return {
        "branch": b,
        "branch_name": layout.name,
        "locale": layout.locale,
        "categories": [
            {
                "code": c["code"],
                "name": c["name"],
                "waiting": c["waiting"],
                "wait_minutes": wait_minutes(c.get("estimated_wait_s")),
            }
            for c in state["categories"]
            if c["code"] in remote_codes
        ],
    }


@router.post(
    "/api/v1/remote/{b}/tickets",
    status_code=201,
    summary="Take a ticket from a phone (public)",
    response_model=RemoteTicketOut,
    responses=refusals(404, *BODY, 409, 422, 429, s403="the category is not taken from a phone"),
)
async def take(b: str, body: RemoteIn, request: Request, ctx: Context = Depends(context)):
    """A remote ticket: numbered and placed like any other but never called until it is
    confirmed in the branch (by its number and `confirm_code`, or its QR) before
    `confirm_by`; it follows the queue at `track_url`. 403 for a category not taken from a
    phone; 409 when the phone already holds one here; 429 beyond
    `LOBBYQ_REMOTE_RATE_PER_MINUTE` per address.

    **Roles:** none: public."""
    await request.app.state.remote_limit.check(_client(request))
    result = await remote.take(ctx, b, body.category, body.phone)
    if not ctx.settings.public_url:
        result["track_url"] = str(request.base_url).rstrip("/") + result["track_url"]
    return JSONResponse(result, status_code=201)


@router.post(
    "/api/v1/branches/{b}/confirmations",
    summary="Confirm a remote ticket in the branch (kiosk, teller, manager)",
    response_model=TicketOut,
    responses=refusals(*BRANCH, *BODY, 409),
)
async def confirm(
    b: str, body: ConfirmIn, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """The customer of a remote ticket is here: by its `number` and `code`, or its
    `track_token` (the QR scanned), the ticket starts waiting from when it was taken, the
    place earned from home (`ticket.confirmed`; a kiosk's printer prints it). 404 for no
    such remote ticket today (a wrong code says no more); 409 for a ticket already confirmed,
    or expired. Rate-limited per kiosk like issuing.

    **Roles:** kiosk, teller, manager, admin."""
    who.require(b, Role.KIOSK, Role.TELLER, Role.MANAGER)
    if who.role == Role.KIOSK:
        await request.app.state.kiosk_limit.check(who.token_hash)
    return await remote.confirm(ctx, b, who, body.number, body.code, body.track_token)
