"""Remote tickets in and out of the ``remote_tickets`` table."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update

from ..rules.remote import RemoteTicket
from ..rules.vocabulary import RemoteStatus
from .statement import Statement
from .tables import remote_tickets
from .transaction import Transaction, first, scalar

_FIELDS = tuple(f.name for f in dataclasses.fields(RemoteTicket))
_SELECT = select(*(remote_tickets.c[name] for name in _FIELDS))
_OF_BRANCH = remote_tickets.c.branch == bindparam("branch")


def from_row(row: Any) -> RemoteTicket:
    values = dict(zip(_FIELDS, row, strict=True))
    values["status"] = RemoteStatus(values["status"])
    return RemoteTicket(**values)


_INSERT = Statement(insert(remote_tickets))
# The customer's code names no branch: one lookup finds it (as a tracking code's does).
_FIND = Statement(select(remote_tickets.c.branch).where(remote_tickets.c.code_hash == bindparam("code_hash")))
_BY_CODE_WHERE = _SELECT.where(_OF_BRANCH, remote_tickets.c.code_hash == bindparam("code_hash"))
_BY_CODE = Statement(_BY_CODE_WHERE)
_BY_CODE_LOCKING = Statement(_BY_CODE_WHERE, _BY_CODE_WHERE.with_for_update())
_TAKEN_TODAY = Statement(
    select(func.count()).where(
        _OF_BRANCH,
        remote_tickets.c.day == bindparam("day"),
        or_(
            remote_tickets.c.address_hash == bindparam("address_hash"),
            remote_tickets.c.phone_hash == bindparam("phone_hash"),
        ),
    )
)
_SET_STATUS = Statement(
    update(remote_tickets)
    .where(
        _OF_BRANCH,
        remote_tickets.c.id == bindparam("id"),
        remote_tickets.c.status == RemoteStatus.WAITING.value,
    )
    .values(status=bindparam("status"), ticket_id=bindparam("ticket_id"), confirmed_at=bindparam("at"))
    .returning(remote_tickets.c.id)
)


_FORGET = Statement(
    update(remote_tickets)
    .where(
        _OF_BRANCH,
        remote_tickets.c.address_hash.is_not(None),
        remote_tickets.c.requested_at < bindparam("before"),
    )
    .values(phone_hash=None, address_hash=None, phone=None)
)


async def forget_keys(tx: Transaction, branch: str, before: float) -> None:
    """The phone number and the phone and address hashes of remote tickets taken before
    ``before`` are deleted."""
    await tx.execute(_FORGET, {"branch": branch, "before": before})


_OF_DAYS = Statement(
    _SELECT.where(
        _OF_BRANCH, remote_tickets.c.day >= bindparam("first"), remote_tickets.c.day <= bindparam("last")
    ).order_by(remote_tickets.c.requested_at)
)


async def of_days(tx: Transaction, branch: str, first: str, last: str) -> list[RemoteTicket]:
    """The remote tickets taken on the days ``first`` to ``last`` (both included), for reports."""
    return [from_row(r) for r in await tx.fetch(_OF_DAYS, {"branch": branch, "first": first, "last": last})]


async def add(
    tx: Transaction, remote: RemoteTicket, code_hash: str, phone: str | None, phone_hash: str | None, address_hash: str
) -> None:
    row = {**dataclasses.asdict(remote), "code_hash": code_hash, "phone": phone, "phone_hash": phone_hash}
    await tx.execute(_INSERT, {**row, "address_hash": address_hash})


_UNNOTIFIED = Statement(
    select(*_SELECT.selected_columns, remote_tickets.c.phone)
    .where(
        _OF_BRANCH,
        remote_tickets.c.day == bindparam("day"),
        remote_tickets.c.status != RemoteStatus.EXPIRED.value,
        remote_tickets.c.phone.is_not(None),
        remote_tickets.c.ahead_notified_at.is_(None),
    )
    .limit(50)
)
_MARK_AHEAD = Statement(
    update(remote_tickets)
    .where(_OF_BRANCH, remote_tickets.c.id == bindparam("id"), remote_tickets.c.ahead_notified_at.is_(None))
    .values(ahead_notified_at=bindparam("now"))
    .returning(remote_tickets.c.id)
)


async def unnotified(tx: Transaction, branch: str, day: str) -> list[tuple[RemoteTicket, str]]:
    """The day's remote tickets (waiting or confirmed) with a phone number not yet told their
    turn is near, each with the number (at most 50 a sweep)."""
    rows = await tx.fetch(_UNNOTIFIED, {"branch": branch, "day": day})
    return [(from_row(r[:-1]), r[-1]) for r in rows]


async def mark_ahead_notified(tx: Transaction, remote: RemoteTicket, now: float) -> bool:
    return await first(tx, _MARK_AHEAD, {"branch": remote.branch, "id": remote.id, "now": now}) is not None


async def taken_today(tx: Transaction, branch: str, day: str, phone_hash: str | None, address_hash: str) -> int:
    """Remote tickets of the day taken by this phone number or from this address."""
    params = {"branch": branch, "day": day, "phone_hash": phone_hash, "address_hash": address_hash}
    return int(await scalar(tx, _TAKEN_TODAY, params))


async def branch_of(tx: Transaction, code_hash: str) -> str | None:
    row = await first(tx, _FIND, {"code_hash": code_hash})
    return row.branch if row else None


async def by_code(tx: Transaction, branch: str, code_hash: str, *, lock: bool = False) -> RemoteTicket | None:
    row = await first(tx, _BY_CODE_LOCKING if lock else _BY_CODE, {"branch": branch, "code_hash": code_hash})
    return from_row(row) if row else None


async def settle(
    tx: Transaction, remote: RemoteTicket, status: RemoteStatus, ticket_id: str | None, at: float | None
) -> bool:
    """A waiting remote ticket confirmed (with its ticket) or expired; False if it was no longer waiting."""
    params = {"branch": remote.branch, "id": remote.id, "status": status, "ticket_id": ticket_id, "at": at}
    return await first(tx, _SET_STATUS, params) is not None
