"""The model check of the reliability suite: holds a recorded workload
(tests/reliability/workload.py) to the server's final state and event log, read from
outside over HTTP once the load has stopped.

- every acknowledged operation has its event, with the ticket (or counter) exactly as
  the answer showed it, and each event is matched once;
- an event that no acknowledged operation explains is one the operation itself records
  on the way (a call-next finishing a serving ticket, even when it then finds nobody and
  answers 204; an alert; a rollover), or belongs
  to a request that got no answer (a crash, an outage): never to a refused one;
- numbers run 1..N per prefix and day, none repeated or skipped;
- seqs run 1..N without a gap;
- each ticket's events are moves the state machine allows (docs/domain.md): a ticket is
  never called while already called or served, so no two counters ever had it at once;
- every ticket's final state is the fold of its events, every counter's current ticket
  and state too.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import httpx

from tests.reliability.workload import API, Record

# The event each acknowledged operation records (call-next's 204 records none).
EVENT_OF = {
    "issue": "ticket.issued",
    "call-next": "ticket.called",
    "call": "ticket.called",
    "recall": "ticket.recalled",
    "start": "ticket.serving",
    "finish": "ticket.done",
    "skip": "ticket.no_show",
    "postpone": "ticket.postponed",
    "transfer": "ticket.transferred",
    "evaluation": "ticket.evaluated",
    "cancel": "ticket.cancelled",
    "track-cancel": "ticket.cancelled",
    "priority": "ticket.priority_changed",
    "reassign": "ticket.reassigned",
    "requeue": "ticket.requeued",
    "open": "counter.opened",
    "close": "counter.closed",
    "pause": "counter.paused",
    "resume": "counter.resumed",
}

# docs/domain.md, "Ticket states": the states each event's move starts from, and where it ends.
MOVES: dict[str, tuple[set[str | None], str | None]] = {
    "ticket.issued": ({None}, "waiting"),
    "ticket.called": ({"waiting", "postponed"}, "called"),
    "ticket.recalled": ({"called"}, "called"),
    "ticket.serving": ({"called"}, "serving"),
    "ticket.done": ({"called", "serving"}, "done"),
    "ticket.no_show": ({"called"}, "no_show"),
    "ticket.postponed": ({"called", "serving"}, "postponed"),
    "ticket.transferred": ({"called", "serving"}, "waiting"),
    "ticket.requeued": ({"no_show"}, "waiting"),
    "ticket.cancelled": ({"waiting"}, "cancelled"),
    "ticket.expired": ({"waiting"}, "expired"),
    "ticket.reassigned": ({"waiting", "called", "serving", "postponed"}, "waiting"),
    "ticket.priority_changed": ({"waiting", "called", "serving", "postponed", "no_show"}, None),
    "ticket.evaluated": ({"done"}, "done"),
}

TICKET_FIELDS = (
    "id",
    "number",
    "status",
    "category",
    "priority",
    "counter",
    "pinned_counter",
    "recall_count",
    "score",
    "queued_at",
    "called_at",
    "started_at",
    "finished_at",
)
COUNTER_FIELDS = ("number", "state", "teller", "pause_reason", "current_ticket")


def ticket_print(data: dict) -> tuple:
    return tuple(data.get(f) for f in TICKET_FIELDS)


def counter_print(data: dict) -> tuple:
    return tuple(data.get(f) for f in COUNTER_FIELDS)


async def read_all(url: str, token: str) -> tuple[list[dict], list[dict], dict]:
    """The event log (paged from ``after=0``), the tickets of the day and the state."""
    events: list[dict] = []
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        while True:
            r = await c.get(f"{API}/events", params={"after": events[-1]["seq"] if events else 0, "limit": 5000})
            assert r.status_code == 200, r.text
            batch = r.json()["events"]
            if not batch:
                break
            events += batch
        r = await c.get(f"{API}/tickets")
        assert r.status_code == 200, r.text
        tickets = r.json()["tickets"]
        r = await c.get(f"{API}/state")
        assert r.status_code == 200, r.text
        state = r.json()
    return events, tickets, state


def check(
    record: Record, events: list[dict], tickets: list[dict], state: dict, *, faults: bool, min_issues: int = 50
) -> dict:
    """Raise AssertionError on the first broken promise; return a few figures for the log.
    Without ``faults`` every request must have had an answer and none may be a 5xx."""
    if not faults:
        assert not record.unknown(), [(o.kind, o.status, o.body) for o in record.unknown()][:5]
    assert not record.server_errors() or faults, record.server_errors()[:5]
    assert len(record.acked("issue")) >= min_issues, "the workload hardly ran"
    _seqs(events, state)
    _numbers(record, tickets, events)
    folded = _moves(events)
    _acknowledged(record, events)
    _final(folded, events, tickets, state)
    kinds = Counter(o.kind for o in record.acked())
    return {"operations": len(record.ops), "acknowledged": sum(kinds.values()), "events": len(events), **kinds}


def _seqs(events: list[dict], state: dict) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), f"event seqs skip or repeat near {_first_gap(seqs)}"
    assert state["seq"] == len(seqs), (state["seq"], len(seqs))


def _first_gap(seqs: list[int]) -> int | None:
    return next((s for i, s in enumerate(seqs, 1) if s != i), None)


def _numbers(record: Record, tickets: list[dict], events: list[dict]) -> None:
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for t in tickets:
        m = re.fullmatch(r"([A-Z]+)(\d+)", t["number"])
        assert m, t["number"]
        by_prefix[m[1]].append(int(m[2]))
    for prefix, numbers in by_prefix.items():
        twice = [n for n, k in Counter(numbers).items() if k > 1]
        assert not twice, f"{prefix} numbers issued twice: {twice[:10]}"
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        assert not missing, f"{prefix} numbers skipped: {missing[:10]}"
    listed = {t["id"]: t["number"] for t in tickets}
    for op in record.acked("issue"):
        assert listed.get(op.body["id"]) == op.body["number"], f"acknowledged ticket {op.body['number']} lost"
    issued = {e["data"]["id"] for e in events if e["type"] == "ticket.issued"}
    assert issued == set(listed), "the tickets of the day and the ticket.issued events differ"


def _moves(events: list[dict]) -> dict[str, dict]:
    """Fold each ticket's events, checking each against the state machine; the last data."""
    last: dict[str, dict] = {}
    for e in events:
        if e["type"] not in MOVES:
            continue
        data = e["data"]
        before = last.get(data["id"], {}).get("status")
        starts, ends = MOVES[e["type"]]
        assert before in starts, f"seq {e['seq']}: {e['type']} of {data['number']} from {before}"
        assert data["status"] == (ends or before), f"seq {e['seq']}: {e['type']} left {data['status']}"
        last[data["id"]] = data
    return last


def _acknowledged(record: Record, events: list[dict]) -> None:
    """Each acknowledged operation matched to one event showing what its answer showed."""
    unmatched = Counter(_event_key(e) for e in events if e["type"] in EVENT_OF.values())
    loose: list[tuple[str, str]] = []
    for op in record.acked():
        if op.kind == "call-next" and op.status == 204:
            continue
        kind = EVENT_OF[op.kind]
        if op.kind == "track-cancel":  # answers the tracking JSON, not the ticket
            loose.append((kind, op.ticket))
            continue
        key = (kind, counter_print(op.body) if kind.startswith("counter.") else ticket_print(op.body))
        assert unmatched[key] > 0, f"acknowledged {op.kind} {op.path} has no event showing {op.body}"
        unmatched[key] -= 1
    by_id = Counter({(k, p[0]): n for (k, p), n in unmatched.items() if n > 0 and not k.startswith("counter.")})
    for key in loose:
        assert by_id[key] > 0, f"acknowledged customer cancel of {key[1]} has no event"
        by_id[key] -= 1
    # What is left was recorded on the way by another operation, or by one without an answer.
    nobody_next = Counter(o.counter for o in record.acked("call-next") if o.status == 204)
    left = _left_over(events, unmatched, loose, nobody_next)
    possible = Counter(EVENT_OF[o.kind] for o in record.unknown() if o.kind in EVENT_OF)
    for kind, count in Counter(left).items():
        assert count <= possible[kind], f"{count} {kind} events no operation accounts for ({possible[kind]} unanswered)"


def _left_over(events: list[dict], unmatched: Counter, loose: list[tuple[str, str]], nobody_next: Counter) -> list[str]:
    cancelled_by_customer = Counter(loose)
    left = []
    by_seq = {e["seq"]: e for e in events}
    for e in events:
        if e["type"] not in EVENT_OF.values():
            continue  # alerts, rollover, layout: not the workload's own moves
        key = _event_key(e)
        if unmatched[key] <= 0:
            continue
        unmatched[key] -= 1
        if e["type"] == "ticket.cancelled" and cancelled_by_customer[(e["type"], e["data"]["id"])] > 0:
            cancelled_by_customer[(e["type"], e["data"]["id"])] -= 1
            continue
        follower = by_seq.get(e["seq"] + 1)
        if (
            e["type"] == "ticket.done"
            and follower
            and follower["type"] == "ticket.called"
            and follower["at"] == e["at"]
            and follower["data"]["counter"] == e["data"]["counter"]
        ):
            continue  # a call-next that finished its serving ticket first
        if e["type"] == "ticket.done" and nobody_next[e["data"]["counter"]] > 0:
            nobody_next[e["data"]["counter"]] -= 1
            continue  # a call-next that finished its serving ticket, then found nobody (204)
        left.append(e["type"])
    return left


def _event_key(e: dict) -> tuple[str, tuple]:
    return (e["type"], counter_print(e["data"]) if e["type"].startswith("counter.") else ticket_print(e["data"]))


def _final(folded: dict[str, dict], events: list[dict], tickets: list[dict], state: dict) -> None:
    for t in tickets:
        assert ticket_print(t) == ticket_print(folded[t["id"]]), f"{t['number']} is not the fold of its events"
    at_counter: dict[int, list[str]] = defaultdict(list)
    for t in tickets:
        if t["status"] in ("called", "serving"):
            at_counter[t["counter"]].append(t["id"])
    counters = {e["data"]["number"]: e["data"] for e in events if e["type"].startswith("counter.")}
    for c in state["counters"]:
        assert len(at_counter[c["number"]]) <= 1, f"counter {c['number']} holds {at_counter[c['number']]}"
        assert c["current_ticket"] == (at_counter[c["number"]] or [None])[0], f"counter {c['number']}"
        if c["number"] in counters:
            assert c["state"] == counters[c["number"]]["state"], f"counter {c['number']}: not its last event"
