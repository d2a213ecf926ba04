"""The snapshot of a branch's hall: counters, who waits, recent calls, open device faults.

Screens, pages and the device agent start from it and fold events into it
(docs/state-fold.md); ``seq`` is the last event it includes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from . import ordering
from .alerts import Alert
from .business_day import iso
from .counters import CounterRecord
from .estimates import wait_minutes
from .layout import Layout
from .lobby_outlook import BranchFacts, hall_estimates
from .representations import alert_json, counter_json, ticket_json
from .tickets import Ticket
from .vocabulary import ACTIVE, TicketStatus

RECENT_MAX = 10  # the recent calls a snapshot carries and a fold keeps
# A finished ticket's call stays in the recent calls this long after its finish; a
# ticket that left otherwise (no-show, cancelled, postponed, back to waiting) leaves
# at once. The pages (displays/static/state.js) and the agent apply the same rule.
RECENT_DONE_KEEP_S = 600.0
_KEPT = (*ACTIVE, TicketStatus.DONE)


def call_stays(status: str | None, finished_at: float | None, now: float | None) -> bool:
    """Whether a ticket's latest call keeps its line in the hall's recent calls at ``now``
    (docs/state-fold.md): while the ticket is called or served, and for
    ``RECENT_DONE_KEEP_S`` after it is done. A call without a status counts as called;
    a done one without a finish time, or with no ``now`` to compare, stays."""
    status = status or TicketStatus.CALLED
    if status not in _KEPT:
        return False
    if status != TicketStatus.DONE or finished_at is None or now is None:
        return True
    return finished_at + RECENT_DONE_KEEP_S > now


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
    called: Mapping[str, Ticket],
    faults: Iterable[Alert],
    facts: BranchFacts,
) -> dict[str, Any]:
    """``tickets``: today's waiting tickets and those at a counter; ``calls``: the latest
    calls and recalls, newest first; ``called``: the tickets they called, by id; ``facts``:
    what the estimates play forward. Waiting tickets carry their estimate as of now, and
    each category the estimate of a ticket taken now."""
    zone = layout.zone
    tickets = list(tickets)
    waiting = [t for t in tickets if t.status == TicketStatus.WAITING]
    aheads = {t.id: (t, ordering.ahead_of(t, waiting, layout.policy, now)) for t in waiting if t.pinned_counter is None}
    queues = {
        c.code: sum(t.category == c.code and t.pinned_counter is None for t in waiting) for c in layout.categories
    }
    estimates, for_new = hall_estimates(layout, facts, queues, aheads, now)
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
    return {
        "seq": seq,
        "branch": layout.code,
        "name": layout.name,
        "locale": layout.locale,
        "timezone": layout.timezone,
        "date": today,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "prefix": c.prefix,
                "waiting": sum(t.category == c.code for t in waiting),
                "estimated_wait_s": for_new[c.code],
                "wait_minutes": wait_minutes(for_new[c.code]),
            }
            for c in layout.categories
        ],
        "counters": counters_out,
        "waiting": [_waiting_json(t, aheads, estimates, zone) for t in waiting],
        "recent_calls": recent_calls(calls, called, now, zone),
        # Open device faults are no secret and every screen may need them: the kiosk
        # shows a printer banner from the first snapshot, not only from the next alert.
        "device_faults": [alert_json(f, zone) for f in faults],
    }


def called_ids(calls: Iterable[Call]) -> list[str]:
    """The ids of the tickets these calls called: ``recent_calls`` needs them as they are now."""
    return [i for i in (json.loads(c.data_text).get("id") for c in calls) if i]


def recent_calls(
    calls: Iterable[Call], called: Mapping[str, Ticket], now: float, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The hall's recent calls: each ticket once, at its latest call, with its status now,
    while ``call_stays``; newest first, at most ``RECENT_MAX``. A call whose ticket is
    not in ``called`` is gone."""
    recent: list[dict[str, Any]] = []
    seen: set[str] = set()
    for call in calls:
        data = json.loads(call.data_text)
        number = data.get("number")
        if number in seen:
            continue  # an older call of a ticket already listed
        seen.add(number)
        ticket = called.get(data.get("id"))
        if ticket is None or not call_stays(ticket.status, ticket.finished_at, now):
            continue
        recent.append(
            {
                "seq": call.seq,
                "type": call.type,
                "number": number,
                "counter": data.get("counter"),
                "category": data.get("category"),
                "at": iso(call.at, zone),
                "status": ticket.status.value,
                "finished_at": iso(ticket.finished_at, zone),
            }
        )
        if len(recent) == RECENT_MAX:
            break
    return recent


def _waiting_json(
    ticket: Ticket, aheads: Mapping[str, tuple[Ticket, int]], estimates: Mapping[str, int | None], zone: ZoneInfo
) -> dict[str, Any]:
    """A pinned ticket is called at its counter first: no place in the category's queue."""
    estimate = estimates.get(ticket.id)
    body = ticket_json(replace(ticket, estimated_wait_s=estimate) if ticket.id in aheads else ticket, zone)
    body["ahead"] = aheads[ticket.id][1] if ticket.id in aheads else None
    return body
