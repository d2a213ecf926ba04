"""A scripted stand-in for WS /api/v1/branches/{b}/stream, via Playwright's
WebSocket routing: tests of the pages' stream handling that need no core."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

TZ = timezone(timedelta(hours=8))


def now_iso() -> str:
    return datetime.now(TZ).isoformat(timespec="seconds")


def base_state(layout: dict, branch: str) -> dict:
    return {
        "seq": 0,
        "branch": branch,
        "name": layout["name"],
        "locale": layout["locale"],
        "timezone": layout["timezone"],
        "date": datetime.now(TZ).date().isoformat(),
        "categories": [{**c, "waiting": 0} for c in layout["categories"]],
        "counters": [
            {**c, "state": "open", "pause_reason": None, "teller": f"t{c['number']}", "waiting": 0, "current": None}
            for c in layout["counters"]
        ],
        "waiting": [],
        "recent_calls": [],
    }


def ticket(number: str, category: str, status: str = "waiting", counter: int | None = None) -> dict:
    return {
        "id": f"id-{number}",
        "number": number,
        "category": category,
        "priority": "normal",
        "status": status,
        "issued_at": now_iso(),
        "queued_at": now_iso(),
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "counter": counter,
        "pinned_counter": None,
        "recall_count": 0,
        "score": None,
        "kiosk": None,
        "print_failed": False,
    }


class FakeStream:
    """Keeps an event log; answers each connection with a snapshot or a replay."""

    def __init__(self, state: dict):
        self.state = state  # what a snapshot says (seq 0)
        self.events: list[dict] = []
        self.connections: list[dict] = []  # query of each connection, and the token it offered
        self.received: list[str] = []  # what pages sent us (pongs)
        self.ws = None
        self.replay_from: int | None = None  # oldest seq still replayable

    def attach(self, page, branch: str) -> None:
        page.route_web_socket(f"**/api/v1/branches/{branch}/stream*", self._connect)

    def _connect(self, ws) -> None:
        query = {k: v[0] for k, v in parse_qs(urlparse(ws.url).query).items()}
        # the pages offer their token as a subprotocol, as the real server expects
        offered = [p.removeprefix("bearer.") for p in ws.protocols if p.startswith("bearer.")]
        self.connections.append({**query, **({"token": offered[0]} if offered else {})})
        self.ws = ws
        ws.on_message(lambda m: self.received.append(m))
        after = query.get("after")
        if after is None or (self.replay_from is not None and int(after) < self.replay_from - 1):
            ws.send(json.dumps({"type": "snapshot", "seq": self.state["seq"], "state": self.state}))
            after = self.state["seq"]
        for ev in self.events:
            if ev["seq"] > int(after):
                ws.send(json.dumps(ev))

    def event(self, type_: str, data: dict, send: bool = True) -> dict:
        ev = {
            "seq": len(self.events) + 1 + self.state["seq"],
            "type": type_,
            "at": now_iso(),
            "branch": self.state["branch"],
            "data": data,
        }
        self.events.append(ev)
        if send and self.ws is not None:
            self.ws.send(json.dumps(ev))
        return ev

    def call(self, number: str, category: str, counter: int, recall: bool = False, send: bool = True) -> dict:
        t = ticket(number, category, "called", counter)
        return self.event("ticket.recalled" if recall else "ticket.called", t, send)

    def close(self, code: int = 1011) -> None:
        if self.ws is not None:
            self.ws.close(code=code, reason="test")
            self.ws = None
