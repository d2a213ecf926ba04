"""The public booking page /book/{b} (issue #13) on a phone in Chromium, against a real
`lobbyq serve`: pick a category, a day and a free slot, book a large withdrawal, keep
the code and its QR, come back to it by its link, cancel; in English too. Screenshots
under tests/artifacts/ (book.png, book-done.png)."""

from __future__ import annotations

import time

import pytest

from tests.displays.support import BRANCH, screenshot, sign_in_manager, sign_in_teller
from tests.support.booking import book_today, booked_branch, day_after

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def phone(new_page):
    return new_page(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)


def lay_out(lobbyq, locale: str = "zh-CN") -> None:
    layout = booked_branch()
    layout["locale"] = locale
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})


def test_book_a_large_withdrawal_keep_the_code_and_cancel(lobbyq, new_page):
    lay_out(lobbyq)
    # Two days ahead: a withdrawal over the threshold booked for tomorrow is refused once
    # today's business hours are over in Shanghai, and CI runs at any hour.
    visit_day = day_after(time.time(), 2)
    page = phone(new_page)
    page.goto(f"{lobbyq.base}/book/{BRANCH}")
    page.click("#bk-categories .choice:has-text('大额取现')")
    page.wait_for_selector("#bk-days .choice.selected")
    page.locator("#bk-days .choice").nth(2).click()  # today, tomorrow, the day after
    page.wait_for_selector("#bk-days .choice:nth-child(3).selected")
    page.click("#bk-slots .choice:has-text('10:00')")
    page.wait_for_selector("#bk-form:not([hidden])")
    assert page.is_visible("#bk-cash") and "50000 CNY" in page.inner_text("#bk-cash-note")
    page.fill("#bk-amount", "500000")
    page.fill("#bk-phone", "13800138000")
    screenshot(page, "book")
    page.click("#bk-submit")
    page.wait_for_selector("#bk-done:not([hidden])")
    assert page.inner_text("#bk-status") == "预约成功"
    assert page.inner_text("#bk-when").endswith("10:00") and "500,000 CNY" in page.inner_text("#bk-amount-shown")
    code = page.inner_text("#bk-code")
    assert len(code) >= 22 and page.url.endswith("#" + code)
    page.wait_for_function("document.querySelector('#bk-qr').naturalWidth > 0")
    screenshot(page, "book-done")

    listed = lobbyq.ok("GET", lobbyq.b(f"/cash?date={visit_day}"), "manager")["withdrawals"]
    assert [(w["time"], w["amount"], w["phone"]) for w in listed] == [("10:00", 500_000, "13800138000")]

    again = phone(new_page)  # the link with the code brings the booking back
    again.goto(f"{lobbyq.base}/book/{BRANCH}#{code}")
    again.click("#bk-change")  # another time the same day
    again.click("#bk-slots .choice:has-text('11:30')")
    again.click("#bk-submit")
    again.wait_for_selector("#bk-done:not([hidden])")
    assert again.inner_text("#bk-when").endswith("11:30") and again.inner_text("#bk-code") == code
    listed = lobbyq.ok("GET", lobbyq.b(f"/cash?date={visit_day}"), "manager")["withdrawals"]
    assert [(w["time"], w["amount"], w["phone"]) for w in listed] == [("11:30", 500_000, "13800138000")]
    again.wait_for_selector("#bk-cancel:not([hidden])")
    again.once("dialog", lambda d: d.accept())
    again.click("#bk-cancel")
    again.wait_for_function("document.body.dataset.status === 'cancelled'")
    assert again.inner_text("#bk-status") == "预约已取消"
    assert lobbyq.ok("GET", lobbyq.b(f"/cash?date={visit_day}"), "manager")["withdrawals"] == []
    assert not page.errors and not again.errors


def test_the_page_speaks_the_branch_language_and_shows_a_full_slot(lobbyq, new_page):
    lay_out(lobbyq, "en")
    tomorrow = day_after(time.time())
    for _ in range(2):  # the 10:00 slot's capacity
        body = {"category": "cash", "date": tomorrow, "time": "10:00", "amount": 1, "currency": "CNY"}
        lobbyq.ok("POST", f"/api/v1/book/{BRANCH}", json=body)
    page = phone(new_page)
    page.goto(f"{lobbyq.base}/book/{BRANCH}")
    page.wait_for_selector("#bk-categories .choice")
    assert page.inner_text("h1") == "Book a visit"
    page.click("#bk-categories .choice")
    full = page.wait_for_selector("#bk-slots .choice:has-text('10:00')")
    assert full.is_disabled() and "full" in full.inner_text()
    assert page.locator("#bk-slots .choice:has-text('10:30')").is_enabled()
    assert not page.errors


def test_the_kiosk_checks_a_booking_in_by_its_scanned_code(lobbyq, new_page):
    layout = booked_branch({"slot_minutes": 5, "capacity": 2, "hourly_share": 1.0, "cash": {"CNY": 50000}})
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})
    code, slot_time = book_today(lobbyq, day_after(time.time(), 0), amount=20000)

    page = new_page(1920, 1080)
    page.goto(f"{lobbyq.base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    page.wait_for_selector(".cat-btn[data-category='cash']")
    page.keyboard.type(code)  # a scanner types the QR's code on the idle screen, then Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#ticket-view:not([hidden])")
    assert page.inner_text("#t-number") == "E001"
    assert page.inner_text("#t-booking") == f"预约 {slot_time} · 20,000 CNY"
    screenshot(page, "kiosk-checkin")
    booking = lobbyq.ok("GET", f"/api/v1/bookings/{code}")
    assert booking["status"] == "checked_in"

    page.click("#t-done")
    page.click("#checkin-open")
    page.fill("#checkin-code", code)
    page.click("#checkin-ok")
    page.wait_for_function("document.querySelector('#kiosk-error').textContent.includes('checked in')")
    assert not page.errors


def test_a_remote_ticket_from_the_phone_confirmed_at_the_kiosk(lobbyq, new_page):
    layout = booked_branch()
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    layout["categories"][0]["remote"] = True  # personal
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})

    page = phone(new_page)
    page.goto(f"{lobbyq.base}/book/{BRANCH}")
    page.click("#rm-categories .choice:has-text('个人业务')")
    page.wait_for_selector("#rm-shown:not([hidden])")
    assert page.inner_text("#rm-ahead") == "1" and "请尽快到店确认" in page.inner_text("#rm-status")
    code = page.inner_text("#rm-code")
    assert page.url.endswith(f"#remote={code}")
    page.wait_for_function("document.querySelector('#rm-qr').naturalWidth > 0")
    screenshot(page, "book-remote")

    kiosk = new_page(1920, 1080)
    kiosk.goto(f"{lobbyq.base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    kiosk.wait_for_selector(".cat-btn[data-category='personal']")
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", code)
    kiosk.click("#checkin-ok")
    kiosk.wait_for_selector("#ticket-view:not([hidden])")
    assert kiosk.inner_text("#t-number") == "A002" and kiosk.is_hidden("#t-booking")
    # the phone page follows the ticket's own tracking page once confirmed
    page.wait_for_url("**/t/**", timeout=10_000)
    page.wait_for_function("document.querySelector('#tr-number').textContent === 'A002'")
    assert not page.errors and not kiosk.errors


def test_the_manager_books_for_a_customer_checks_in_and_downloads_the_cash_list(lobbyq, new_page):
    layout = booked_branch({"slot_minutes": 5, "capacity": 2, "hourly_share": 1.0, "cash": {"CNY": 50000}})
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})
    tomorrow = day_after(time.time())
    page = new_page(1600, 1000, accept_downloads=True)
    sign_in_manager(page, lobbyq)
    page.wait_for_selector("#bookings-panel:not([hidden])")
    page.fill("#mb-date", tomorrow)
    page.fill("#mb-time", "10:00")
    page.fill("#mb-amount", "500000")
    page.fill("#mb-phone", "13800138000")
    page.click("#mgr-book button[type=submit]")
    page.wait_for_function("document.querySelector('#mb-code').textContent.length >= 22")
    listed = lobbyq.ok("GET", lobbyq.b(f"/bookings?date={tomorrow}"), "manager")["bookings"]
    assert [(b["time"], b["amount"], b["booked_by"]) for b in listed] == [("10:00", 500_000, "wang")]
    with page.expect_download() as download:
        page.click("#cash-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - a temporary file
    assert "10:00" in text and "500000" in text

    code = book_today(lobbyq, day_after(time.time(), 0))[0]
    page.fill("#mgr-checkin-code", code)
    page.press("#mgr-checkin-code", "Enter")
    page.wait_for_function("document.querySelector('#mgr-checked-in').textContent === 'E001'")
    page.wait_for_selector("#bookings tr[data-booking]")
    screenshot(page, "manager-bookings")
    assert not page.errors


def test_the_teller_sees_what_a_booked_customer_comes_for(lobbyq, new_page):
    layout = booked_branch({"slot_minutes": 5, "capacity": 2, "hourly_share": 1.0, "cash": {"CNY": 1_000_000}})
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})
    code, slot_time = book_today(lobbyq, day_after(time.time(), 0), amount=500_000)
    lobbyq.ok("POST", lobbyq.b("/bookings/check-in"), "kiosk", json={"code": code})

    page = new_page(1366, 768)
    sign_in_teller(page, lobbyq, 1)
    page.wait_for_function("document.querySelector('#counter-waiting').textContent === '1'", timeout=4000)
    page.keyboard.press("F1")
    page.wait_for_function("document.querySelector('#current-ticket').textContent === 'E001'", timeout=4000)
    page.wait_for_selector("#current-booking", timeout=4000)
    assert page.inner_text("#current-booking") == f"预约 {slot_time} · 500,000 CNY"
    screenshot(page, "teller-booked")
    assert not page.errors
