"""Kiosk, teller console, manager dashboard and customer page against a real
`lobbyq serve`: each loads, reacts to API actions within a second, and leaves
a screenshot under tests/artifacts/."""

import re

import pytest

from tests.displays.spies import sound_spy
from tests.displays.support import BRANCH, screenshot, sign_in_manager, sign_in_teller

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def issue(server, category="personal", n=1, **extra):
    return [server.ok("POST", server.b("/tickets"), "kiosk", json={"category": category, **extra}) for _ in range(n)]


def test_kiosk_issues_shows_qr_and_printer_fault(lobbyq, new_page):
    lobbyq.ok("PUT", lobbyq.b("/vip-cards"), json={"cards": ["88886666"]})
    issue(lobbyq, "personal", 2)
    page = new_page(1920, 1080)
    page.goto(f"{lobbyq.base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    page.wait_for_selector(".cat-btn[data-category='personal']")
    assert "token=" not in page.url
    assert "等候 2 人" in page.inner_text(".cat-btn[data-category='personal']")
    screenshot(page, "kiosk")

    page.click(".cat-btn[data-category='personal']")
    page.wait_for_selector("#ticket-view:not([hidden])")
    assert page.inner_text("#t-number") == "A003"
    assert page.inner_text("#t-ahead") == "2"
    page.wait_for_function(
        "document.querySelector('#t-qr').complete && document.querySelector('#t-qr').naturalWidth > 0"
    )
    assert re.search(r"/t/[A-Za-z0-9_-]{16,}$", page.get_attribute("#t-qr", "data-url"))
    screenshot(page, "kiosk-ticket")
    page.click("#t-done")

    # A VIP card not in the registry: refused, a normal ticket offered.
    page.keyboard.type("12345678")  # a card reader types like a keyboard
    page.click(".cat-btn[data-category='corporate']")
    page.wait_for_selector("#vip-fallback:not([hidden])")
    page.click("#vip-fallback [data-normal]")
    page.wait_for_selector("#ticket-view:not([hidden])")
    assert page.inner_text("#t-number") == "B001"
    page.click("#t-done")
    page.keyboard.type("88886666")
    page.keyboard.press("Enter")
    page.click(".cat-btn[data-category='corporate']")
    page.wait_for_function("document.querySelector('#t-number').textContent === 'B002'")
    page.click("#t-done")

    # Another kiosk's printer is not ours: no banner here.
    lobbyq.ok(
        "POST", lobbyq.b("/devices/kiosk2-printer/health"), "agent", json={"kind": "printer", "status": "offline"}
    )
    page.wait_for_timeout(700)
    assert page.is_hidden("#printer-fault")
    # The printer of this kiosk runs out of paper: the banner is up within a second.
    lobbyq.ok(
        "POST",
        lobbyq.b("/devices/kiosk1-printer/health"),
        "agent",
        json={"kind": "printer", "status": "fault", "detail": "paper out"},
    )
    page.wait_for_selector("#printer-fault:not([hidden])", timeout=1000)
    screenshot(page, "kiosk-printer-fault")
    alert = [
        a
        for a in lobbyq.ok("GET", lobbyq.b("/alerts?status=open"), "manager")["alerts"]
        if a["data"].get("device") == "kiosk1-printer"
    ][0]
    lobbyq.ok("POST", lobbyq.b(f"/alerts/{alert['id']}/ack"), "manager", json={"note": "paper loaded"})
    page.wait_for_selector("#printer-fault[hidden]", state="attached", timeout=1000)
    assert not page.errors


def test_teller_console_keys_dialogs_and_screenshot(lobbyq, new_page):
    issue(lobbyq, "personal", 3)
    page = new_page(1366, 768)
    sign_in_teller(page, lobbyq)
    assert page.inner_text("#counter-waiting") == "3"

    page.keyboard.press("F1")  # call next
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A001'", timeout=1000)
    page.keyboard.press("F4")  # start
    page.wait_for_function("document.querySelector('#current-ticket').dataset.status === 'serving'", timeout=1000)
    page.keyboard.press("F5")  # finish
    page.wait_for_function("document.querySelector('#current-ticket').textContent === '—'", timeout=1000)

    page.click("#keys button[data-key='1']")  # the button works like the key
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A002'", timeout=1000)
    page.keyboard.press("F9")  # postpone: the customer fills in a form
    page.wait_for_selector("#postponed [data-call]", timeout=1000)
    page.keyboard.press("F1")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A003'", timeout=1000)
    page.keyboard.press("F3")  # no-show
    page.wait_for_function("document.querySelector('#current-ticket').textContent === '—'", timeout=1000)
    page.click("#postponed [data-call]")  # the form is filled: call A002 back
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A002'", timeout=1000)
    page.wait_for_timeout(1100)
    screenshot(page, "teller")

    # Another teller's call shows up here too (counter 2 is shared by 'personal').
    lobbyq.ok("POST", lobbyq.b("/counters/2/open"), "teller2")
    issue(lobbyq, "personal", 1)
    page.wait_for_function("document.querySelector('#counter-waiting').textContent === '1'", timeout=1000)

    page.keyboard.press("F8")  # transfer to counter 2
    page.wait_for_selector("#transfer-dialog[open]")
    page.check("#transfer-dialog input[value=counter]")
    page.select_option("#transfer-counter", "2")
    screenshot(page, "teller-transfer")
    page.click("#transfer-dialog button[value=ok]")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === '—'", timeout=1000)
    pinned = [t for t in lobbyq.ok("GET", lobbyq.b("/state"), "display")["waiting"] if t["number"] == "A002"]
    assert pinned and pinned[0]["pinned_counter"] == 2

    page.keyboard.press("F6")  # pause with a reason
    page.wait_for_selector("#pause-dialog[open]")
    page.click("#pause-presets [data-reason='午餐']")
    page.click("#pause-dialog button[value=ok]")
    page.wait_for_function("document.querySelector('#counter-state').textContent.includes('午餐')", timeout=1000)
    counter = lobbyq.ok("GET", lobbyq.b("/state"), "display")["counters"][0]
    assert counter["state"] == "paused" and counter["pause_reason"] == "午餐"
    page.keyboard.press("F7")  # resume
    page.wait_for_function("!document.querySelector('#counter-state').textContent.includes('午餐')", timeout=1000)
    assert not page.errors


def test_manager_dashboard_alerts_actions_and_screenshot(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/3/open"), "manager")
    issue(lobbyq, "personal", 3)
    issue(lobbyq, "corporate", 2)
    lobbyq.ok("POST", lobbyq.b("/devices/hall-screen/health"), "agent", json={"kind": "screen", "status": "ok"})

    page = new_page(1600, 900, init_script=sound_spy())
    sign_in_manager(page, lobbyq)
    page.wait_for_selector(".cat-queue[data-category='personal'] .ticket-row")
    page.wait_for_selector("#devices td")

    # An unsatisfied rating: on screen within a second, with a sound.
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/finish"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/evaluation"), "agent", json={"score": 4})
    page.wait_for_selector("#alert-flash:not([hidden])", timeout=1000)
    assert "A001" in page.inner_text("#alert-flash") and "li" in page.inner_text("#alert-flash")
    assert page.evaluate("window.__tones") == [988, 740] * 3  # one urgent alarm (alarm.js): its six tones
    page.wait_for_selector(".alert.evaluation-unsatisfied")

    # Green channel from the issue bar.
    page.select_option("#issue-category", "personal")
    page.click("#issue-green")
    page.wait_for_function("document.querySelector('#issued').textContent === 'A004'", timeout=2000)
    page.wait_for_selector(".cat-queue[data-category='personal'] .badge.green", timeout=1000)

    # Wrong category: A002 moves to corporate, keeping its place.
    page.click(".cat-queue[data-category='personal'] .ticket-row:has-text('A002')")
    page.wait_for_selector("#ticket-dialog[open]")
    page.select_option("#td-category", "corporate")
    page.click("[data-td=reassign]")
    page.wait_for_selector(".cat-queue[data-category='corporate'] .ticket-row:has-text('A002')", timeout=1000)
    # Call a chosen ticket at counter 3.
    page.click(".cat-queue[data-category='corporate'] .ticket-row:has-text('B002')")
    page.select_option("#td-counter", "3")
    page.click("[data-td=call]")
    page.wait_for_function(
        "[...document.querySelectorAll('#counters tr[data-counter=\"3\"] td')].some(td => td.textContent === 'B002')",
        timeout=1000,
    )
    screenshot(page, "manager")

    # No-show, then requeue from the dashboard.
    lobbyq.ok("POST", lobbyq.b("/counters/3/skip"), "manager")
    page.wait_for_selector("#no-shows [data-requeue]", timeout=1000)
    page.click("#no-shows [data-requeue]")
    page.wait_for_selector(".cat-queue[data-category='corporate'] .ticket-row:has-text('B002')", timeout=1000)

    # Acknowledge the alert with a note.
    page.fill(".alert.evaluation-unsatisfied .note", "已致电客户道歉")
    page.click(".alert.evaluation-unsatisfied [data-ack]")
    page.wait_for_selector(".alert.evaluation-unsatisfied", state="detached", timeout=1000)
    assert lobbyq.ok("GET", lobbyq.b("/alerts?status=open"), "manager")["alerts"] == []
    assert not page.errors


def test_customer_page_live_and_cancel(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "teller")
    first, second, third = issue(lobbyq, "personal", 3)
    page = new_page(390, 844, init_script=sound_spy(), is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"{lobbyq.base}/t/{second['track_token']}")
    page.wait_for_function("document.querySelector('#tr-number').textContent === 'A002'")
    assert page.inner_text("#tr-ahead") == "1"
    # One nudge, for 3 or fewer ahead: one vibration and one tone.
    assert page.evaluate("[window.__vibrations, window.__tones]") == [[[300, 150, 300]], [880]]
    screenshot(page, "track")
    page.click("#tr-notify")  # one tap unlocks vibration and sound on a phone
    assert page.is_hidden("#tr-notify")

    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    page.wait_for_function("document.querySelector('#tr-ahead').textContent === '0'", timeout=3000)
    lobbyq.ok("POST", lobbyq.b("/counters/1/start"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    page.wait_for_selector("#tr-call:not([hidden])", timeout=3000)
    assert page.inner_text("#tr-call") == "请到 1号窗口 办理"
    screenshot(page, "track-called")

    leaving = new_page(390, 844, is_mobile=True, has_touch=True)
    leaving.goto(f"{lobbyq.base}/t/{third['track_token']}")
    leaving.wait_for_selector("#tr-leave:not([hidden])")
    leaving.once("dialog", lambda d: d.accept())
    leaving.click("#tr-leave")
    leaving.wait_for_function("document.body.dataset.status === 'cancelled'", timeout=3000)
    state = lobbyq.ok("GET", lobbyq.b("/state"), "display")
    assert "A003" not in [t["number"] for t in state["waiting"]]
    assert not page.errors and not leaving.errors
