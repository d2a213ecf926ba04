"""The JSON shapes the API, the events and the screens share (DESIGN §3, §4)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from .rules.business_day import iso
from .rules.tickets import Ticket


def ticket_json(t: Ticket, zone: ZoneInfo, *, track_token: str | None = None) -> dict:
    data = {
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
        "print_failed": t.print_failed,
        "day": t.day,
    }
    if track_token is not None:
        data["track_token"] = track_token
    return data


def counter_json(row, zone: ZoneInfo, *, name: str, serves: list[str], current: dict | None = None, waiting: int | None = None) -> dict:
    return {
        "number": row.number,
        "name": name,
        "serves": serves,
        "state": row.state,
        "teller": row.teller,
        "pause_reason": row.pause_reason,
        "current_ticket": row.current_ticket,
        "current": current,
        "waiting": waiting,
        "stray_presses": row.stray_presses,
        "updated_at": iso(row.updated_at, zone),
    }


def alert_json(row, zone: ZoneInfo) -> dict:
    return {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "raised_at": iso(row.raised_at, zone),
        "data": json.loads(row.data),
        "note": row.note,
        "acked_at": iso(row.acked_at, zone),
        "acked_by": row.acked_by,
    }


def device_json(row, zone: ZoneInfo) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "detail": row.detail,
        "updated_at": iso(row.updated_at, zone),
    }


def envelope(branch: str, seq: int, type_: str, at: float, data_text: str, zone: ZoneInfo) -> str:
    """An event as sent: the stored data text is embedded as is, never re-parsed."""
    return (
        f'{{"seq":{seq},"type":{json.dumps(type_)},"at":"{iso(at, zone)}",'
        f'"branch":{json.dumps(branch)},"data":{data_text}}}'
    )
