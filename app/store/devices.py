"""Device health rows, one per device of a branch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ..rules.devices import DeviceHealth
from .statement import Statement
from .tables import devices
from .transaction import Transaction, first

_COLUMNS = (devices.c.id, devices.c.kind, devices.c.status, devices.c.detail, devices.c.updated_at)
_OF_BRANCH = devices.c.branch == bindparam("branch")
_GET = Statement(select(*_COLUMNS).where(_OF_BRANCH, devices.c.id == bindparam("id")))
_OF = Statement(select(*_COLUMNS).where(_OF_BRANCH).order_by(devices.c.id))


def _upsert(dialect: Any) -> Any:
    values: dict[str, Any] = {name: bindparam(name) for name in ("kind", "status", "detail", "updated_at")}
    return (
        dialect.insert(devices)
        .values(branch=bindparam("branch"), id=bindparam("id"), **values)
        .on_conflict_do_update(index_elements=["branch", "id"], set_=values)
        .returning(*_COLUMNS)
    )


_UPSERT = Statement(_upsert(sqlite), _upsert(postgresql))


async def get(tx: Transaction, branch: str, device_id: str) -> DeviceHealth | None:
    row = await first(tx, _GET, {"branch": branch, "id": device_id})
    return DeviceHealth(*row) if row else None


async def report(tx: Transaction, branch: str, health: DeviceHealth) -> None:
    await tx.execute(
        _UPSERT,
        {
            "branch": branch,
            "id": health.id,
            "kind": health.kind,
            "status": health.status,
            "detail": health.detail,
            "updated_at": health.updated_at,
        },
    )


async def of_branch(tx: Transaction, branch: str) -> list[DeviceHealth]:
    return [DeviceHealth(*r) for r in await tx.fetch(_OF, {"branch": branch})]
