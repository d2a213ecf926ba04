"""The shared cases of the event fold (tests/data/event_folds.json, rules in
docs/state-fold.md) and the comparable form their ``expected`` is written in; both the
agent's reducer (Python) and the pages' reducer (JS, in Chromium) are held to them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_PATH = Path(__file__).resolve().parents[1] / "data" / "event_folds.json"


def cases() -> list[dict[str, Any]]:
    return json.loads(CASES_PATH.read_text(encoding="utf-8"))


def normalise(state: dict, resync: bool, live: dict | None) -> dict:
    """A folded state in the comparable form of docs/state-fold.md; ``live`` is what the
    implementation says is the latest live call (the hall's big line)."""
    waiting: dict[str, list[str]] = {c["code"]: [] for c in state["categories"]}
    for t in state["waiting"]:
        waiting.setdefault(t["category"], []).append(t["number"])
    return {
        "seq": state["seq"],
        "resync": resync,
        "name": state.get("name"),
        "locale": state.get("locale"),
        "timezone": state.get("timezone"),
        "categories": {c["code"]: c["waiting"] for c in state["categories"]},
        "waiting": waiting,
        "pinned": {t["number"]: t["pinned_counter"] for t in state["waiting"] if t.get("pinned_counter") is not None},
        "priority": {t["number"]: t["priority"] for t in state["waiting"] if t.get("priority", "normal") != "normal"},
        "counters": [
            {
                "number": c["number"],
                "name": c.get("name"),
                "state": c.get("state"),
                "teller": c.get("teller"),
                "pause_reason": c.get("pause_reason"),
                "current": {"number": c["current"]["number"], "status": c["current"]["status"]}
                if c.get("current")
                else None,
                "waiting": c.get("waiting"),
            }
            for c in state["counters"]
        ],
        "postponed": [t["number"] for t in state.get("postponed", [])],
        "no_show": [t["number"] for t in state.get("no_show", [])],
        "recent_calls": [
            {
                "seq": c.get("seq"),
                "type": c.get("type"),
                "number": c.get("number"),
                "counter": c.get("counter"),
                "status": c.get("status"),
            }
            for c in state["recent_calls"]
        ],
        "live": {"number": live.get("number"), "counter": live.get("counter")} if live else None,
        "device_faults": [a["id"] for a in state.get("device_faults", [])],
    }
