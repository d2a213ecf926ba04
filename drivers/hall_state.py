"""The hall as the device agent follows it, and what each screen and pad shows of it.

The state is the snapshot's JSON with every later event folded in by the rules of
docs/state-fold.md; the pages' ``displays/static/state.js`` follows the same rules, and
both are checked against ``tests/data/event_folds.json``. No I/O here.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from app.rules.hall import RECENT_MAX, call_stays
from app.rules.vocabulary import ACTIVE, CALLS, AlertStatus, AlertType, CounterState, EventType, TicketStatus

from .devices.screens import Call, ScreenContent

BLINK_S = 5.0  # how long a window screen flashes a new call

APPLY, SKIP, GAP = "apply", "skip", "gap"


def seq_verdict(last: int | None, seq: Any) -> str:
    """What to do with an event numbered ``seq`` when the state is at ``last``."""
    if not isinstance(seq, int) or isinstance(seq, bool):
        return SKIP
    if last is None or seq == last + 1:
        return APPLY
    return SKIP if seq <= last else GAP


def from_snapshot(snapshot: dict) -> dict:
    """A snapshot's state, with the side lists it does not carry (postponed, no_show)."""
    state = {
        **snapshot,
        "categories": [dict(c) for c in snapshot.get("categories") or []],
        "counters": [dict(c) for c in snapshot.get("counters") or []],
        "waiting": list(snapshot.get("waiting") or []),
        "recent_calls": _tidy_calls(snapshot.get("recent_calls") or [], None),
        "postponed": list(snapshot.get("postponed") or []),
        "no_show": list(snapshot.get("no_show") or []),
        "device_faults": list(snapshot.get("device_faults") or []),
    }
    recount(state)
    return state


def apply_event(state: dict, ev: dict) -> dict:
    """Fold one event whose ``seq_verdict`` is APPLY into ``state`` (in place)."""
    t, data = str(ev.get("type") or ""), ev.get("data") or {}
    state["seq"] = ev.get("seq")
    kind = t.split(".")[0]
    if kind == "ticket":
        place_ticket(state, data)
        _note_call(state, t, ev, data)
    elif kind == "counter":
        _apply_counter(state, data)
    elif kind == "alert":
        _apply_fault(state, t, data)
    elif t == EventType.BRANCH_UPDATED:
        _apply_layout(state, data)
    state["recent_calls"] = _tidy_calls(state["recent_calls"], _epoch(ev.get("at")))
    recount(state)
    return state


def _note_call(state: dict, t: str, ev: dict, ticket: dict) -> None:
    """A call or recall puts the ticket's line first (``_tidy_calls`` drops its older one);
    any other ticket event brings the ticket's line up to its status now."""
    now = {"status": ticket.get("status"), "finished_at": ticket.get("finished_at")}
    if t in CALLS:
        call = {
            "seq": ev.get("seq"),
            "type": t,
            "number": ticket.get("number"),
            "counter": ticket.get("counter"),
            "category": ticket.get("category"),
            "at": ev.get("at"),
            **now,
        }
        state["recent_calls"] = [call, *state["recent_calls"]]
    else:
        state["recent_calls"] = [
            {**c, **now} if c.get("number") == ticket.get("number") else c for c in state["recent_calls"]
        ]


def _epoch(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return None


def _tidy_calls(calls: list[dict], at: float | None) -> list[dict]:
    """Each ticket once (its latest call: the list is newest first), while ``call_stays``
    at ``at`` (the folded event's time), at most RECENT_MAX (docs/state-fold.md)."""
    seen: set = set()
    kept = []
    for c in calls:
        if c.get("number") in seen:
            continue
        seen.add(c.get("number"))
        if call_stays(c.get("status"), _epoch(c.get("finished_at")), at):
            kept.append(c)
    return kept[:RECENT_MAX]


def live_calls(state: dict) -> list[dict]:
    """The live calls, newest first: the ticket still called or served at its counter, and
    that counter open. The first is the hall's big line (``liveCall`` in state.js)."""
    open_counters = {c.get("number") for c in state["counters"] if c.get("state") == CounterState.OPEN}
    return [
        c
        for c in state["recent_calls"]
        if (c.get("status") or TicketStatus.CALLED) in ACTIVE and c.get("counter") in open_counters
    ]


def live_call(state: dict) -> dict | None:
    """The latest live call, or None."""
    found = live_calls(state)
    return found[0] if found else None


def _issue_key(ticket: dict) -> tuple:
    try:
        issued = datetime.fromisoformat(ticket["issued_at"]).timestamp()
    except (KeyError, TypeError, ValueError):
        issued = None
    return issued, str(ticket.get("id"))


def _after(a: dict, b: dict) -> bool:
    """``a`` was issued after ``b`` (issued_at, then the id); an unknown time compares by id."""
    (ta, ia), (tb, ib) = _issue_key(a), _issue_key(b)
    if ta is not None and tb is not None and ta != tb:
        return ta > tb
    return ia > ib


def _upsert(items: list[dict], ticket: dict, keep: bool) -> list[dict]:
    out = [x for x in items if x.get("id") != ticket.get("id")]
    if keep:
        i = len(out)
        while i > 0 and _after(out[i - 1], ticket):
            i -= 1
        out.insert(i, ticket)
    return out


def place_ticket(state: dict, ticket: dict) -> None:
    """A ticket event carries the ticket after the event: put it where its status says."""
    status = ticket.get("status")
    state["waiting"] = _upsert(state["waiting"], ticket, status == TicketStatus.WAITING)
    state["postponed"] = _upsert(state.get("postponed") or [], ticket, status == TicketStatus.POSTPONED)
    state["no_show"] = _upsert(state.get("no_show") or [], ticket, status == TicketStatus.NO_SHOW)
    for c in state["counters"]:
        if status in ACTIVE and ticket.get("counter") == c.get("number"):
            c["current"], c["current_ticket"] = ticket, ticket.get("id")
        elif c.get("current") and c["current"].get("id") == ticket.get("id"):
            c["current"], c["current_ticket"] = None, None


def _apply_counter(state: dict, counter: dict) -> None:
    """The event's fields replace the counter's; an unknown counter is added last."""
    for c in state["counters"]:
        if c.get("number") == counter.get("number"):
            c.update(counter)
            return
    state["counters"].append({"current": None, **counter})


def _apply_fault(state: dict, t: str, alert: dict) -> None:
    faults = [f for f in state["device_faults"] if f.get("id") != alert.get("id")]
    if (
        t == EventType.ALERT_RAISED
        and alert.get("type") == AlertType.DEVICE_FAULT
        and alert.get("status") == AlertStatus.OPEN
    ):
        faults.append(alert)
    state["device_faults"] = faults


def _apply_layout(state: dict, layout: dict) -> None:
    """branch.updated carries the layout: adopt its names and shape, keep what runs."""
    for k in ("name", "locale", "timezone"):
        if k in layout:
            state[k] = layout[k]
    if "categories" in layout:
        state["categories"] = [{"waiting": 0, **c} for c in layout["categories"]]
    if "counters" in layout:
        old = {c.get("number"): c for c in state["counters"]}
        state["counters"] = [
            {
                "state": "closed",
                "pause_reason": None,
                "teller": None,
                "current": None,
                "current_ticket": None,
                **old.get(c.get("number"), {}),
                **c,
            }
            for c in layout["counters"]
        ]


def candidates_for(waiting: list[dict], counter: dict) -> list[dict]:
    """Who a counter may call (docs/domain.md): tickets pinned to it, and unpinned ones it serves."""
    serves = counter.get("serves") or []
    return [
        t
        for t in waiting
        if t.get("pinned_counter") == counter.get("number")
        or (t.get("pinned_counter") is None and t.get("category") in serves)
    ]


def recount(state: dict) -> None:
    """Waiting counts are derived from the waiting list, so they never drift."""
    by_category: dict[str, int] = {}
    for t in state["waiting"]:
        by_category[t.get("category")] = by_category.get(t.get("category"), 0) + 1
    for c in state["categories"]:
        c["waiting"] = by_category.get(c.get("code"), 0)
    for c in state["counters"]:
        c["waiting"] = len(candidates_for(state["waiting"], c))


class HallState:
    """The folded state plus what the devices need beyond it: when each window last had a
    call, so its screen flashes and a recall of the same number is shown again."""

    def __init__(self) -> None:
        self.state: dict = from_snapshot({"seq": None})
        self.call_seq: dict[int, int] = {}
        self.blink_until: dict[int, float] = {}

    @property
    def seq(self) -> int | None:
        return self.state.get("seq")

    def apply_snapshot(self, snapshot: dict, seq: int | None = None) -> None:
        self.state = from_snapshot(snapshot if seq is None else {**snapshot, "seq": seq})

    def apply(self, ev: dict, now: float | None = None) -> str:
        """Fold ``ev`` if its seq says so; returns the verdict (GAP: resync from ``seq``)."""
        verdict = seq_verdict(self.seq, ev.get("seq"))
        if verdict != APPLY:
            return verdict
        apply_event(self.state, ev)
        data = ev.get("data") or {}
        if ev.get("type") in CALLS and data.get("counter") is not None:
            n = int(data["counter"])
            self.call_seq[n] = self.call_seq.get(n, 0) + 1
            self.blink_until[n] = (time.monotonic() if now is None else now) + BLINK_S
        return verdict

    def counter(self, n: int) -> dict | None:
        return next((c for c in self.state["counters"] if c.get("number") == n), None)

    def current(self, n: int) -> dict | None:
        c = self.counter(n)
        return c.get("current") if c else None

    def current_number(self, n: int) -> str:
        cur = self.current(n)
        if cur and cur.get("status", TicketStatus.CALLED) in ACTIVE:
            return str(cur.get("number") or "")
        return ""

    def waiting(self, n: int) -> int:
        c = self.counter(n)
        return int(c.get("waiting") or 0) if c else 0

    def hall_content(self) -> ScreenContent:
        """The live calls, newest first: each line of an LED hall screen ("A012 请到3号窗口")
        tells someone where to go now, so a call that is over or at a paused window shows none."""
        calls = []
        for c in live_calls(self.state):
            if c.get("number") and c.get("counter") is not None:
                calls.append(Call(str(c["number"]), int(c["counter"])))
            if len(calls) == 3:
                break
        return ScreenContent("hall", calls=tuple(calls))

    def counter_content(self, n: int, now: float | None = None) -> ScreenContent:
        now = time.monotonic() if now is None else now
        c = self.counter(n) or {}
        return ScreenContent(
            "counter",
            number=self.current_number(n),
            state=c.get("state", "closed"),
            blink=now < self.blink_until.get(n, 0.0),
            call_seq=self.call_seq.get(n, 0),
        )
