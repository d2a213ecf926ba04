"""A branch that takes appointments, for the booking tests: the sample branch open every
day 09:00-17:00, with large cash (大额取现) booked in 30-minute slots."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.rules.hours import WEEKDAYS
from app.sample_branch import SAMPLE_BRANCH

ZONE = "Asia/Shanghai"
BRANCH = "sjm01"  # the branch the page tests lay out (tests/displays/support.py)
CASH = {"slot_minutes": 30, "capacity": 2, "hourly_share": 1.0, "cash": {"CNY": 50000, "USD": 10000}}


def booked_branch(appointment: dict[str, Any] | None = None, **policy: Any) -> dict[str, Any]:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["hours"] = {"weekly": {d: ["09:00-17:00"] for d in WEEKDAYS}}
    layout["categories"].append({"code": "cash", "name": "大额取现", "prefix": "E", "appointment": appointment or CASH})
    layout["counters"][0]["serves"].append("cash")
    layout["policy"].update(policy)
    return layout


def day_after(moment: float, days: int = 1) -> str:
    """The branch's calendar day ``days`` after the one of ``moment``."""
    return (datetime.fromtimestamp(moment, ZoneInfo(ZONE)).date() + timedelta(days=days)).isoformat()


def book_today(lobbyq, today: str, amount: int = 1) -> tuple[str, str]:
    """A booking of today's first free slot: its code and time (skips in the day's last slot)."""
    slots = lobbyq.ok("GET", f"/api/v1/book/{BRANCH}/slots?category=cash&date={today}")["slots"]
    free = [s for s in slots if s["free"] > 0]
    if not free:
        pytest.skip("no slot left today (the last 5 minutes of the day in Shanghai)")
    body = {"category": "cash", "date": today, "time": free[0]["time"], "amount": amount, "currency": "CNY"}
    return lobbyq.ok("POST", f"/api/v1/book/{BRANCH}", json=body)["code"], free[0]["time"]
