"""Alerts for the lobby manager: raised inside the unit of work that found the problem,
open until acknowledged with a note."""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import Conflict, NotFound
from ..rules.alerts import Alert
from ..rules.messages import alert_text
from ..rules.representations import alert_json
from ..rules.vocabulary import AlertStatus, AlertType, EventType
from ..store import alerts
from .context import Context
from .unit_of_work import UnitOfWork


async def raise_alert(uow: UnitOfWork, type_: AlertType, key: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """Raise an alert unless one of the same type and key is still open (no alert storms);
    an empty key never matches another. ``data`` holds the facts; the text the manager
    reads is made from them now, in the branch's language, and kept with them."""
    if key and await alerts.is_open(uow.tx, uow.branch, type_, key):
        return None
    alert_id = uuid.uuid4().hex
    data = {**data, "text": alert_text(type_, data, uow.layout.locale)}
    alert = Alert(alert_id, type_, key or alert_id, AlertStatus.OPEN, uow.now, data)
    await alerts.add(uow.tx, uow.branch, alert)
    body = alert_json(alert, uow.zone)
    uow.record(EventType.ALERT_RAISED, body)
    return body


async def acknowledge(ctx: Context, branch: str, alert_id: str, note: str, by: str) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        acked = await alerts.acknowledge(uow.tx, branch, alert_id, note, uow.now, by)
        if acked is None:
            if await alerts.get(uow.tx, branch, alert_id) is None:
                raise NotFound(f"alert {alert_id!r} not found")
            raise Conflict("this alert is already acknowledged")
        body = alert_json(acked, uow.zone)
        uow.record(EventType.ALERT_ACKED, body)
        await uow.commit()
    return body
