"""Notices to customers (issue #13 item 7): the webhook against a local receiver that fails
before it answers, retries with a doubling back-off, giving up without raising, and the
booking's confirmation and reminders a day and an hour before, each sent once."""

from __future__ import annotations

import asyncio
import json
import logging

from app.rules.vocabulary import NoticeKind
from app.services import housekeeping
from app.services.notices import Deliveries, LogNotifier, Notice, WebhookNotifier
from tests.support.booking import ZONE, booked_branch, day_after

NOTICE = Notice(NoticeKind.BOOKING_CONFIRMED, "sjm01", "13800138000", {"time": "10:00"})


class Receiver:
    """A local webhook receiver: answers 500 to the first ``failures`` requests, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[dict] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        self.bodies.append(json.loads(await reader.readexactly(length)))
        status = b"500 Internal Server Error" if len(self.bodies) <= self.failures else b"204 No Content"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def deliver_to(receiver: Receiver, retries: int) -> tuple[Deliveries, list[float]]:
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    deliveries = Deliveries(WebhookNotifier(f"http://127.0.0.1:{port}/sms"), retries, 2.0, sleep=sleep)
    async with server:
        deliveries.deliver(NOTICE)
        await deliveries.drain()
    return deliveries, waits


async def test_the_webhook_is_retried_with_a_doubling_back_off_until_delivered():
    receiver = Receiver(failures=2)
    deliveries, waits = await deliver_to(receiver, retries=5)
    assert (deliveries.delivered, deliveries.failed) == (1, 0)
    assert waits == [2.0, 4.0]
    assert receiver.bodies == [NOTICE.payload()] * 3
    assert receiver.bodies[0] == {
        "kind": "booking.confirmed",
        "branch": "sjm01",
        "phone": "13800138000",
        "data": {"time": "10:00"},
    }


async def test_a_failing_webhook_is_given_up_and_logged_never_raised(caplog):
    receiver = Receiver(failures=100)
    with caplog.at_level(logging.WARNING, "lobbyq.notices"):
        deliveries, waits = await deliver_to(receiver, retries=2)
    assert (deliveries.delivered, deliveries.failed) == (0, 1)
    assert waits == [2.0, 4.0] and len(receiver.bodies) == 3
    assert "given up after 3 attempts" in caplog.text and "13800138000" not in caplog.text


class Captured(LogNotifier):
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    async def send(self, notice: Notice) -> None:
        self.sent.append(notice)


async def test_a_booking_is_confirmed_and_reminded_a_day_and_an_hour_before_once_each(api):
    captured = Captured()
    api.ctx.notices = Deliveries(captured)
    await api.branch(booked_branch())
    api.clock.advance_to(9, ZONE)
    tomorrow = day_after(api.clock())
    body = {"category": "cash", "date": tomorrow, "time": "10:00", "amount": 1, "currency": "CNY"}
    r = await api.request("POST", "/api/v1/book/sjm01", json={**body, "phone": "13800138000"})
    assert r.status_code == 201, r.text
    assert (await api.request("POST", "/api/v1/book/sjm01", json=body)).status_code == 201  # no phone: no notice
    await api.ctx.notices.drain()
    assert [(n.kind, n.phone, n.data["code"]) for n in captured.sent] == [
        (NoticeKind.BOOKING_CONFIRMED, "13800138000", r.json()["code"])
    ]

    async def sweep() -> list[str]:
        captured.sent.clear()
        await housekeeping.sweep_all(api.ctx)
        await api.ctx.notices.drain()
        return [n.kind for n in captured.sent]

    assert await sweep() == []  # 25 hours ahead: not yet
    api.clock.advance(3600 + 60)  # 10:01, under a day ahead
    assert await sweep() == [NoticeKind.REMINDER_DAY_BEFORE]
    assert await sweep() == []
    api.clock.advance_to(9, ZONE)
    api.clock.advance(60)  # 09:01, under an hour ahead
    assert await sweep() == [NoticeKind.REMINDER_HOUR_BEFORE]
    assert await sweep() == []


async def test_booked_and_remote_customers_are_told_once_when_3_are_ahead(api):
    captured = Captured()
    api.ctx.notices = Deliveries(captured)
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
        captured.sent.clear()
        await housekeeping.sweep_all(api.ctx)
        await api.ctx.notices.drain()
        return [(n.kind, n.phone, n.data["ahead"]) for n in captured.sent if n.kind == NoticeKind.THREE_AHEAD]

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
