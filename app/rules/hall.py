"""The snapshot of a branch's hall: counters, who waits, recent calls, open device faults.

Screens, pages and the device agent start from it and fold events into it
(docs/state-fold.md); ``seq`` is the last event it includes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import ordering
from .alerts import Alert
from .business_day import iso
from .counters import CounterRecord
from .layout import Layout
from .representations import alert_json, counter_json, ticket_json
from .tickets import Ticket
from .vocabulary import TicketStatus


@dataclass(frozen=True)
class Call:
    """A ``ticket.called`` or ``ticket.recalled`` event, as the hall's recent calls list it."""

    seq: int
    type: str
    at: float
    data_text: str


def hall_state(
    layout: Layout,
    seq: int,
    today: str,
    now: float,
    counters: Iterable[CounterRecord],
    tickets: Iterable[Ticket],
    calls: Iterable[Call],
    faults: Iterable[Alert],
) -> dict[str, Any]:
    """``tickets``: today's waiting tickets and those at a counter."""
    zone = layout.zone
    tickets = list(tickets)
    waiting = [t for t in tickets if t.status == TicketStatus.WAITING]
    by_id = {t.id: t for t in tickets}
    by_number = {c.number: c for c in counters}
    counters_out = []
    for counter in layout.counters:
        record = by_number.get(counter.number)
        if record is None:
            continue
        current = by_id.get(record.current_ticket) if record.current_ticket else None
        counters_out.append(
            counter_json(
                record,
                zone,
                name=counter.name,
                serves=list(counter.serves),
                current=ticket_json(current, zone) if current else None,
                waiting=sum(ordering.is_candidate(t, counter) for t in waiting),
            )
        )
    recent = []
    for call in calls:
        data = json.loads(call.data_text)
        recent.append(
            {
                "seq": call.seq,
                "type": call.type,
                "number": data.get("number"),
                "counter": data.get("counter"),
                "category": data.get("category"),
                "at": iso(call.at, zone),
            }
        )
    return {
        "seq": seq,
        "branch": layout.code,
        "name": layout.name,
        "locale": layout.locale,
        "timezone": layout.timezone,
        "date": today,
        "categories": [
            {"code": c.code, "name": c.name, "prefix": c.prefix, "waiting": sum(t.category == c.code for t in waiting)}
            for c in layout.categories
        ],
        "counters": counters_out,
        "waiting": [_with_ahead(t, waiting, layout, now) for t in waiting],
        "recent_calls": recent,
        # Open device faults are no secret and every screen may need them: the kiosk
        # shows a printer banner from the first snapshot, not only from the next alert.
        "device_faults": [alert_json(f, zone) for f in faults],
    }


def _with_ahead(ticket: Ticket, waiting: list[Ticket], layout: Layout, now: float) -> dict[str, Any]:
    body = ticket_json(ticket, layout.zone)
    body["ahead"] = ordering.ahead_of(ticket, waiting, layout.policy, now) if ticket.pinned_counter is None else None
    return body
