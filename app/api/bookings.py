"""Appointments (issue #13): the public booking endpoints (no account; the booking code is
the key, rate-limited per address), and the staff's: booking for a customer, the day's
bookings, the cash list, and check-in at the kiosk or by the lobby manager."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import NotFound
from ..rules.vocabulary import Role
from ..services import bookings, remote
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import (
    BOOKING_CODE,
    BookableOut,
    BookedOut,
    BookIn,
    BookingList,
    BookingOut,
    CalendarDay,
    CashOut,
    CheckInIn,
    IssuedTicketOut,
    RemoteIn,
    RemoteShownOut,
    RemoteTakenOut,
    SlotIn,
    SlotsOut,
)

router = APIRouter(tags=["appointments"])
STAFF_PATH = "/api/v1/branches/{b}"
DAY = Query(None, description="YYYY-MM-DD")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


async def _limited(request: Request) -> None:
    await request.app.state.booking_limit.check(_client(request))


def _valid(code: str) -> None:
    if not re.match(BOOKING_CODE, code):
        raise NotFound("no booking has this code")


# -- public ---------------------------------------------------------------------------


@router.get(
    "/api/v1/book/{b}",
    summary="What a branch lets customers book, and its opening hours",
    response_model=BookableOut,
    responses=refusals(404, 422, 429),
)
async def bookable(b: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """The branch's name, language, opening hours (and whether it is open now, and when it
    next opens) and the categories that take appointments, with their rules.

    **Roles:** none: public, rate-limited per client address."""
    await _limited(request)
    return await bookings.bookable(ctx, b)


@router.get(
    "/api/v1/book/{b}/slots",
    summary="A day's slots of a category with the places left",
    response_model=SlotsOut,
    responses=refusals(404, 422, 429),
)
async def slots(
    b: str,
    request: Request,
    category: str = Query(min_length=1, max_length=32),
    date: CalendarDay = Query(description="YYYY-MM-DD"),
    ctx: Context = Depends(context),
) -> dict:
    """Every slot of the day for the category, with `free` places (0 when full, past, or
    too late or too far ahead to book). A day the branch is closed has no slots.

    **Roles:** none: public, rate-limited per client address."""
    await _limited(request)
    return await bookings.free_slots(ctx, b, category, date)


@router.post(
    "/api/v1/book/{b}",
    status_code=201,
    summary="Book a slot: answers the booking code, shown this once",
    response_model=BookedOut,
    responses=refusals(
        404, *BODY, 409, 422, 429, s409="the slot is full (`slot_full`) or the branch closed that day (`branch_closed`)"
    ),
)
async def book(b: str, body: BookIn, request: Request, ctx: Context = Depends(context)):
    """Books a place in a slot of a category. 201 with the booking and its `code` (128 bits;
    only its hash is kept), which changes, cancels and checks the booking in. 409
    `slot_full` when the last place went to someone else; 422 for a slot the rules do not
    allow (too late, too far ahead, a large withdrawal not booked a business day ahead).

    **Roles:** none: public, rate-limited per client address."""
    await _limited(request)
    made = await bookings.book(
        ctx, b, body.category, body.date, body.time, phone=body.phone, amount=body.amount, currency=body.currency
    )
    return JSONResponse(made, status_code=201)


@router.get(
    "/api/v1/bookings/{code}",
    summary="A customer's own booking, by its code",
    response_model=BookingOut,
    responses=refusals(404, 422, 429),
)
async def show(code: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """The booking of this code: slot, status, amount, and its ticket once checked in.

    **Roles:** none: public, the booking code is the key."""
    await _limited(request)
    _valid(code)
    return await bookings.show(ctx, code)


@router.post(
    "/api/v1/bookings/{code}/change",
    summary="Move a booking to another slot (and amount)",
    response_model=BookingOut,
    responses=refusals(404, *BODY, 409, 422, 429),
)
async def change(code: str, body: SlotIn, request: Request, ctx: Context = Depends(context)) -> dict:
    """Moves a `booked` booking to another slot, in one transaction: the old place is given
    back, the new one taken (409 `slot_full` keeps the old one). An amount or currency
    left out stays as it was.

    **Roles:** none: public, the booking code is the key."""
    await _limited(request)
    _valid(code)
    return await bookings.change(ctx, code, body.date, body.time, body.amount, body.currency)


@router.post(
    "/api/v1/bookings/{code}/cancel",
    summary="Cancel a booking; its place is free again",
    response_model=BookingOut,
    responses=refusals(404, 409, 422, 429),
)
async def cancel(code: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """Cancels a `booked` booking (409 once cancelled or checked in).

    **Roles:** none: public, the booking code is the key."""
    await _limited(request)
    _valid(code)
    return await bookings.cancel(ctx, code)


@router.post(
    "/api/v1/book/{b}/remote",
    status_code=201,
    summary="Take a ticket from the phone, confirmed on arrival",
    response_model=RemoteTakenOut,
    responses=refusals(
        404, *BODY, 409, 422, 429, s409="the branch is closed (`branch_closed`)", s429="the daily limit, or too fast"
    ),
)
async def take_remote(b: str, body: RemoteIn, request: Request, ctx: Context = Depends(context)):
    """A place in the category's queue from now (categories with `remote` only, while the
    branch is open), and its `code`, shown this once. The customer confirms it at the kiosk
    or at the window within `policy.remote_confirm_minutes`; until then it is never called.
    At most `policy.remote_per_day` a business day per phone number and per address (429).

    **Roles:** none: public, rate-limited per client address."""
    await _limited(request)
    taken = await remote.take(ctx, b, body.category, body.phone, _client(request))
    return JSONResponse(taken, status_code=201)


@router.get(
    "/api/v1/remote/{code}",
    summary="A customer's remote ticket, by its code",
    response_model=RemoteShownOut,
    responses=refusals(404, 422, 429),
)
async def show_remote(code: str, request: Request, ctx: Context = Depends(context)) -> dict:
    """Its status (`waiting` to be confirmed, `confirmed`, `expired`), how many are ahead
    while it waits, and once confirmed the ticket's `track_url`.

    **Roles:** none: public, the remote ticket's code is the key."""
    await _limited(request)
    _valid(code)
    return await remote.show(ctx, code)


# -- staff ----------------------------------------------------------------------------


@router.post(
    STAFF_PATH + "/bookings",
    status_code=201,
    summary="Book a slot for a customer (manager)",
    response_model=BookedOut,
    responses=refusals(*BRANCH, *BODY, 409),
)
async def book_for(b: str, body: BookIn, who: Principal = Depends(principal), ctx: Context = Depends(context)):
    """The lobby manager books for a customer, by the same rules as the public booking; the
    manager's name is kept with it.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    made = await bookings.book(
        ctx,
        b,
        body.category,
        body.date,
        body.time,
        phone=body.phone,
        amount=body.amount,
        currency=body.currency,
        booked_by=who.name,
    )
    return JSONResponse(made, status_code=201)


@router.get(
    STAFF_PATH + "/bookings", summary="A day's bookings", response_model=BookingList, responses=refusals(*BRANCH)
)
async def of_day(
    b: str, date: CalendarDay | None = DAY, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Every booking of a day (default today) in slot order, with the phone numbers.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await bookings.of_day(ctx, b, date)


@router.post(
    STAFF_PATH + "/bookings/check-in",
    status_code=201,
    summary="Check a booking in: a ticket ranked from its slot (kiosk, manager)",
    response_model=IssuedTicketOut,
    responses=refusals(*BRANCH, *BODY, 409, 429),
)
async def check_in(
    b: str, body: CheckInIn, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """The booked customer arrives: 201 with a normal ticket, printed like any other, whose
    `queued_at` is the slot's start (early or up to `checkin_grace_minutes` late) or now
    (later: a walk-in). Its `ticket.issued` event carries the `booking` (slot, amount).
    404 for a code not of this branch; 409 for a booking of another day, already checked
    in or cancelled, or (kiosk) outside opening hours.

    **Roles:** kiosk, manager, admin."""
    who.require(b, Role.KIOSK, Role.MANAGER)
    await _kiosk_limited(request, who)
    return _issued(request, ctx, b, await bookings.check_in(ctx, b, who, body.code, body.kiosk))


async def _kiosk_limited(request: Request, who: Principal) -> None:
    """A kiosk checks in at the pace it issues: the same limit."""
    if who.role == Role.KIOSK:
        await request.app.state.kiosk_limit.check(who.token_hash)


def _issued(request: Request, ctx: Context, b: str, result: dict) -> JSONResponse:
    """A ticket issued by a check-in or a confirmation, answered as ``POST …/tickets`` does."""
    if not ctx.settings.public_url:
        result["track_url"] = str(request.base_url).rstrip("/") + result["track_url"]
    request.app.state.metrics.issued(b, result["category"])
    return JSONResponse(result, status_code=201)


@router.get(
    STAFF_PATH + "/cash",
    summary="The booked large withdrawals of a day (default tomorrow)",
    response_model=CashOut,
    responses=refusals(*BRANCH),
)
async def cash(
    b: str, date: CalendarDay | None = DAY, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """What the vault prepares: the day's booked (or checked-in) withdrawals with amount,
    currency and slot, and the total per currency. Default: tomorrow.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await bookings.cash(ctx, b, date)


@router.get(
    STAFF_PATH + "/cash.csv",
    summary="The cash list as CSV",
    response_class=Response,
    responses={
        200: {"description": "one line per withdrawal", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **refusals(*BRANCH),
    },
)
async def cash_csv(
    b: str, date: CalendarDay | None = DAY, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """The cash list as CSV (UTF-8 with a BOM, so Excel reads it), one line per withdrawal.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    day, text = await bookings.cash_csv(ctx, b, date)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="lobbyq-cash-{b}-{day}.csv"'},
    )


@router.post(
    STAFF_PATH + "/remote/confirm",
    status_code=201,
    summary="Confirm a remote ticket: the customer is here (kiosk, teller, manager)",
    response_model=IssuedTicketOut,
    responses=refusals(*BRANCH, *BODY, 409, 429),
)
async def confirm_remote(
    b: str, body: CheckInIn, request: Request, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """The customer who took a ticket from the phone arrives: 201 with a normal ticket queued
    from the moment the remote one was taken (printed at the kiosk, or the manager's; not
    for a teller, who confirms at the window and calls it). 409 once confirmed, or expired
    (not confirmed within `policy.remote_confirm_minutes`, or taken on another day).

    **Roles:** kiosk, teller, manager, admin."""
    who.require(b, Role.KIOSK, Role.TELLER, Role.MANAGER)
    await _kiosk_limited(request, who)
    return _issued(request, ctx, b, await remote.confirm(ctx, b, who, body.code, body.kiosk))
