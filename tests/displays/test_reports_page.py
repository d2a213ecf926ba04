"""The reports pages against a real `lobbyq serve` in Chromium, on a day of a few hundred
tickets written into its database (bench.reports.synthetic_day): the manager reaches the
report from the dashboard, picks yesterday, reads the figures, the server's SVG charts,
the staffing suggestion and the tables, downloads a table as CSV and prints to PDF; the
admin compares two branches, in Chinese and in English."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.reports import insert_day, synthetic_day
from tests.displays.support import ARTIFACTS, BRANCH, LAYOUT, ROOT, screenshot, sign_in_manager
from tests.support.booking import book_today, booked_branch, day_after

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "displays" / "screenshots"


def yesterday() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()


def fill(lobbyq, tmp_path, code: str, n: int, seed: int) -> str:
    day = yesterday()
    insert_day(tmp_path / "lobbyq.db", synthetic_day({"code": code, **LAYOUT}, day, n, seed))
    return day


def test_the_managers_report_of_yesterday(lobbyq, new_page, tmp_path):
    day = fill(lobbyq, tmp_path, BRANCH, 420, 11)
    expected = lobbyq.ok("GET", lobbyq.b(f"/reports?from={day}"), "manager")
    assert expected["summary"]["issued"] == 420

    page = new_page(1440, 900, accept_downloads=True)
    sign_in_manager(page, lobbyq)
    link = page.locator("#reports-link")
    assert link.get_attribute("href") == f"/reports/{BRANCH}"
    link.click()
    page.wait_for_selector("#report:not([hidden])")
    page.wait_for_selector("body[data-loaded]")  # today's, empty: the dashboard's sign-in carried over
    assert "所选日期没有取号" in page.inner_text("#chart-hourly")

    page.click("[data-preset='1']")  # 昨天
    page.wait_for_selector(f"body[data-loaded='{day}:{day}']")
    assert page.url.endswith(f"/reports/{BRANCH}?from={day}&to={day}&target=10")
    assert page.inner_text("#report-title") == f"上海静安支行 · {day}"
    assert page.inner_text("#k-issued") == "420"
    assert page.inner_text("#k-served") == str(expected["summary"]["served"])
    p90 = expected["summary"]["wait_s"]["p90"]
    assert page.inner_text("#k-wait-p90") == f"{int(p90 // 60)}:{round(p90 % 60):02d}"

    # the charts are the server's SVG: bars per hour, the histogram with its p50 and p90
    hours = len(expected["hourly"])
    assert page.locator("#chart-hourly svg rect").count() >= hours + 2  # two series and their legend
    waits = page.inner_html("#chart-waits")
    assert "p50" in waits and "p90" in waits and "stroke-dasharray" in waits
    assert page.locator("#chart-counters svg text").filter(has_text="号窗口").count() == 6
    # the staffing grid: one row per category, Erlang C's counters in the cells
    staffing = expected["staffing"]["rows"]
    cells = page.eval_on_selector_all("#staffing td.need", "tds => tds.map(td => Number(td.textContent))")
    assert sorted(cells) == sorted(r["counters_needed"] for r in staffing)
    assert page.locator("#staffing tbody tr").count() == len({r["category"] for r in staffing})
    assert page.locator("#counters-table tbody tr").count() == 6
    assert page.locator("#tellers-table tbody tr").count() == len(expected["tellers"])
    assert page.locator("#hourly-table tbody tr").count() == hours
    assert not page.errors, page.errors

    shot = screenshot(page, "reports-top")
    page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(shot, SCREENSHOTS / "reports.png")

    # a table as the CSV Excel opens
    with page.expect_download() as download:
        page.click("#chart-counters >> xpath=.. >> .csv")
    d = download.value
    assert d.suggested_filename == f"lobbyq-report-{BRANCH}-{day}-counters.csv"
    content = open(d.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbfcounter,name,served,")

    # print: A4, no buttons, no date picker
    page.emulate_media(media="print")
    assert not page.is_visible("#range") and not page.is_visible("#print") and not page.is_visible("#sign-out")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(ARTIFACTS / "reports-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_the_report_counts_the_days_bookings_and_downloads_them(lobbyq, new_page):
    layout = booked_branch({"slot_minutes": 5, "capacity": 2, "hourly_share": 1.0, "cash": {"CNY": 50000}})
    layout["hours"] = {"weekly": {d: ["00:00-24:00"] for d in layout["hours"]["weekly"]}}
    layout["categories"][0]["remote"] = True  # personal
    lobbyq.ok("PUT", lobbyq.b(), json={**layout, "code": BRANCH})
    today = day_after(time.time(), 0)
    arrived, _ = book_today(lobbyq, today, amount=20000)
    lobbyq.ok("POST", lobbyq.b("/bookings/check-in"), "kiosk", json={"code": arrived})
    cancelled, _ = book_today(lobbyq, today)
    lobbyq.ok("POST", f"/api/v1/bookings/{cancelled}/cancel")
    lobbyq.ok("POST", f"/api/v1/book/{BRANCH}/remote", json={"category": "personal"})

    page = new_page(1440, 900, accept_downloads=True)
    sign_in_manager(page, lobbyq)
    page.click("#reports-link")
    page.wait_for_selector(f"body[data-loaded='{today}:{today}']")
    tiles = {
        "booked": "2",
        "checked-in": "1",
        "cancelled": "1",
        "no-show": "0",
        "late": "0",
        "wait": "–",  # the checked-in customer is not called yet
        "remote-taken": "1",
        "remote-confirmed": "0",
        "remote-expired": "0",
    }
    assert {k: page.inner_text(f"#b-{k}") for k in tiles} == tiles
    assert "预约与远程取号" in page.inner_text("#bookings-panel h2")
    page.screenshot(path=str(ARTIFACTS / "reports-bookings.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#bookings-panel .csv")
    assert download.value.suggested_filename == f"lobbyq-report-{BRANCH}-{today}-bookings.csv"
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115 - a temporary file
    assert lines[0].startswith("from,to,booked,cancelled,checked_in,")
    assert lines[1].startswith(f"{today},{today},2,1,1,")

    page.click("[data-preset='1']")  # yesterday: nothing booked, no panel
    yesterday = day_after(time.time(), -1)
    page.wait_for_selector(f"body[data-loaded='{yesterday}:{yesterday}']")
    assert page.is_hidden("#bookings-panel")
    assert not page.errors, page.errors


def test_a_teller_cannot_open_the_report(lobbyq, new_page):
    page = new_page(1280, 800)
    page.goto(f"{lobbyq.base}/reports/{BRANCH}")
    page.fill("#signin-token", lobbyq.tokens["teller"])
    page.click("#signin button[type=submit]")
    page.wait_for_function("document.querySelector('#signin-error').textContent !== ''")
    assert page.is_hidden("#report")


def test_the_admin_compares_branches(lobbyq, new_page, tmp_path):
    lobbyq.ok("PUT", "/api/v1/branches/bj02", json={"code": "bj02", **LAYOUT, "name": "北京西单支行"})
    day = fill(lobbyq, tmp_path, BRANCH, 420, 11)
    fill(lobbyq, tmp_path, "bj02", 260, 5)

    page = new_page(1440, 900)
    page.goto(f"{lobbyq.base}/reports")
    page.fill("#signin-token", lobbyq.tokens["manager"])  # a manager may not compare
    page.click("#signin button[type=submit]")
    page.wait_for_function("document.querySelector('#signin-error').textContent !== ''")
    page.fill("#signin-token", lobbyq.tokens["admin"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#report:not([hidden])")
    page.click("[data-preset='1']")
    page.wait_for_selector(f"body[data-loaded='{day}:{day}']")
    rows = page.eval_on_selector_all("#compare-table tbody tr", "trs => trs.map(tr => tr.cells[1].textContent)")
    assert rows == ["260", "420"]  # bj02 first, in code order
    assert page.get_attribute("#compare-table a >> nth=1", "href") == f"/reports/{BRANCH}?from={day}&to={day}"
    assert "北京西单支行" in page.inner_html("#chart-waits")
    page.screenshot(path=str(ARTIFACTS / "reports-compare.png"), full_page=True)

    page.click("#lang")
    page.wait_for_function("document.querySelector('#report-title').textContent.startsWith('Branches compared')")
    page.wait_for_function("document.querySelector('#chart-waits').innerHTML.includes('Average wait')")
    assert page.inner_text("#compare-table th >> nth=0") == "Branch"
    page.screenshot(path=str(ARTIFACTS / "reports-compare-en.png"), full_page=True)
    assert not page.errors, page.errors
