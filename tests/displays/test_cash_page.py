"""The vault's cash list /cash/{b} (issue #13 item 4) in Chromium, against a real `lobbyq
serve`: the manager goes from the dashboard to tomorrow's booked large withdrawals, reads
the totals per currency, downloads the CSV, picks another day, prints the sheet; in
English too. Screenshots: tests/artifacts/cash*.png, displays/screenshots/cash.png."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.displays.support import ARTIFACTS, BRANCH, ROOT, screenshot, sign_in_manager
from tests.support.booking import booked_branch, day_after

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def lay_out(lobbyq, locale: str = "zh-CN") -> None:
    """Cash booked in 30-minute slots, open all day (a large withdrawal for tomorrow may be
    booked until today's close, whenever the test runs)."""
    layout = booked_branch()
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    layout["locale"] = locale
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})


def book(lobbyq, day: str, at: str, amount: int, currency: str = "CNY") -> str:
    body = {"category": "cash", "date": day, "time": at, "amount": amount, "currency": currency}
    return lobbyq.ok("POST", f"/api/v1/book/{BRANCH}", json=body)["code"]


def rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#cash-table tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.textContent.trim()))"
    )


def test_the_manager_reads_prints_and_downloads_tomorrows_cash_list(lobbyq, new_page):
    lay_out(lobbyq)
    today, tomorrow = day_after(time.time(), 0), day_after(time.time())
    book(lobbyq, tomorrow, "10:30", 200_000)
    book(lobbyq, tomorrow, "10:00", 500_000)
    book(lobbyq, tomorrow, "11:00", 20_000, "USD")
    cancelled = book(lobbyq, tomorrow, "14:00", 100_000)
    lobbyq.ok("POST", f"/api/v1/bookings/{cancelled}/cancel")

    page = new_page(1440, 900, accept_downloads=True)
    sign_in_manager(page, lobbyq)
    page.wait_for_selector("#bookings-panel:not([hidden])")
    assert page.get_attribute("#cash-link", "href") == f"/cash/{BRANCH}"
    page.click("#cash-link")  # the dashboard's sign-in carries over (same tab)
    page.wait_for_selector(f"body[data-loaded='{tomorrow}']")  # tomorrow's without asking
    assert page.url.endswith(f"/cash/{BRANCH}?date={tomorrow}")
    assert page.input_value("#day") == tomorrow
    assert page.inner_text("#cash-heading") == f"石景山支行 · {tomorrow}"
    assert rows(page) == [
        ["10:00–10:30", "大额取现", "500,000", "CNY", "预约成功"],
        ["10:30–11:00", "大额取现", "200,000", "CNY", "预约成功"],
        ["11:00–11:30", "大额取现", "20,000", "USD", "预约成功"],
    ]  # in slot order, the cancelled one left out
    assert page.inner_text("[data-currency='CNY'] b") == "700,000 CNY"
    assert "2 笔" in page.inner_text("[data-currency='CNY']")
    assert page.inner_text("[data-currency='USD'] b") == "20,000 USD"
    assert not page.is_visible(".sign-off")
    shot = screenshot(page, "cash")
    (ROOT / "displays" / "screenshots").mkdir(exist_ok=True)
    shutil.copy(shot, ROOT / "displays" / "screenshots" / "cash.png")

    with page.expect_download() as download:
        page.click("#cash-csv")
    assert download.value.suggested_filename == f"lobbyq-cash-{BRANCH}-{tomorrow}.csv"
    content = open(download.value.path(), "rb").read()  # noqa: SIM115 - a temporary file
    assert content.startswith(b"\xef\xbb\xbftime,slot_start,slot_end,")
    assert len(content.decode("utf-8-sig").splitlines()) == 4  # the header and three withdrawals

    page.click("[data-days='0']")  # 今天: nothing booked
    page.wait_for_selector(f"body[data-loaded='{today}']")
    assert "这一天没有预约的大额取现" in page.inner_text("#cash-totals") and page.is_hidden("#cash-table")
    page.fill("#day", tomorrow)
    page.click("#day-form button[type=submit]")
    page.wait_for_selector(f"body[data-loaded='{tomorrow}']")

    # printed: no buttons, no date picker; lines for the vault to sign
    page.emulate_media(media="print")
    assert not page.is_visible("#day-form") and not page.is_visible("#print") and not page.is_visible("#sign-out")
    assert page.is_visible(".sign-off") and "复核人" in page.inner_text(".sign-off")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(ARTIFACTS / "cash-print.png"), full_page=True)
    assert page.pdf(format="A4", print_background=True).startswith(b"%PDF")
    assert not page.errors, page.errors


def test_the_cash_list_in_english_and_refused_to_a_teller(lobbyq, new_page):
    lay_out(lobbyq, "en")
    tomorrow = day_after(time.time())
    book(lobbyq, tomorrow, "09:30", 60_000)
    page = new_page(1280, 800)
    page.goto(f"{lobbyq.base}/cash/{BRANCH}")
    page.fill("#signin-token", lobbyq.tokens["teller"])  # the cash list is the manager's
    page.click("#signin button[type=submit]")
    page.wait_for_function("document.querySelector('#signin-error').textContent !== ''")
    assert page.is_hidden("#cash")

    page.fill("#signin-token", lobbyq.tokens["manager"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector(f"body[data-loaded='{tomorrow}']")
    assert page.inner_text("h1").endswith("Cash withdrawals to prepare")
    assert rows(page) == [["09:30–10:00", "大额取现", "60,000", "CNY", "Booked"]]
    assert "1 booked" in page.inner_text("[data-currency='CNY']")
    screenshot(page, "cash-en")
    assert not page.errors, page.errors
