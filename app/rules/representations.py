"""The JSON shapes the API, the events and the screens share (docs/api.md, docs/events.md)."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from .alerts import Alert
from .business_day import iso
from .counters import CounterRecord
from .devices import DeviceHealth
from .estimates import wait_minutes
from .tickets import Ticket


def ticket_json(t: Ticket, zone: ZoneInfo, *, track_token: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "category": t.category,
        "priority": t.priority,
        "status": t.status,
        "issued_at": iso(t.issued_at, zone),
        "queued_at": iso(t.queued_at, zone),
        "called_at": iso(t.called_at, zone),
        "started_at": iso(t.started_at, zone),
        "finished_at": iso(t.finished_at, zone),
        "counter": t.counter,
        "pinned_counter": t.pinned_counter,
        "recall_count": t.recall_count,
        "score": t.score,
        "kiosk": t.kiosk,
        "teller": t.teller,
        "estimated_wait_s": t.estimated_wait_s,
        "wait_minutes": wait_minutes(t.estimated_wait_s),
        "print_failed": t.print_failed,
        "day": t.day,
    }
    if track_token is not None:
        data["track_token"] = track_token
    return data


def counter_json(
    record: CounterRecord,
    zone: ZoneInfo,
    *,
    name: str,
    serves: list[str],
    current: dict[str, Any] | None = None,
    waiting: int | None = None,
) -> dict[str, Any]:
    return {
        "number": record.number,
        "name": name,
        "serves": serves,
        "state": record.state,
        "teller": record.teller,
        "pause_reason": record.pause_reason,
        "current_ticket": record.current_ticket,
        "current": current,
        "waiting": waiting,
        "stray_presses": record.stray_presses,
        "updated_at": iso(record.updated_at, zone),
    }


def alert_json(alert: Alert, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": alert.id,
        "type": alert.type,
        "status": alert.status,
        "raised_at": iso(alert.raised_at, zone),
        "text": alert.text,
        "data": alert.facts,
        "note": alert.note,
        "acked_at": iso(alert.acked_at, zone),
        "acked_by": alert.acked_by,
        "cleared_at": iso(alert.cleared_at, zone),
    }


def device_json(device: DeviceHealth, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": device.id,
        "kind": device.kind,
        "status": device.status,
        "detail": device.detail,
        "updated_at": iso(device.updated_at, zone),
    }


def envelope(branch: str, seq: int, type_: str, at: float, data_text: str, zone: ZoneInfo) -> str:
    """An event as sent: the stored data text is embedded as is, never re-parsed."""
    return (
        f'{{"seq":{seq},"type":{json.dumps(type_)},"at":"{iso(at, zone)}",'
        f'"branch":{json.dumps(branch)},"data":{data_text}}}'
    )
