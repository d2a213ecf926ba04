"""The notifier's outbox: a notice is added in the transaction that has something to say,
taken by one worker for a while (a lease), then settled as sent, due again or failed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..rules.notifications import Notice, NoticeStatus
from ..rules.vocabulary import NoticeKind
from .statement import Statement
from .tables import notifications
from .transaction import Transaction, first

_FIELDS = (
    "id",
    "kind",
    "recipient",
    "data",
    "locale",
    "created_at",
    "next_at",
    "attempts",
    "status",
    "last_error",
    "sent_at",
)
_COLUMNS = tuple(notifications.c[name] for name in _FIELDS)
_THIS = (notifications.c.branch == bindparam("branch"), notifications.c.id == bindparam("id"))
_PENDING = notifications.c.status == NoticeStatus.PENDING.value


def _notice(row: Any) -> Notice:
    id_, kind, recipient, data, locale, created_at, next_at, attempts, status, last_error, sent_at = row
    return Notice(
        id_,
        NoticeKind(kind),
        recipient,
        json.loads(data),
        locale,
        created_at,
        next_at,
        attempts,
        NoticeStatus(status),
        last_error,
        sent_at,
    )


_ADD = Statement(insert(notifications))
# Over every branch (on Citus, every shard): the dispatcher's one read, a few a minute.
_DUE = Statement(
    select(notifications.c.branch, *_COLUMNS)
    .where(_PENDING, notifications.c.next_at <= bindparam("now"))
    .order_by(notifications.c.next_at)
    .limit(bindparam("limit"))
)
_TAKE = Statement(
    update(notifications)
    .where(*_THIS, _PENDING, notifications.c.next_at == bindparam("seen"))
    .values(next_at=bindparam("until"), attempts=notifications.c.attempts + 1)
    .returning(*_COLUMNS)
)
_SETTLE = Statement(
    update(notifications)
    .where(*_THIS)
    .values(
        status=bindparam("status"),
        next_at=bindparam("next_at"),
        last_error=bindparam("last_error"),
        sent_at=bindparam("sent_at"),
    )
)
_OF_BRANCH = Statement(
    select(*_COLUMNS)
    .where(notifications.c.branch == bindparam("branch"))
    .order_by(notifications.c.created_at.desc())
    .limit(500)
)
_FORGET = Statement(
    delete(notifications).where(
        notifications.c.branch == bindparam("branch"),
        notifications.c.created_at < bindparam("before"),
        notifications.c.status != NoticeStatus.PENDING.value,
    )
)


async def add(tx: Transaction, branch: str, notice: Notice) -> None:
    await tx.execute(
        _ADD,
        {
            "branch": branch,
            **{name: getattr(notice, name) for name in _FIELDS},
            "data": json.dumps(notice.data, ensure_ascii=False),
        },
    )


async def due(tx: Transaction, now: float, limit: int) -> list[tuple[str, Notice]]:
    return [(row[0], _notice(row[1:])) for row in await tx.fetch(_DUE, {"now": now, "limit": limit})]


async def take(tx: Transaction, branch: str, notice: Notice, until: float) -> Notice | None:
    """The notice, its attempt counted, if nobody took it since it was read as due."""
    row = await first(tx, _TAKE, {"branch": branch, "id": notice.id, "seen": notice.next_at, "until": until})
    return _notice(row) if row else None


async def settle(tx: Transaction, branch: str, notice: Notice) -> None:
    await tx.execute(
        _SETTLE,
        {
            "branch": branch,
            "id": notice.id,
            "status": notice.status,
            "next_at": notice.next_at,
            "last_error": notice.last_error,
            "sent_at": notice.sent_at,
        },
    )


async def of_branch(tx: Transaction, branch: str) -> list[Notice]:
    """The newest 500."""
    return [_notice(row) for row in await tx.fetch(_OF_BRANCH, {"branch": branch})]


async def forget_before(tx: Transaction, branch: str, before: float) -> None:
    """Delivered or failed notices older than ``before`` go, with the numbers they hold."""
    await tx.execute(_FORGET, {"branch": branch, "before": before})
