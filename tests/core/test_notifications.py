"""Messages to customers (#13 item 7): written with the change that has something to say,
delivered to a real local webhook receiver, tried again with back-off, never twice at once,
and never in the way of the queue."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.notifiers.log import LogNotifier
from app.notifiers.webhook import WebhookNotifier
from app.rules.notifications import RETRY_AFTER_S, Notice, NoticeStatus, not_delivered, text_of
from app.rules.vocabulary import NoticeKind
from app.services import notifications
from app.services.unit_of_work import UnitOfWork
from app.store import notifications as stored

SECRET = "s3cret"


class Gateway:
    """A webhook receiver on a real port: answers the scripted statuses in turn (then 200),
    and holds each answer while ``hold`` is clear."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict, bytes]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((dict(self.headers), body))
                gateway.arrived.set()
                gateway.hold.wait(10)
                self.send_response(gateway.statuses.pop(0) if gateway.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    made: list[Gateway] = []

    def make(statuses=None) -> Gateway:
        made.append(Gateway(statuses))
        return made[-1]

    yield make
    for g in made:
        g.close()


async def say(api, code: str, recipient: str = "13800138000", at: float | None = None, commit: bool = True) -> None:
    async with UnitOfWork(api.ctx, code) as uow:
        await notifications.send(uow, NoticeKind.THREE_AHEAD, recipient, {"number": "A007", "ahead": 3}, at=at)
        if commit:
            await uow.commit()


async def notices(api, code: str) -> list[Notice]:
    async with api.ctx.db.read() as tx:
        return await stored.of_branch(tx, code)


async def test_a_notice_is_delivered_once_signed_in_the_branchs_words(api, gateway):
    b = await api.branch()
    g = gateway()
    notifier = WebhookNotifier(g.url, SECRET, 2.0)
    await say(api, b.code)
    assert await notifications.deliver_due(api.ctx, notifier) == 1
    assert await notifications.deliver_due(api.ctx, notifier) == 0
    await notifier.close()

    [(headers, body)] = g.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Lobbyq-Signature"] == expected
    sent = json.loads(body)
    assert sent["recipient"] == "13800138000" and sent["kind"] == "queue.three_ahead"
    assert "A007" in sent["text"] and "前面还有 3 位" in sent["text"]  # the sample branch speaks zh-CN
    [notice] = await notices(api, b.code)
    assert (notice.status, notice.attempts, headers["X-Lobbyq-Notice"]) == (NoticeStatus.SENT, 1, notice.id)


async def test_a_gateway_that_fails_is_tried_again_after_the_back_off(api, gateway):
    b = await api.branch()
    g = gateway([503, 502])
    notifier = WebhookNotifier(g.url, None, 2.0)
    await say(api, b.code)
    assert await notifications.deliver_due(api.ctx, notifier) == 1
    [notice] = await notices(api, b.code)
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1) and "503" in notice.last_error
    assert await notifications.deliver_due(api.ctx, notifier) == 0  # not before its time
    api.clock.advance(RETRY_AFTER_S[0])
    assert await notifications.deliver_due(api.ctx, notifier) == 1
    api.clock.advance(RETRY_AFTER_S[1] - 1)
    assert await notifications.deliver_due(api.ctx, notifier) == 0
    api.clock.advance(1)
    assert await notifications.deliver_due(api.ctx, notifier) == 1
    await notifier.close()
    [notice] = await notices(api, b.code)
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.SENT, 3, None)
    assert {h["X-Lobbyq-Notice"] for h, _ in g.received} == {notice.id}  # the gateway can drop repeats


async def test_a_message_the_gateway_refuses_is_not_tried_again(api, gateway):
    b = await api.branch()
    g = gateway([400])
    notifier = WebhookNotifier(g.url, None, 2.0)
    await say(api, b.code, recipient="0")
    await notifications.deliver_due(api.ctx, notifier)
    api.clock.advance(max(RETRY_AFTER_S))
    assert await notifications.deliver_due(api.ctx, notifier) == 0
    await notifier.close()
    [notice] = await notices(api, b.code)
    assert notice.status == NoticeStatus.FAILED and len(g.received) == 1


async def test_a_gateway_that_never_answers_fails_the_notice_when_the_retries_are_spent(api, gateway):
    b = await api.branch()
    g = gateway()
    g.close()  # nobody listens on its port any more
    notifier = WebhookNotifier(g.url, None, 2.0)
    await say(api, b.code)
    for _ in range(len(RETRY_AFTER_S) + 1):
        assert await notifications.deliver_due(api.ctx, notifier) == 1
        api.clock.advance(max(RETRY_AFTER_S))
    assert await notifications.deliver_due(api.ctx, notifier) == 0
    await notifier.close()
    [notice] = await notices(api, b.code)
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, len(RETRY_AFTER_S) + 1)


async def test_a_change_rolled_back_says_nothing_and_a_later_one_waits_for_its_time(api, gateway):
    b = await api.branch()
    g = gateway()
    notifier = WebhookNotifier(g.url, None, 2.0)
    await say(api, b.code, commit=False)
    await say(api, b.code, at=api.clock() + 3600)
    assert await notifications.deliver_due(api.ctx, notifier) == 0
    api.clock.advance(3600)
    assert await notifications.deliver_due(api.ctx, notifier) == 1
    await notifier.close()
    assert len(g.received) == 1


async def test_two_dispatchers_at_once_deliver_each_notice_once(api, gateway):
    b = await api.branch()
    g = gateway()
    for i in range(6):
        await say(api, b.code, recipient=f"1380013800{i}")
    notifiers = [WebhookNotifier(g.url, None, 2.0) for _ in range(2)]
    tried = await asyncio.gather(*(notifications.deliver_due(api.ctx, n) for n in notifiers))
    for n in notifiers:
        await n.close()
    assert sum(tried) == 6
    ids = [h["X-Lobbyq-Notice"] for h, _ in g.received]
    assert len(ids) == len(set(ids)) == 6


async def test_a_gateway_that_hangs_does_not_hold_up_the_queue(api, gateway):
    b = await api.branch()
    kiosk = await api.token("kiosk", b.code)
    g = gateway()
    g.hold.clear()  # the gateway takes the message and does not answer
    notifier = WebhookNotifier(g.url, None, 10.0)
    await say(api, b.code)
    delivering = asyncio.create_task(notifications.deliver_due(api.ctx, notifier))
    await asyncio.to_thread(g.arrived.wait, 10)
    r = await api.request("POST", f"/api/v1/branches/{b.code}/tickets", kiosk, json={"category": "personal"})
    assert r.status_code == 201, r.text
    assert not delivering.done()  # the ticket was issued while the message was still on its way
    g.hold.set()
    assert await delivering == 1
    await notifier.close()


def test_the_words_in_each_language_and_a_missing_field_left_blank():
    def notice(kind: NoticeKind, locale: str, **data) -> Notice:
        return Notice("n1", kind, "13800138000", data, locale, 0.0, 0.0)

    booked = {"branch_name": "三江门支行", "date": "2026-12-03", "time": "10:00", "category_name": "大额取现"}
    zh = text_of(notice(NoticeKind.BOOKING_CONFIRMED, "zh-CN", **booked, code="K7Q"))
    assert zh == "【三江门支行】预约成功：2026-12-03 10:00，大额取现。预约码 K7Q，到店请在取号机签到。"
    en = text_of(notice(NoticeKind.BOOKING_CONFIRMED, "en", **{**booked, "branch_name": "Sanjiangmen"}))
    assert en == "Sanjiangmen: booked for 2026-12-03 10:00, 大额取现. Code : check in at the kiosk."
    fr = text_of(notice(NoticeKind.BOOKING_CANCELLED, "fr", branch_name="X"))
    assert fr.startswith("X: your")  # a language without words: English
    # A remote customer not yet confirmed has no number: the words ask them to come and confirm.
    assert "确认" in text_of(notice(NoticeKind.THREE_AHEAD, "zh-CN", ahead=3, number=None))
    assert "A007" in text_of(notice(NoticeKind.THREE_AHEAD, "zh-CN", ahead=3, number="A007"))


def test_back_off_then_failed():
    notice = Notice("n1", NoticeKind.THREE_AHEAD, "1", {}, "en", 0.0, 0.0)
    at = 0.0
    for attempt, wait in enumerate(RETRY_AFTER_S, start=1):
        notice = not_delivered(Notice(**{**notice.__dict__, "attempts": attempt}), at, "down")
        assert (notice.status, notice.next_at) == (NoticeStatus.PENDING, at + wait)
        at = notice.next_at
    spent = not_delivered(Notice(**{**notice.__dict__, "attempts": len(RETRY_AFTER_S) + 1}), at, "down")
    assert spent.status == NoticeStatus.FAILED


async def test_the_log_notifier_masks_the_number(caplog):
    caplog.set_level(logging.INFO, logger="lobbyq.notify")
    notice = Notice("n1", NoticeKind.THREE_AHEAD, "13800138000", {"number": "A007", "ahead": 3}, "en", 0.0, 0.0)
    await LogNotifier().deliver("sjm01", notice)
    assert "***8000" in caplog.text and "13800138000" not in caplog.text and "A007" in caplog.text
