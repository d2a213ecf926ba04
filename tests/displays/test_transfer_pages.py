"""Issue #10 item 4 in real Chromium against a real `lobbyq serve`: the customer's page
of a ticket transferred to a window says which window to wait for, and the teller
console's transfer dialog marks closed and paused windows and shows the server's
warning for a paused one."""

import pytest

from tests.displays.spies import sound_spy
from tests.displays.support import screenshot, sign_in_teller

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_customer_page_names_the_window_a_transferred_ticket_waits_for(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/5/open"), "teller2")
    ticket = lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/transfer"), "teller", json={"counter": 5})

    page = new_page(390, 844, init_script=sound_spy(), is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"{lobbyq.base}/t/{ticket['track_token']}")
    page.wait_for_selector("#tr-pinned:not([hidden])", timeout=3000)
    assert page.inner_text("#tr-pinned-window") == "请到5号窗口等候"
    # Not "almost your turn, 0 ahead": nobody in the category's queue decides its turn.
    assert page.is_hidden("#tr-almost") and page.is_hidden("#tr-figures")
    assert page.evaluate("window.__vibrations") == []
    page.wait_for_timeout(300)
    screenshot(page, "track-window")

    # Called at window 5: the line goes, the call shows.
    lobbyq.ok("POST", lobbyq.b("/counters/5/call-next"), "teller2")
    page.wait_for_selector("#tr-call:not([hidden])", timeout=3000)
    assert page.is_hidden("#tr-pinned") and page.inner_text("#tr-call") == "请到 5号窗口 办理"
    assert not page.errors


def test_teller_transfer_dialog_marks_closed_and_paused_windows(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/2/open"), "teller2")
    lobbyq.ok("POST", lobbyq.b("/counters/2/pause"), "teller2", json={"reason": "午餐"})
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})

    page = new_page(1366, 768)
    sign_in_teller(page, lobbyq)
    page.keyboard.press("F1")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'A001'", timeout=2000)

    page.keyboard.press("F8")
    page.wait_for_selector("#transfer-dialog[open]")
    options = page.eval_on_selector_all(
        "#transfer-counter option", "os => os.map(o => [o.value, o.textContent, o.disabled])"
    )
    assert options == [
        ["2", "2号窗口 (暂停中)", False],
        ["3", "3号窗口 (已关闭)", True],
        ["4", "4号窗口 (已关闭)", True],
        ["5", "5号窗口 (已关闭)", True],
        ["6", "6号窗口 (已关闭)", True],
    ]
    page.check("#transfer-dialog input[value=counter]")
    assert page.input_value("#transfer-counter") == "2"
    screenshot(page, "teller-transfer-marks")
    page.click("#transfer-dialog button[value=ok]")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === '—'", timeout=2000)
    assert page.inner_text("#teller-warning") == "2号窗口暂停服务中：A001将在该窗口恢复服务后被叫号"
    assert page.inner_text("#teller-reason").strip() == ""
    screenshot(page, "teller-transfer-warning")
    assert not page.errors
