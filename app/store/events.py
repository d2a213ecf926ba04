"""The events table: each branch's gapless sequence of what happened.

Seqs come from ``branches.last_seq`` inside the writing transaction: the row lock
PostgreSQL takes there (and SQLite's single writer) makes seqs gapless and committed in
order. That row is the branch's hottest, so events take their seqs as late as they can,
at the commit; on PostgreSQL one statement takes them, writes the events and sends the
NOTIFY, and the row is held for that statement and the COMMIT alone. A new ticket's
``issue_seq`` is its ``ticket.issued`` event's seq: the ticket is inserted earlier with
``UNNUMBERED`` and the same statement stamps it, so an issue holds the row no longer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, literal, select, text, update

from ..rules.hall import Call
from ..rules.representations import envelope
from ..rules.vocabulary import CALLS
from . import branches as branch_rows
from .statement import Statement
from .tables import branches, events, tickets
from .transaction import Transaction, scalar


@dataclass
class Pending:
    """An event recorded in a unit of work; ``seq`` is None until the commit takes it.
    ``stamps``: the id of the ticket whose ``issue_seq`` is this event's seq."""

    seq: int | None
    type: str
    data: dict[str, Any]
    stamps: str | None = None


# The issue_seq a new ticket is inserted with until the commit stamps its event's seq: it
# ranks after every numbered ticket, as the seq it will take does (nobody else sees it).
UNNUMBERED = 2**62


@dataclass(frozen=True)
class Stored:
    seq: int
    type: str
    at: float
    data_text: str  # sent as stored, never re-parsed


_ADVANCE = Statement(
    update(branches)
    .where(branches.c.code == bindparam("code"))
    .values(last_seq=branches.c.last_seq + bindparam("n", type_=BigInteger))
    .returning(branches.c.last_seq)
)
_INSERT = Statement(events.insert())
_STAMP = Statement(
    update(tickets)
    .where(tickets.c.branch == bindparam("branch"), tickets.c.id == bindparam("id"))
    .values(issue_seq=bindparam("seq"))
)
_WRITTEN = """
    WITH advanced AS (
        UPDATE branches SET last_seq = last_seq + CAST(:n AS BIGINT)
        WHERE code = CAST(:branch AS VARCHAR) RETURNING last_seq
    ), written AS (
        INSERT INTO events (branch, seq, type, at, data)
        SELECT CAST(:branch AS VARCHAR), advanced.last_seq - CAST(:n AS BIGINT) + e.k,
               e.type, CAST(:at AS DOUBLE PRECISION), e.data
        FROM advanced, unnest(CAST(:types AS VARCHAR[]), CAST(:datas AS TEXT[])) WITH ORDINALITY AS e(type, data, k)
        RETURNING seq
    )"""
_STAMPED = """, stamped AS (
        UPDATE tickets SET issue_seq = advanced.last_seq - CAST(:n AS BIGINT) + CAST(:stamp_k AS BIGINT)
        FROM advanced WHERE tickets.branch = CAST(:branch AS VARCHAR) AND tickets.id = CAST(:stamp AS VARCHAR)
    )"""
_NOTIFIED = """
    SELECT max(seq), pg_notify(CAST(:channel AS TEXT), CAST(:branch AS VARCHAR) || ':' || max(seq)) FROM written"""
_QUIET = """
    SELECT max(seq), NULL FROM written"""
# PostgreSQL: take the seqs, write every event, stamp a new ticket's issue_seq (when the
# unit of work issued one) and notify the last seq (when a bus listens), in one statement;
# keyed by (notify, stamp). Constant text: every value is a bound parameter.
_SEAL = {
    (notify, stamp): Statement(
        text(_WRITTEN + (_STAMPED if stamp else "") + (_NOTIFIED if notify else _QUIET))  # nosec B608
    )
    for notify in (True, False)
    for stamp in (True, False)
}
_AFTER = Statement(
    select(events.c.seq, events.c.type, events.c.at, events.c.data)
    .where(events.c.branch == bindparam("branch"), events.c.seq > bindparam("after"))
    .order_by(events.c.seq)
    .limit(bindparam("limit"))
)
# The calls read for the hall's ten recent ones (rules.hall.recent_calls): a recall, a
# no-show or a finished ticket takes no line, so more calls are read than are shown.
RECENT_CALLS_READ = 50
_RECENT_CALLS = Statement(
    select(events.c.seq, events.c.type, events.c.at, events.c.data)
    .where(
        events.c.branch == bindparam("branch"),
        events.c.type.in_([literal(t.value) for t in CALLS]),
        events.c.at >= bindparam("since"),
    )
    .order_by(events.c.seq.desc())
    .limit(RECENT_CALLS_READ)
)
_OLDEST = Statement(select(events.c.at).where(events.c.branch == bindparam("branch")).order_by(events.c.seq).limit(1))
_AT = Statement(select(events.c.at).where(events.c.branch == bindparam("branch"), events.c.seq == bindparam("seq")))
_PRUNE = Statement(delete(events).where(events.c.branch == bindparam("branch"), events.c.at < bindparam("cutoff")))


def _number(recorded: list[Pending], last: int) -> None:
    """Give the events the seqs up to ``last``, in the order recorded."""
    for k, event in enumerate(recorded, start=last - len(recorded) + 1):
        event.seq = k


async def write(tx: Transaction, branch: str, recorded: list[Pending], at: float, notify: str | None) -> int:
    """Give the recorded events their seqs and write them, stamping the ticket an event
    ``stamps``; the last seq. ``notify``: the PostgreSQL channel to announce it on, in
    this transaction."""
    texts = [json.dumps(e.data, ensure_ascii=False, separators=(",", ":")) for e in recorded]
    stamp = next(((k, e.stamps) for k, e in enumerate(recorded, start=1) if e.stamps), None)
    if tx.database == "postgresql":
        params = {
            "branch": branch,
            "n": len(recorded),
            "at": at,
            "types": [e.type for e in recorded],
            "datas": texts,
        }
        if notify is not None:
            params["channel"] = notify
        if stamp is not None:
            params["stamp_k"], params["stamp"] = stamp
        last: int = await scalar(tx, _SEAL[notify is not None, stamp is not None], params)
        _number(recorded, last)
        return last
    last = await scalar(tx, _ADVANCE, {"code": branch, "n": len(recorded)})
    _number(recorded, last)
    await tx.execute_many(
        _INSERT,
        [
            {"branch": branch, "seq": e.seq, "type": e.type, "at": at, "data": data}
            for e, data in zip(recorded, texts, strict=True)
        ],
    )
    if stamp is not None:
        await tx.execute(_STAMP, {"branch": branch, "id": stamp[1], "seq": last - len(recorded) + stamp[0]})
    return last


async def after(tx: Transaction, branch: str, seq: int, limit: int) -> list[Stored]:
    return [Stored(*r) for r in await tx.fetch(_AFTER, {"branch": branch, "after": seq, "limit": limit})]


async def recent_calls(tx: Transaction, branch: str, since: float) -> list[Call]:
    """The last ``RECENT_CALLS_READ`` calls and recalls since ``since``, newest first."""
    return [Call(*r) for r in await tx.fetch(_RECENT_CALLS, {"branch": branch, "since": since})]


async def at_of(tx: Transaction, branch: str, seq: int) -> float | None:
    """When event ``seq`` of the branch was written, or None when there is none (yet)."""
    at = await scalar(tx, _AT, {"branch": branch, "seq": seq})
    return None if at is None else float(at)


async def prune(tx: Transaction, branch: str, cutoff: float) -> None:
    """Drop the branch's events older than ``cutoff``. The oldest event is one seek; only
    when it is older than the cutoff (about once a day) does the delete walk the events."""
    oldest = await scalar(tx, _OLDEST, {"branch": branch})
    if oldest is not None and oldest < cutoff:
        await tx.execute(_PRUNE, {"branch": branch, "cutoff": cutoff})


async def replay(tx: Transaction, code: str, seq: int, limit: int) -> tuple[list[tuple[int, str]], bool] | None:
    """The branch's events after ``seq`` as (seq, text sent), and whether some of them are no longer
    kept (the client needs a snapshot instead); None for a branch that does not exist.
    ``tx`` must be a consistent read."""
    branch = await branch_rows.read(tx, code)
    if branch is None:
        return None
    found = await after(tx, code, seq, limit)
    gone = seq < branch.last_seq and (not found or found[0].seq != seq + 1)
    zone = branch.layout.zone
    return [(e.seq, envelope(code, e.seq, e.type, e.at, e.data_text, zone)) for e in found], gone
