"""The kiosk against a real `lobbyq serve` in Chromium: a VIP card is taken from a reader
or the on-screen keypad, never shown, and forgotten; the wait it shows is the one the
paper and the customer's phone show; and no request of its own is refused."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.displays.support import BRANCH, LAYOUT, ROOT, lobbyq_argv, screenshot
from tests.drivers.escpos_tokens import texts, tokenize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CARD = "62170088886666"


def open_kiosk(lobbyq, new_page, clock=False):
    page = new_page(1920, 1080)
    if clock:
        page.clock.install()  # the idle timeout is run forward instead of waited for
    page.goto(f"{lobbyq.base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    page.wait_for_selector(".cat-btn[data-category='personal']")
    return page


def assert_never_shown(page, card=CARD):
    """The full number is nowhere a person could read it: not in the text, not in the
    markup, and an input holding it renders it masked (type password)."""
    assert card not in page.inner_text("body")
    assert card not in page.content()
    holders = page.evaluate(
        "(card) => [...document.querySelectorAll('input')].filter(i => i.value.includes(card)).map(i => i.type)", card
    )
    assert all(t == "password" for t in holders), holders


def focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_card_swipe_lands_in_the_field_masked_and_is_forgotten_after_the_ticket(lobbyq, new_page):
    lobbyq.ok("PUT", lobbyq.b("/vip-cards"), json={"cards": [CARD]})
    page = open_kiosk(lobbyq, new_page)
    # A reader types digits and Enter like a keyboard; nobody clicked the field first.
    page.keyboard.type(CARD, delay=15)
    assert page.input_value("#vip-card") == CARD
    assert_never_shown(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#vip-chip:not([hidden])")
    assert page.inner_text("#vip-masked") == "•••• 6666"
    assert_never_shown(page)

    page.click(".cat-btn[data-category='corporate']")
    page.wait_for_selector("#ticket-view:not([hidden])")
    number = page.inner_text("#t-number")
    issued = [t for t in lobbyq.ok("GET", lobbyq.b("/state"), "display")["waiting"] if t["number"] == number]
    assert issued[0]["priority"] == "vip"
    # The next customer finds no card: the field is empty, no chip, no entry open.
    assert page.input_value("#vip-card") == ""
    assert page.is_hidden("#vip-chip") and page.is_hidden("#vip-entry")
    assert_never_shown(page)
    assert not page.errors


def test_on_screen_keypad_enters_digits_keeps_focus_and_idle_forgets(lobbyq, new_page):
    page = open_kiosk(lobbyq, new_page, clock=True)
    page.click("#vip-open")
    page.wait_for_selector("#vip-entry:not([hidden])")
    assert focused(page) == "vip-card"
    for digit in CARD:
        page.click(f"#vip-keypad button[data-digit='{digit}']")
    page.click("#vip-keypad button[data-pad='del']")
    page.click("#vip-keypad button[data-digit='6']")
    assert page.input_value("#vip-card") == CARD
    # Touching elsewhere leaves the focus in the field, so a swipe still lands there.
    page.click("h2")
    assert focused(page) == "vip-card"
    page.keyboard.type("1")
    assert page.input_value("#vip-card") == CARD + "1"
    page.keyboard.press("Backspace")
    assert_never_shown(page)
    page.wait_for_timeout(200)
    path = screenshot(page, "kiosk-vip")
    assert path.exists()

    page.click("#vip-keypad button[data-pad='ok']")
    page.wait_for_selector("#vip-chip:not([hidden])")
    assert_never_shown(page)
    # 30 s without a touch: the card is gone (displays/README.md).
    page.clock.run_for(29_000)
    assert page.input_value("#vip-card") == CARD
    page.clock.run_for(2_000)
    assert page.input_value("#vip-card") == ""
    assert page.is_hidden("#vip-chip") and page.is_hidden("#vip-entry")

    # An entry left open is forgotten the same way.
    page.click("#vip-open")
    page.click("#vip-keypad button[data-digit='8']")
    page.clock.run_for(31_000)
    assert page.input_value("#vip-card") == ""
    assert page.is_hidden("#vip-entry")
    assert not page.errors


def test_kiosk_requests_nothing_it_is_refused_and_still_shows_its_printer_fault(lobbyq, new_page):
    page = new_page(1920, 1080)
    refused = []
    page.on("response", lambda r: refused.append((r.status, r.url)) if r.status >= 400 else None)
    page.goto(f"{lobbyq.base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    page.wait_for_selector(".cat-btn[data-category='personal']")
    page.click(".cat-btn[data-category='personal']")
    page.wait_for_selector("#ticket-view:not([hidden])")
    page.click("#t-done")
    lobbyq.ok(
        "POST",
        lobbyq.b("/devices/kiosk1-printer/health"),
        "agent",
        json={"kind": "printer", "status": "fault", "detail": "paper out"},
    )
    page.wait_for_selector("#printer-fault:not([hidden])", timeout=2000)
    page.reload()  # a kiosk started while its printer is down shows it at once
    page.wait_for_selector("#printer-fault:not([hidden])", timeout=2000)
    page.wait_for_timeout(500)
    assert refused == []
    assert not page.errors


# ---------------------------------------------------------------- one wait, three places


def printed_lines(printer, number, timeout=10.0):
    """The text lines of the printed ticket that bears ``number``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in list(printer.tickets):
            lines = texts(tokenize(raw))
            if number in lines:
                return lines
        time.sleep(0.05)
    raise AssertionError(f"{number} never printed")


def test_page_paper_and_phone_show_the_same_minutes(lobbyq, new_page, printer, tmp_path):
    # 30 s per customer and one counter open: the one person ahead is served first, so the
    # estimate is 30 s, where rounding rules disagree (half a minute).
    lobbyq.ok("PUT", lobbyq.b(), json={"code": BRANCH, **LAYOUT, "policy": {"default_service_s": 30}})
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "manager")
    first = lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    devices = tmp_path / "devices.toml"
    devices.write_text(
        f'branch = "{BRANCH}"\n[[printer]]\nid = "kiosk1-printer"\nkiosk = "kiosk1"\n'
        f'url = "{printer.url}"\nbaudrate = 19200\n',
        encoding="utf-8",
    )
    agent_log = tmp_path / "agent.log"
    argv = [*lobbyq_argv(), "agent", "--server", lobbyq.base, "--token", lobbyq.tokens["agent"]]
    with open(agent_log, "ab") as log:
        agent = subprocess.Popen(
            [*argv, "--devices", str(devices)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        # The agent follows the stream once a reprint of the first ticket comes out.
        deadline = time.monotonic() + 20
        while not printer.wait_tickets(1, 1.0):
            assert time.monotonic() < deadline, agent_log.read_text()
            lobbyq.ok("POST", lobbyq.b(f"/tickets/{first['id']}/reprint"), "manager")

        page = open_kiosk(lobbyq, new_page)
        page.click(".cat-btn[data-category='personal']")
        page.wait_for_selector("#ticket-view:not([hidden])")
        number = page.inner_text("#t-number")
        assert page.inner_text("#t-ahead") == "1"
        on_screen = page.inner_text("#t-wait")
        screen_label = page.inner_text("dt[data-t='est_wait']")

        on_paper = [line for line in printed_lines(printer, number) if line.startswith("预计")]

        phone = new_page(390, 844, is_mobile=True, has_touch=True)
        phone.goto(page.get_attribute("#t-qr", "data-url"))
        phone.wait_for_function(f"document.querySelector('#tr-number').textContent === {number!r}")
        phone.wait_for_function("document.querySelector('#tr-wait').textContent !== '–'")
        on_phone = phone.inner_text("#tr-wait")
        phone_label = phone.inner_text("dt[data-t='est_wait']")

        # 30 s is 1 minute everywhere (rounded up, docs/domain.md), in the same words.
        assert on_screen == on_phone == "1 分钟", (on_screen, on_phone)
        assert on_paper == ["预计等候 1 分钟"], on_paper
        assert screen_label == phone_label == "预计等候"
    finally:
        agent.terminate()
        agent.wait(10)
