"""Issue #11 section 2 in Chromium against a real `lobbyq serve`: the manager's phone page
(390x844) shows the open alerts newest first as they arrive, with a sound (an urgent one
for a missed green-channel customer), takes an acknowledgement with a note, and drops an
alert that is acknowledged or clears itself; the dashboard sounds for every alert."""

from __future__ import annotations

import shutil

import pytest

from tests.displays.spies import sound_spy
from tests.displays.support import BRANCH, LAYOUT, ROOT, screenshot, sign_in_manager

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "displays" / "screenshots"
CHIME = [523, 784]  # alarm.js: any alert
URGENT = 988  # alarm.js: the first tone of an urgent alert


def lay_out(lobbyq, **policy) -> None:
    lobbyq.ok("PUT", lobbyq.b(), json={"code": BRANCH, **LAYOUT, "policy": {"alert_queue_length": 2, **policy}})


def tones(page) -> list[float]:
    return page.evaluate("window.__tones.splice(0)")  # what sounded since the last look


def card_types(page) -> list[str]:
    return page.eval_on_selector_all(".phone-alert", "els => els.map(e => e.className)")


def wait_cards(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.phone-alert').length === {n}", timeout=5000)


def too_long(lobbyq) -> None:
    for _ in range(3):
        lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "corporate"})


def missed_green(lobbyq) -> dict:
    green = lobbyq.ok("POST", lobbyq.b("/tickets"), "manager", json={"category": "personal", "priority": "green"})
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "teller")
    called = lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    assert called["id"] == green["id"]
    lobbyq.ok("POST", lobbyq.b("/counters/1/skip"), "teller")
    return green


def printer(lobbyq, status: str) -> None:
    lobbyq.ok("POST", lobbyq.b("/devices/kiosk1-printer/health"), "agent", json={"kind": "printer", "status": status})


def test_the_managers_phone_follows_alerts_live_and_acknowledges_with_a_note(lobbyq, new_page):
    lay_out(lobbyq)
    page = new_page(390, 844, init_script=sound_spy(), is_mobile=True, has_touch=True)
    page.goto(f"{lobbyq.base}/manager/{BRANCH}/phone")
    page.fill("#signin-token", lobbyq.tokens["manager"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#phone-alerts:not([hidden])")
    page.wait_for_function("document.body.dataset.seq !== undefined")
    page.wait_for_selector(".phone-none")
    assert page.inner_text(".phone-none") == "暂无待处理的提醒"
    tones(page)

    # A queue passes its limit: the card names the windows to open, with a chime.
    too_long(lobbyq)
    wait_cards(page, 1)
    assert "请开放3号窗口或6号窗口办理对公业务" in page.inner_text(".phone-alert .text")
    assert page.inner_text(".phone-alert .title").startswith("排队过长")
    page.wait_for_function("window.__tones.length >= 2")
    assert tones(page) == CHIME

    # A green-channel customer missed the call: on top (newest first), urgent, vibrating.
    green = missed_green(lobbyq)
    wait_cards(page, 2)
    assert "ticket-missed_vulnerable" in card_types(page)[0] and "urgent" in card_types(page)[0]
    first = page.inner_text(".phone-alert .text")
    assert first == f"绿色通道客户 {green['number']} 未应答（1号窗口），请到大厅寻找"
    page.wait_for_function("window.__tones.length >= 6")
    heard = tones(page)
    assert heard[0] == URGENT and CHIME[0] not in heard
    assert page.evaluate("window.__vibrations.length") == 1

    # A printer fault arrives and, reported ok again, clears itself: its card goes.
    printer(lobbyq, "fault")
    wait_cards(page, 3)
    assert "device-fault" in card_types(page)[0]
    printer(lobbyq, "ok")
    wait_cards(page, 2)
    assert "device-fault" not in " ".join(card_types(page))

    # The page fits the phone: nothing wider than its 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    path = screenshot(page, "manager-phone")
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SCREENSHOTS / "manager-phone.png")

    # Acknowledge the missed customer: a note first, then it leaves the list.
    card = page.locator(".phone-alert.urgent")
    card.locator("button").tap()
    assert page.inner_text("#phone-error") == "请先填写处理备注"
    card.locator("textarea").fill("已在大堂找到客户，带至1号窗口")
    card.locator("button").tap()
    wait_cards(page, 1)
    assert "ticket-missed_vulnerable" not in card_types(page)[0]
    acked = lobbyq.ok("GET", lobbyq.b("/alerts?status=acked"), "manager")["alerts"]
    assert [(a["type"], a["note"], a["acked_by"]) for a in acked] == [
        ("ticket.missed_vulnerable", "已在大堂找到客户，带至1号窗口", "wang")
    ]
    screenshot(page, "manager-phone-acked")
    assert not page.errors


def test_the_phone_page_speaks_english_in_an_english_branch(lobbyq, new_page):
    layout = {**LAYOUT, "locale": "en", "policy": {"alert_queue_length": 2}}
    lobbyq.ok("PUT", lobbyq.b(), json={"code": BRANCH, **layout})
    page = new_page(390, 844, init_script=sound_spy())
    page.goto(f"{lobbyq.base}/manager/{BRANCH}/phone")
    page.fill("#signin-token", lobbyq.tokens["manager"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector(".phone-none")
    page.wait_for_function("document.querySelector('.phone-none').textContent === 'No open alerts'")
    too_long(lobbyq)
    wait_cards(page, 1)
    assert page.inner_text(".phone-alert .title").startswith("Queue too long")
    assert "Open 3号窗口 or 6号窗口 for 对公业务" in page.inner_text(".phone-alert .text")
    assert page.inner_text(".phone-alert button") == "Acknowledge"
    screenshot(page, "manager-phone-en")
    assert not page.errors


def test_the_dashboard_sounds_every_alert_and_drops_the_cleared(lobbyq, new_page):
    lay_out(lobbyq)
    page = new_page(1600, 900, init_script=sound_spy())
    sign_in_manager(page, lobbyq)
    page.wait_for_function("document.body.dataset.seq !== undefined")
    tones(page)

    too_long(lobbyq)  # not a customer to go to: a chime, no banner
    page.wait_for_selector(".alert.queue-too_long")
    page.wait_for_function("window.__tones.length >= 2")
    assert tones(page) == CHIME
    assert page.is_hidden("#alert-flash")
    assert "请开放3号窗口或6号窗口办理对公业务" in page.inner_text(".alert.queue-too_long")

    green = missed_green(lobbyq)  # urgent: the banner and the urgent sound
    page.wait_for_selector(".alert.ticket-missed_vulnerable")
    page.wait_for_selector("#alert-flash:not([hidden])")
    assert green["number"] in page.inner_text("#alert-flash")
    page.wait_for_function("window.__tones.length >= 6")
    assert tones(page)[0] == URGENT

    printer(lobbyq, "fault")
    page.wait_for_selector(".alert.device-fault")
    printer(lobbyq, "ok")  # cleared by the policy's default: off the list
    page.wait_for_selector(".alert.device-fault", state="detached")
    assert page.locator("#alerts .alert").count() == 2
    page.click("#alert-flash")
    screenshot(page, "manager-alerts")
    assert not page.errors
