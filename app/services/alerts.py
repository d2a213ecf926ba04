"""Alerts for the lobby manager: raised inside the unit of work that found the problem,
open until acknowledged with a note, or cleared when their cause is gone and the
branch's policy lets their type clear itself (``policy.alert_auto_clear``)."""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import Conflict, NotFound
from ..rules.alerts import Alert, Causes, cause_gone
from ..rules.business_day import clock_time
from ..rules.messages import Message, alert_text, say
from ..rules.representations import alert_json
from ..rules.vocabulary import AlertStatus, AlertType, EventType
from ..store import alerts, devices, tickets
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


async def _clear(uow: UnitOfWork, alert: Alert) -> None:
    cleared = await alerts.clear(uow.tx, uow.branch, alert.id, uow.now)
    if cleared is not None:
        uow.record(EventType.ALERT_CLEARED, alert_json(cleared, uow.zone))


async def clear_if_allowed(uow: UnitOfWork, type_: AlertType, key: str) -> None:
    """The cause of the open alert of this type and key is gone (a device reported ok):
    it clears now if the policy lets its type clear itself."""
    if type_ not in uow.layout.policy.alert_auto_clear:
        return
    alert = await alerts.open_with_key(uow.tx, uow.branch, type_, key)
    if alert is not None:
        await _clear(uow, alert)


async def clear_gone_causes(uow: UnitOfWork) -> int:
    """The housekeeping sweep's check: every open alert of a type the policy lets clear
    itself whose cause is gone is cleared (event ``alert.cleared``). Answers how many."""
    policy = uow.layout.policy
    found: list[Alert] = []
    for type_ in policy.alert_auto_clear:
        found += await alerts.open_of_type(uow.tx, uow.branch, type_)
    if not found:
        return 0
    ticket_ids = [a.key for a in found if a.type in (AlertType.LONG_WAIT, AlertType.MISSED_VULNERABLE)]
    status: dict[str, str] = {}
    for i in range(0, len(ticket_ids), tickets.BY_IDS_MAX):
        chunk = await tickets.by_ids(uow.tx, uow.branch, ticket_ids[i : i + tickets.BY_IDS_MAX])
        status.update({id_: t.status for id_, t in chunk.items()})
    needs = {a.type for a in found}
    now = Causes(
        ticket_status=status,
        queued=await tickets.queued_by_category(uow.tx, uow.branch) if AlertType.QUEUE_TOO_LONG in needs else {},
        queue_limit=policy.alert_queue_length,
        device_status=(
            {d.id: d.status for d in await devices.of_branch(uow.tx, uow.branch)}
            if AlertType.DEVICE_FAULT in needs
            else {}
        ),
    )
    gone = [a for a in found if cause_gone(a, now)]
    for alert in gone:
        await _clear(uow, alert)
    return len(gone)


async def acknowledge(ctx: Context, branch: str, alert_id: str, note: str, by: str) -> dict[str, Any]:
    async with UnitOfWork(ctx, branch) as uow:
        acked = await alerts.acknowledge(uow.tx, branch, alert_id, note, uow.now, by)
        if acked is None:
            found = await alerts.get(uow.tx, branch, alert_id)
            if found is None:
                raise NotFound(f"alert {alert_id!r} not found")
            locale = uow.layout.locale
            if found.status == AlertStatus.CLEARED and found.cleared_at is not None:
                raise Conflict(say(Message.ALERT_CLEARED_ALREADY, locale, at=clock_time(found.cleared_at, uow.zone)))
            raise Conflict(say(Message.ALERT_ACKED_ALREADY, locale))
        body = alert_json(acked, uow.zone)
        uow.record(EventType.ALERT_ACKED, body)
        await uow.commit()
    return body
