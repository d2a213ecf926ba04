"""Notices to customers (issue #13 item 7) written to the notifier's outbox by the booking
and the sweep: the booking's confirmation and its reminders a day and an hour before, and
"3 ahead of you", each once. Delivery and its retries: test_notifications.py."""

from __future__ import annotations

from app.rules.notifications import Notice
from app.rules.vocabulary import NoticeKind
from app.services import housekeeping
from app.store import notifications as stored
from tests.support.booking import ZONE, booked_branch, day_after


async def told(api, seen: set[str]) -> list[Notice]:
    """The notices written to the outbox since the last look, oldest first."""
    async with api.ctx.db.read() as tx:
        written = await stored.of_branch(tx, "sjm01")
    new = [n for n in reversed(written) if n.id not in seen]
    seen.update(n.id for n in new)
    return new


async def test_a_booking_is_confirmed_and_reminded_a_day_and_an_hour_before_once_each(api):
    seen: set[str] = set()
    await api.branch(booked_branch())
    api.clock.advance_to(9, ZONE)
    tomorrow = day_after(api.clock())
    body = {"category": "cash", "date": tomorrow, "time": "10:00", "amount": 1, "currency": "CNY"}
    r = await api.request("POST", "/api/v1/book/sjm01", json={**body, "phone": "13800138000"})
    assert r.status_code == 201, r.text
    assert (await api.request("POST", "/api/v1/book/sjm01", json=body)).status_code == 201  # no phone: no notice
    assert [(n.kind, n.recipient, n.data["code"]) for n in await told(api, seen)] == [
        (NoticeKind.BOOKING_CONFIRMED, "13800138000", r.json()["code"])
    ]

    async def sweep() -> list[str]:
        await housekeeping.sweep_all(api.ctx)
        return [n.kind for n in await told(api, seen)]

    assert await sweep() == []  # 25 hours ahead: not yet
    api.clock.advance(3600 + 60)  # 10:01, under a day ahead
    assert await sweep() == [NoticeKind.REMINDER_DAY_BEFORE]
    assert await sweep() == []
    api.clock.advance_to(9, ZONE)
    api.clock.advance(60)  # 09:01, under an hour ahead
    assert await sweep() == [NoticeKind.REMINDER_HOUR_BEFORE]
    assert await sweep() == []


async def test_booked_and_remote_customers_are_told_once_when_3_are_ahead(api):
    seen: set[str] = set()
    layout = booked_branch()
    layout["categories"][0]["remote"] = True  # personal
    b = await api.branch(layout)
    api.clock.advance_to(10, ZONE)
    today = day_after(api.clock(), 0)
    body = {"category": "cash", "date": today, "time": "10:30", "amount": 1, "currency": "CNY", "phone": "13800138000"}
    code = (await api.request("POST", "/api/v1/book/sjm01", json=body)).json()["code"]
    for _ in range(5):
        await b.issue("cash")
    for _ in range(4):
        await b.issue("personal")
    r = await api.request("POST", "/api/v1/book/sjm01/remote", json={"category": "personal", "phone": "13900139000"})
    assert r.json()["ahead"] == 4, r.text
    assert (await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": code})).json()["ahead"] == 5

    async def sweep() -> list[tuple[str, str, int]]:
        await housekeeping.sweep_all(api.ctx)
        return [
            (n.kind, n.recipient, n.data["ahead"]) for n in await told(api, seen) if n.kind == NoticeKind.THREE_AHEAD
        ]

    assert await sweep() == []
    await b.open(1)  # personal, wealth, cash: personal first
    await b.teller(1, "call-next")  # a personal walk-in: the remote customer has 3 ahead
    assert await sweep() == [(NoticeKind.THREE_AHEAD, "13900139000", 3)]
    for _ in range(2):  # counter 1 goes on with personal
        await b.teller(1, "finish")
        await b.teller(1, "call-next")
    assert await sweep() == []  # the cash queue has not moved yet
    for _ in range(3):  # the last personal walk-in, then two of cash
        await b.teller(1, "finish")
        await b.teller(1, "call-next")
    assert await sweep() == [(NoticeKind.THREE_AHEAD, "13800138000", 3)]
    assert await sweep() == []


async def test_a_booking_moved_or_cancelled_is_told_to_its_number(api):
    seen: set[str] = set()
    await api.branch(booked_branch())
    api.clock.advance_to(9, ZONE)
    tomorrow = day_after(api.clock())
    body = {"category": "cash", "date": tomorrow, "time": "10:00", "amount": 1, "currency": "CNY"}
    code = (await api.request("POST", "/api/v1/book/sjm01", json={**body, "phone": "13800138000"})).json()["code"]
    api.clock.advance(1)  # the outbox lists by when each was written
    r = await api.request("POST", f"/api/v1/bookings/{code}/change", json={"date": tomorrow, "time": "11:00"})
    assert r.status_code == 200, r.text
    api.clock.advance(1)
    assert (await api.request("POST", f"/api/v1/bookings/{code}/cancel")).status_code == 200
    told_now = [(n.kind, n.recipient, n.data["time"]) for n in await told(api, seen)]
    assert told_now == [
        (NoticeKind.BOOKING_CONFIRMED, "13800138000", "10:00"),
        (NoticeKind.BOOKING_CHANGED, "13800138000", "11:00"),
        (NoticeKind.BOOKING_CANCELLED, "13800138000", "11:00"),
    ]
