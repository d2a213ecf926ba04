"""What the lobby manager watches: alerts, the day's figures, device health."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ..errors import Invalid
from ..rules.vocabulary import Role
from ..services import alerts, devices, queries
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .reference import BODY, BRANCH, refusals
from .schemas import AckIn, AlertList, AlertOut, CalendarDay, DeviceList, DeviceOut, HealthIn, StatsOut

router = APIRouter(prefix="/api/v1/branches/{b}", tags=["manager"])
DATE = Query(None, description="business day, YYYY-MM-DD; default today in the branch's timezone")


@router.get(
    "/alerts",
    summary="Alerts; ?status=open for the ones neither acknowledged nor cleared",
    response_model=AlertList,
    responses=refusals(*BRANCH),
)
async def list_alerts(
    b: str,
    status: str | None = Query(None, pattern="^(open|acked|cleared)$"),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    """The branch's alerts, newest first (at most 500); `status=open` for those not yet
    acknowledged nor cleared, `acked` for those acknowledged with a note, `cleared` for
    those that cleared themselves when their cause was gone (policy.alert_auto_clear).

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return {"alerts": await queries.alert_list(ctx, b, status)}


@router.post(
    "/alerts/{alert_id}/ack",
    summary="Acknowledge an alert with a note",
    response_model=AlertOut,
    responses=refusals(*BRANCH, 409, *BODY, s409="the alert is already acknowledged, or cleared itself"),
)
async def ack(
    b: str, alert_id: str, body: AckIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Closes an open alert with the manager's `note` on what was done; 409 when it is
    already acknowledged or cleared itself.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await alerts.acknowledge(ctx, b, alert_id, body.note, who.name)


@router.get("/stats", summary="KPIs of a business day", response_model=StatsOut, responses=refusals(*BRANCH))
async def stats(
    b: str, date: CalendarDay | None = DATE, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """The figures of a business day (default today): issued, served, waits, service times,
    abandonment, satisfaction, by category, counter and hour (docs/domain.md).

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    return await queries.stats(ctx, b, date)


@router.get(
    "/stats.csv",
    summary="The day's tickets as CSV",
    response_class=Response,  # no media type of its own: the refusals below are JSON
    responses={
        200: {"description": "one line per ticket", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **refusals(*BRANCH),
    },
)
async def stats_csv(
    b: str, date: CalendarDay | None = DATE, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    """The day's tickets as CSV (UTF-8), one line per ticket, for a spreadsheet.

    **Roles:** manager, admin."""
    who.require(b, Role.MANAGER)
    day, text = await queries.stats_csv(ctx, b, date)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="lobbyq-stats-{b}-{day}.csv"'},
    )


@router.get("/devices", summary="Device health", response_model=DeviceList, responses=refusals(*BRANCH))
async def list_devices(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    """Every device of the branch with its last reported health.

    **Roles:** manager, agent, display, admin."""
    who.require(b, Role.MANAGER, Role.AGENT, Role.DISPLAY)
    return {"devices": await queries.device_list(ctx, b)}


@router.post(
    "/devices/{device_id}/health",
    summary="The device agent reports a device's health",
    response_model=DeviceOut,
    responses=refusals(*BRANCH, *BODY),
)
async def health(
    b: str, device_id: str, body: HealthIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    """Stores a device's health and answers the device; `fault` and `offline` raise a
    device.fault alert (one open per device).

    **Roles:** agent, admin."""
    who.require(b, Role.AGENT)
    if len(device_id) > 64:
        raise Invalid("device id is at most 64 characters")
    return await devices.report_health(ctx, b, device_id, body.kind, body.status, body.detail, body.kiosk)
