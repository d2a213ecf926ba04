"""The teller console against a real `lobbyq serve` in Chromium: a refused key says why,
in the words of the pad's display; a key that cannot be used looks it; and before
sign-in the clocks of the teller and manager pages tell the branch's time, not the
browser's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.displays.support import BRANCH, screenshot, sign_in_teller

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, HEIGHT = 1366, 768  # the teller's PC


def sign_in(lobbyq, new_page, counter=1):
    page = new_page(WIDTH, HEIGHT)
    sign_in_teller(page, lobbyq, counter)
    return page


def press_and_read(page, key: str, label: str) -> str:
    """Press an F-key and wait for the console's reason box to show ``label``: its text."""
    page.keyboard.press(key)
    page.wait_for_function(
        "(label) => { const e = document.querySelector('#teller-reason'); return e && e.innerText.includes(label); }",
        arg=label,
        timeout=2000,
    )
    box = page.locator("#teller-reason")
    assert box.is_visible()
    where = box.bounding_box()
    assert where and where["y"] >= 0 and where["y"] + where["height"] <= HEIGHT, f"the reason is off screen: {where}"
    return box.inner_text()


def test_a_refused_key_shows_the_pads_reason(lobbyq, new_page):
    page = sign_in(lobbyq, new_page)

    # Nobody waits: call-next answers 204.
    text = press_and_read(page, "F1", "EMPTY")
    assert "无人等候" in text
    # Finish with nobody at the counter (the key is disabled; its F-key still asks).
    assert "当前无客户" in press_and_read(page, "F5", "NONE")
    # Paused from elsewhere (the manager, another tab): the call is refused.
    lobbyq.ok("POST", lobbyq.b("/counters/1/pause"), "teller", json={"reason": "午餐"})
    assert "暂停服务中" in press_and_read(page, "F1", "PAUSED")
    lobbyq.ok("POST", lobbyq.b("/counters/1/resume"), "teller")
    # A refusal without a word of its own: ERR and the server's message.
    text = press_and_read(page, "F7", "ERR")
    assert "未暂停" in text  # the server's own words, in the branch's language

    # A successful key clears the reason.
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    page.wait_for_function("document.querySelector('#counter-waiting').textContent === '1'", timeout=2000)
    page.keyboard.press("F1")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A001'", timeout=2000)
    assert page.locator("#teller-reason").inner_text().strip() == ""
    # A001 is called but not started: calling the next one is refused.
    assert "请先办结当前客户" in press_and_read(page, "F1", "BUSY")
    page.wait_for_timeout(1100)  # the waited/serving times tick once
    screenshot(page, "teller")

    # The counter is closed behind the console's back (signed out from another tab).
    page.keyboard.press("F3")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === '—'", timeout=2000)
    lobbyq.ok("POST", lobbyq.b("/counters/1/close"), "teller")
    page.wait_for_function("document.querySelector('#counter-state .badge.closed')", timeout=2000)
    text = press_and_read(page, "F1", "CLOSED")
    assert "窗口已关闭" in text
    assert "open it first" not in text  # the code's words, not the server's English
    # Signing out of a counter closed elsewhere signs out: there is nothing left to close.
    page.click("#sign-out")
    page.wait_for_selector("#signin:not([hidden])", timeout=2000)
    page.wait_for_timeout(1100)  # the clock ticks once with nobody signed in
    assert not page.errors


STYLE = "(el) => { const s = getComputedStyle(el); return [s.opacity, s.backgroundColor, s.color, s.cursor]; }"


def test_disabled_keys_look_disabled(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    page = sign_in(lobbyq, new_page)
    finish, pause, resume = (page.locator(f"#keys button[data-key='{k}']") for k in (5, 6, 7))
    assert finish.is_disabled() and resume.is_disabled() and pause.is_enabled()
    finish_off, resume_off, pause_on = (k.evaluate(STYLE) for k in (finish, resume, pause))

    page.keyboard.press("F1")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A001'", timeout=2000)
    assert finish.is_enabled()
    finish_on = finish.evaluate(STYLE)
    lobbyq.ok("POST", lobbyq.b("/counters/1/pause"), "teller", json={"reason": "午餐"})
    page.wait_for_function("document.querySelector('#keys button[data-key=\"6\"]').disabled", timeout=2000)
    assert resume.is_enabled()
    pause_off, resume_on = pause.evaluate(STYLE), resume.evaluate(STYLE)

    # The same key, disabled and enabled: it must not look the same.
    for off, on in [(finish_off, finish_on), (resume_off, resume_on), (pause_off, pause_on)]:
        assert off[3] != on[3], f"same cursor {off[3]!r} disabled and enabled"
        assert off[0] != on[0] or off[1] != on[1], f"same opacity and colour disabled and enabled: {off} {on}"
    assert float(finish_off[0]) < 1 and float(pause_off[0]) < 1
    assert not page.errors


# 02:30 UTC is 10:30 on the 15th in Shanghai (the branch) and 22:30 on the 14th in New York (the browser).
INSTANT = datetime(2024, 3, 15, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("page_path", ["teller", "manager"])
def test_clock_before_sign_in_tells_the_branchs_time(lobbyq, new_page, page_path):
    page = new_page(WIDTH, HEIGHT, timezone_id="America/New_York")
    page.clock.set_fixed_time(INSTANT)
    page.goto(f"{lobbyq.base}/{page_path}/{BRANCH}")
    page.wait_for_selector("#signin:not([hidden])")
    page.wait_for_function("document.querySelector('#clock').textContent.includes(':')")
    assert page.evaluate("new Date().getHours()") == 22  # the browser is in New York
    clock = page.inner_text("#clock")
    assert "10:30:00" in clock and "15日" in clock, clock
    assert "22:30" not in clock
    screenshot(page, f"{page_path}-signin")
    assert not page.errors
