"""What the lobby manager watches: alerts, the day's figures, device health."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from ..errors import Invalid
from ..rules.vocabulary import Role
from ..services import alerts, devices, queries
from ..services.auth import Principal
from ..services.context import Context
from .deps import context, principal
from .schemas import AckIn, HealthIn

router = APIRouter(prefix="/api/v1/branches/{b}", tags=["manager"])
DATE = Query(
    None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="business day, YYYY-MM-DD; default today in the branch's timezone"
)


@router.get("/alerts", summary="Alerts; ?status=open for the ones not yet acknowledged")
async def list_alerts(
    b: str,
    status: str | None = Query(None, pattern="^(open|acked)$"),
    who: Principal = Depends(principal),
    ctx: Context = Depends(context),
) -> dict:
    who.require(b, Role.MANAGER)
    return {"alerts": await queries.alert_list(ctx, b, status)}


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert with a note")
async def ack(
    b: str, alert_id: str, body: AckIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.MANAGER)
    return await alerts.acknowledge(ctx, b, alert_id, body.note, who.name)


@router.get("/stats", summary="KPIs of a business day")
async def stats(
    b: str, date: str | None = DATE, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.MANAGER)
    return await queries.stats(ctx, b, date)


@router.get("/stats.csv", summary="The day's tickets as CSV", response_class=PlainTextResponse)
async def stats_csv(
    b: str, date: str | None = DATE, who: Principal = Depends(principal), ctx: Context = Depends(context)
):
    who.require(b, Role.MANAGER)
    day, text = await queries.stats_csv(ctx, b, date)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="lobbyq-stats-{b}-{day}.csv"'},
    )


@router.get("/devices", summary="Device health")
async def list_devices(b: str, who: Principal = Depends(principal), ctx: Context = Depends(context)) -> dict:
    who.require(b, Role.MANAGER, Role.AGENT, Role.DISPLAY)
    return {"devices": await queries.device_list(ctx, b)}


@router.post("/devices/{device_id}/health", summary="The device agent reports a device's health")
async def health(
    b: str, device_id: str, body: HealthIn, who: Principal = Depends(principal), ctx: Context = Depends(context)
) -> dict:
    who.require(b, Role.AGENT)
    if len(device_id) > 64:
        raise Invalid("device id is at most 64 characters")
    return await devices.report_health(ctx, b, device_id, body.kind, body.status, body.detail, body.kiosk)
