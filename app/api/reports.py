"""Reports of a day or a range of days: a branch's for its manager, every branch's side
by side for the admin; JSON and CSV."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ..rules.reports import DEFAULT_WAIT_TARGET_S, MAX_DAYS
from ..rules.vocabulary import Role
from ..services import reports
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BRANCH, refusals
from .schemas import ComparisonOut, ReportOut

router = APIRouter(tags=["reports"])

FROM = Query(..., alias="from", max_length=10, description="first business day, YYYY-MM-DD")
TO = Query(None, max_length=10, description=f"last business day, YYYY-MM-DD; default `from`; at most {MAX_DAYS} days")
TARGET = Query(
    DEFAULT_WAIT_TARGET_S // 60,
    ge=1,
    le=240,
    description="the p90 wait, in minutes, the staffing suggestion keeps under",
)
TABLE = Query(..., description="which table of the report")
BAD_RANGE = "a day that is not a calendar day (YYYY-MM-DD), `to` before `from`, or a range over 92 days"
CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "a CSV file, UTF-8 with a byte-order mark",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _csv(name: str, text: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/api/v1/branches/{b}/reports",
    summary="A branch's report of a day or a range of days",
    response_model=ReportOut,
    responses=refusals(*BRANCH, s422=BAD_RANGE),
)
async def branch_report(
    b: str,
    start: str = FROM,
    to: str | None = TO,
    target_minutes: int = TARGET,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """Arrivals, served and abandonment per hour, the waits' histogram, per counter and per
    teller figures, the estimate's error and a staffing suggestion per category and hour,
    over the business days `from` to `to` (docs/api.md, Reports).

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await reports.report(ctx, b, start, to, target_minutes * 60)


@router.get(
    "/api/v1/branches/{b}/reports.csv",
    summary="One table of a branch's report as CSV",
    response_class=Response,  # no media type of its own: the refusals below are JSON
    responses={**CSV, **refusals(*BRANCH, s422=BAD_RANGE)},
)
async def branch_report_csv(
    b: str,
    table: Literal["hourly", "waits", "counters", "tellers", "staffing", "bookings"] = TABLE,
    start: str = FROM,
    to: str | None = TO,
    target_minutes: int = TARGET,
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> Response:
    """The same numbers as the report, one table per file, named
    `lobbyq-report-{b}-{from}[_{to}]-{table}.csv`; `bookings` is one line of the
    bookings' and remote tickets' figures.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return _csv(*await reports.report_csv(ctx, b, start, to, table, target_minutes * 60))


@router.get(
    "/api/v1/reports",
    summary="Every branch side by side (admin)",
    response_model=ComparisonOut,
    responses=refusals(401, 403, 422, s422=BAD_RANGE),
)
async def comparison(
    start: str = FROM, to: str | None = TO, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Each branch's average and p90 wait, abandonment, satisfaction and utilisation over
    the same business days.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    return await reports.comparison(ctx, start, to)


@router.get(
    "/api/v1/reports.csv",
    summary="Every branch side by side as CSV (admin)",
    response_class=Response,
    responses={**CSV, **refusals(401, 403, 422, s422=BAD_RANGE)},
)
async def comparison_csv(
    start: str = FROM, to: str | None = TO, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> Response:
    """The side-by-side as one CSV file, `lobbyq-branches-{from}[_{to}].csv`.

    **Roles:** admin."""
    who.require(None, Role.ADMIN)
    return _csv(*await reports.comparison_csv(ctx, start, to))
