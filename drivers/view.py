"""The agent's picture of the branch, built from the snapshot and the event stream.

Why: screens and pads need *state* (what to show now), while the stream delivers
*changes*. This module folds one into the other and says what each device should show;
it does no I/O, so it is tested with plain dicts.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .devices.screens import Call, ScreenContent

BLINK_S = 5.0
ENDS_SERVICE = {"ticket.done", "ticket.no_show", "ticket.postponed", "ticket.transferred",
                "ticket.cancelled", "ticket.expired", "ticket.requeued", "ticket.reassigned"}


@dataclass
class CounterView:
    number: int
    state: str = "closed"
    current: dict | None = None
    waiting: int = 0
    call_seq: int = 0
    blink_until: float = 0.0


@dataclass
class BranchView:
    seq: int | None = None
    counters: dict[int, CounterView] = field(default_factory=dict)
    recent_calls: list[dict] = field(default_factory=list)  # latest first
    max_recent: int = 10

    def counter(self, n: int) -> CounterView:
        if n not in self.counters:
            self.counters[n] = CounterView(n)
        return self.counters[n]

    def apply_snapshot(self, state: dict, seq: int | None) -> None:
        self.seq = seq if seq is not None else state.get("seq")
        for c in state.get("counters", []):
            cv = self.counter(int(c["number"]))
            cv.state = c.get("state", "closed")
            cv.current = c.get("current")
            cv.waiting = int(c.get("waiting") or 0)
        calls = list(state.get("recent_calls", []))
        calls.sort(key=lambda c: c.get("at") or "", reverse=True)
        self.recent_calls = calls[: self.max_recent]

    def apply_waiting(self, state: dict) -> None:
        for c in state.get("counters", []):
            self.counter(int(c["number"])).waiting = int(c.get("waiting") or 0)

    def apply_event(self, ev: dict, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        t, d = ev.get("type", ""), ev.get("data") or {}
        if ev.get("seq") is not None:
            self.seq = ev["seq"]
        if t in ("ticket.called", "ticket.recalled") and d.get("counter") is not None:
            cv = self.counter(int(d["counter"]))
            cv.current = d
            cv.call_seq += 1
            cv.blink_until = now + BLINK_S
            self.recent_calls.insert(0, {"number": d.get("number"), "counter": int(d["counter"]),
                                         "category": d.get("category"), "at": ev.get("at"),
                                         "type": "recall" if t.endswith("recalled") else "call"})
            del self.recent_calls[self.max_recent:]
        elif t == "ticket.serving":
            for cv in self.counters.values():
                if cv.current and cv.current.get("id") == d.get("id"):
                    cv.current = d
        elif t in ENDS_SERVICE:
            for cv in self.counters.values():
                if cv.current and cv.current.get("id") == d.get("id"):
                    cv.current = None
        elif t.startswith("counter.") and d.get("number") is not None:
            cv = self.counter(int(d["number"]))
            cv.state = d.get("state", {"counter.opened": "open", "counter.closed": "closed",
                                       "counter.paused": "paused", "counter.resumed": "open"}.get(t, cv.state))
            if "current" in d:
                cv.current = d["current"]
            if d.get("waiting") is not None:
                cv.waiting = int(d["waiting"])

    def current_number(self, n: int) -> str:
        cv = self.counters.get(n)
        if cv and cv.current and cv.current.get("status", "called") in ("called", "serving"):
            return str(cv.current.get("number") or "")
        return ""

    def hall_content(self) -> ScreenContent:
        calls = []
        for c in self.recent_calls:
            if c.get("number") and c.get("counter") is not None:
                calls.append(Call(str(c["number"]), int(c["counter"])))
            if len(calls) == 3:
                break
        return ScreenContent("hall", calls=tuple(calls))

    def counter_content(self, n: int, now: float | None = None) -> ScreenContent:
        now = time.monotonic() if now is None else now
        cv = self.counter(n)
        return ScreenContent("counter", number=self.current_number(n), state=cv.state,
                             blink=now < cv.blink_until, call_seq=cv.call_seq)
