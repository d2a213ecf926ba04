"""Alert rows: raised, acknowledged with a note or cleared when their cause went away,
listed for the manager."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ..rules.alerts import Alert
from ..rules.vocabulary import AlertStatus
from .statement import Statement
from .tables import alerts
from .transaction import Transaction, first

_COLUMNS = tuple(
    alerts.c[name]
    for name in (
        "id",
        "type",
        "key",
        "status",
        "raised_at",
        "data",
        "note",
        "acked_at",
        "acked_by",
        "cleared_at",
    )
)
_OF_BRANCH = alerts.c.branch == bindparam("branch")
_OPEN = alerts.c.status == AlertStatus.OPEN.value


def _alert(row: Any) -> Alert:
    id_, type_, key, status, raised_at, data, *rest = row
    return Alert(id_, type_, key, AlertStatus(status), raised_at, json.loads(data), *rest)


_OPEN_WITH_KEY = Statement(
    select(*_COLUMNS).where(_OF_BRANCH, _OPEN, alerts.c.type == bindparam("type"), alerts.c.key == bindparam("key"))
)
_ADD = Statement(insert(alerts))
_GET = Statement(select(*_COLUMNS).where(_OF_BRANCH, alerts.c.id == bindparam("id")))
_ACK = Statement(
    update(alerts)
    .where(_OF_BRANCH, alerts.c.id == bindparam("id"), _OPEN)
    .values(status=AlertStatus.ACKED.value, note=bindparam("note"), acked_at=bindparam("at"), acked_by=bindparam("by"))
    .returning(*_COLUMNS)
)
_CLEAR = Statement(
    update(alerts)
    .where(_OF_BRANCH, alerts.c.id == bindparam("id"), _OPEN)
    .values(status=AlertStatus.CLEARED.value, cleared_at=bindparam("at"))
    .returning(*_COLUMNS)
)
_OPEN_OF_TYPE = Statement(
    select(*_COLUMNS).where(_OF_BRANCH, _OPEN, alerts.c.type == bindparam("type")).order_by(alerts.c.raised_at)
)


async def open_with_key(tx: Transaction, branch: str, type_: str, key: str) -> Alert | None:
    """The open alert of this type for this cause, if any (there is at most one)."""
    row = await first(tx, _OPEN_WITH_KEY, {"branch": branch, "type": type_, "key": key})
    return _alert(row) if row else None


async def is_open(tx: Transaction, branch: str, type_: str, key: str) -> bool:
    return await open_with_key(tx, branch, type_, key) is not None


async def add(tx: Transaction, branch: str, alert: Alert) -> None:
    await tx.execute(
        _ADD,
        {
            "id": alert.id,
            "branch": branch,
            "type": alert.type,
            "key": alert.key,
            "status": alert.status,
            "raised_at": alert.raised_at,
            "data": json.dumps(alert.data, ensure_ascii=False),
            "note": alert.note,
            "acked_at": alert.acked_at,
            "acked_by": alert.acked_by,
            "cleared_at": alert.cleared_at,
        },
    )


async def get(tx: Transaction, branch: str, alert_id: str) -> Alert | None:
    row = await first(tx, _GET, {"branch": branch, "id": alert_id})
    return _alert(row) if row else None


async def acknowledge(tx: Transaction, branch: str, alert_id: str, note: str, at: float, by: str) -> Alert | None:
    """Acknowledge an open alert; None when it is not open (any more)."""
    row = await first(tx, _ACK, {"branch": branch, "id": alert_id, "note": note, "at": at, "by": by})
    return _alert(row) if row else None


async def clear(tx: Transaction, branch: str, alert_id: str, at: float) -> Alert | None:
    """Clear an open alert whose cause is gone; None when it is not open (any more)."""
    row = await first(tx, _CLEAR, {"branch": branch, "id": alert_id, "at": at})
    return _alert(row) if row else None


@lru_cache(maxsize=4)
def _listed(status: bool) -> Statement:
    query = select(*_COLUMNS).where(_OF_BRANCH)
    if status:
        query = query.where(alerts.c.status == bindparam("status"))
    return Statement(query.order_by(alerts.c.raised_at.desc()).limit(500))


async def listed(tx: Transaction, branch: str, status: str | None) -> list[Alert]:
    """The newest 500, optionally of one status."""
    return [_alert(r) for r in await tx.fetch(_listed(status is not None), {"branch": branch, "status": status})]


async def open_of_type(tx: Transaction, branch: str, type_: str) -> list[Alert]:
    return [_alert(r) for r in await tx.fetch(_OPEN_OF_TYPE, {"branch": branch, "type": type_})]
