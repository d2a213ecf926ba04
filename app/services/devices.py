"""Device health as reported by the device agent; a fault becomes a manager alert."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..representations import device_json
from ..store.tables import devices
from . import alerts
from .unit_of_work import UnitOfWork



async def report_health(
    uow: UnitOfWork, device_id: str, kind: str, status: str, detail: str | None, kiosk: str | None = None
) -> dict:
    before = (await uow.conn.execute(
        select(devices).where(devices.c.branch == uow.branch, devices.c.id == device_id)
    )).first()
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    values = {"kind": kind, "status": status, "detail": detail, "updated_at": uow.now}
    await uow.conn.execute(
        dialect.insert(devices).values(branch=uow.branch, id=device_id, **values)
        .on_conflict_do_update(index_elements=["branch", "id"], set_=values)
    )
    row = (await uow.conn.execute(select(devices).where(devices.c.branch == uow.branch, devices.c.id == device_id))).one()
    body = device_json(row, uow.zone)
    changed = before is None or (before.status, before.detail) != (status, detail)
    if changed:
        await uow.emit("device.health", body)
    if status in ("fault", "offline"):
        await alerts.raise_alert(uow, "device.fault", device_id, {
            "device": device_id, "kind": kind, "status": status, "detail": detail, "kiosk": kiosk,
            "message": f"{kind} {device_id} is {status}" + (f": {detail}" if detail else ""),
        })
    await uow.commit()
    return body

