"""Device health as reported by the device agent; a fault becomes a manager alert."""

from __future__ import annotations

from typing import Any

from ..rules.devices import FAULTY, DeviceHealth
from ..rules.representations import device_json
from ..rules.vocabulary import AlertType, EventType
from ..store import devices
from . import alerts
from .context import Context
from .unit_of_work import UnitOfWork


async def report_health(
    ctx: Context, branch: str, device_id: str, kind: str, status: str, detail: str | None, kiosk: str | None = None
) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        before = await devices.get(uow.tx, branch, device_id)
        health = DeviceHealth(device_id, kind, status, detail, uow.now)
        await devices.report(uow.tx, branch, health)
        body = device_json(health, uow.zone)
        if before is None or (before.status, before.detail) != (status, detail):
            uow.record(EventType.DEVICE_HEALTH, body)
        if status in FAULTY:
            await alerts.raise_alert(
                uow,
                AlertType.DEVICE_FAULT,
                device_id,
                {
                    "device": device_id,
                    "kind": kind,
                    "status": status,
                    "detail": detail,
                    "kiosk": kiosk,
                },
            )
        else:  # the device reported a good state: its fault clears if the policy says so
            await alerts.clear_if_allowed(uow, AlertType.DEVICE_FAULT, device_id)
        await uow.commit()
    return body
