"""The hall's snapshot read in one consistent transaction, so its ``seq`` matches exactly
what it shows: the same for ``GET …/state`` and a stream's first message."""

from __future__ import annotations

from typing import Any

from ..rules.business_day import day_of
from ..rules.hall import called_ids, hall_state
from ..rules.vocabulary import AlertType
from . import alerts, branches, counters, events, outlook, tickets
from .transaction import Transaction


async def read_state(tx: Transaction, code: str, now: float) -> dict[str, Any] | None:
    """``tx`` must be a consistent read (``Database.read(consistent=True)``)."""
    branch = await branches.read(tx, code)
    if branch is None:
        return None
    layout = branch.layout
    today = day_of(now, layout.zone)
    calls = await events.recent_calls(tx, code, now - 86400)
    called = await tickets.by_ids(tx, code, called_ids(calls))
    return hall_state(
        layout,
        branch.last_seq,
        today,
        now,
        counters=await counters.of_branch(tx, code),
        tickets=await tickets.in_hall(tx, code, today),
        calls=calls,
        called=called,
        faults=await alerts.open_of_type(tx, code, AlertType.DEVICE_FAULT),
        facts=await outlook.branch_facts(tx, code, today, now, layout.policy),
    )
