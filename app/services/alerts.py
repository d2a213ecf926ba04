"""Alerts for the lobby manager: raised inside the unit of work that found the problem,
open until acknowledged with a note."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import insert, select, update

from ..errors import Conflict, NotFound
from ..representations import alert_json
from ..store.tables import alerts
from .unit_of_work import UnitOfWork


async def raise_alert(uow: UnitOfWork, type_: str, key: str, data: dict) -> dict | None:
    """Raise an alert unless one of the same type and key is still open (no alert storms)."""
    if key:
        open_one = (await uow.conn.execute(
            select(alerts.c.id).where(
                alerts.c.branch == uow.branch, alerts.c.status == "open", alerts.c.type == type_, alerts.c.key == key
            )
        )).first()
        if open_one:
            return None
    alert_id = uuid.uuid4().hex
    await uow.conn.execute(insert(alerts).values(
        id=alert_id, branch=uow.branch, type=type_, key=key or alert_id, status="open", raised_at=uow.now,
        data=json.dumps(data, ensure_ascii=False),
    ))
    row = (await uow.conn.execute(select(alerts).where(alerts.c.id == alert_id))).one()
    body = alert_json(row, uow.zone)
    await uow.emit("alert.raised", body)
    return body


async def acknowledge(uow: UnitOfWork, alert_id: str, note: str, by: str) -> dict:
    row = (await uow.conn.execute(
        select(alerts).where(alerts.c.id == alert_id, alerts.c.branch == uow.branch)
    )).first()
    if row is None:
        raise NotFound(f"alert {alert_id!r} not found")
    if row.status != "open":
        raise Conflict("this alert is already acknowledged")
    await uow.conn.execute(
        update(alerts).where(alerts.c.id == alert_id).values(status="acked", note=note, acked_at=uow.now, acked_by=by)
    )
    row = (await uow.conn.execute(select(alerts).where(alerts.c.id == alert_id))).one()
    body = alert_json(row, uow.zone)
    await uow.emit("alert.acked", body)
    await uow.commit()
    return body
