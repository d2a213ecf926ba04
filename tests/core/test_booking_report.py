"""Reports count bookings and remote tickets, and the waits of booked customers apart
(issue #13 item 9), on both databases."""

from __future__ import annotations

from tests.support.booking import ZONE, booked_branch, day_after
from tests.support.csv_answer import csv_rows


async def a_day_of_bookings(api):
    """Four cash bookings (on time, late, missed, cancelled), two remote tickets (one
    confirmed, one expired), three customers served; the clock at 13:00. → (branch, day)"""
    layout = booked_branch()
    layout["categories"][0]["remote"] = True  # personal
    b = await api.branch(layout)
    api.clock.advance_to(9, ZONE)
    today = day_after(api.clock(), 0)

    async def book(time: str) -> str:
        body = {"category": "cash", "date": today, "time": time, "amount": 1, "currency": "CNY"}
        r = await api.request("POST", "/api/v1/book/sjm01", json=body)
        assert r.status_code == 201, r.text
        return r.json()["code"]

    on_time, late, _missed, cancelled = (
        await book("10:00"),
        await book("10:30"),
        await book("11:00"),
        await book("12:00"),
    )
    await api.request("POST", f"/api/v1/bookings/{cancelled}/cancel")
    confirmed = (await api.request("POST", "/api/v1/book/sjm01/remote", json={"category": "personal"})).json()
    assert (await b.as_("kiosk", "POST", "/remote/confirm", json={"code": confirmed["code"]})).status_code == 201
    await api.request("POST", "/api/v1/book/sjm01/remote", json={"category": "personal"})  # never confirmed

    api.clock.advance(55 * 60)  # 09:55: early for 10:00
    assert (await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": on_time})).status_code == 201
    api.clock.advance(51 * 60)  # 10:46: 16 minutes late for 10:30, past the 15 of grace
    assert (await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": late})).status_code == 201
    await b.open(1)  # serves personal, wealth and cash
    for _ in range(3):
        assert (await b.teller(1, "call-next")).status_code == 200
        await b.teller(1, "start")
        api.clock.advance(60)
        await b.teller(1, "finish")
    api.clock.advance_to(13, ZONE)  # the 11:00 slot is over, never checked in; the remote one expired
    return b, today


async def test_the_report_counts_bookings_check_ins_no_shows_and_booked_waits(api):
    b, today = await a_day_of_bookings(api)
    r = await b.manager("GET", f"/reports?from={today}")
    assert r.status_code == 200, r.text
    report = r.json()["bookings"]
    assert {k: report[k] for k in ("booked", "cancelled", "checked_in", "no_show", "late")} == {
        "booked": 4,
        "cancelled": 1,
        "checked_in": 2,
        "no_show": 1,
        "late": 1,
    }
    assert report["remote"] == {"taken": 2, "confirmed": 1, "expired": 1}
    # called at 10:46 (remote ticket, queued 09:00, first), then 10:47 the 10:00 booking
    # (wait from 10:00: 47 min), then 10:48 the late one (wait from 10:46: 2 min)
    assert report["wait_s"]["max"] is not None and 46 * 60 < report["wait_s"]["max"] < 48 * 60
    assert 60 < report["wait_s"]["p50"] < 3 * 60


async def test_the_bookings_figures_download_as_one_csv_line(api):
    b, today = await a_day_of_bookings(api)
    report = (await b.manager("GET", f"/reports?from={today}")).json()["bookings"]
    r = await b.manager("GET", f"/reports.csv?table=bookings&from={today}")
    assert r.headers["content-disposition"] == f'attachment; filename="lobbyq-report-sjm01-{today}-bookings.csv"'
    [row] = csv_rows(r)
    assert row == {
        "from": today,
        "to": today,
        "booked": "4",
        "cancelled": "1",
        "checked_in": "2",
        "no_show": "1",
        "late": "1",
        **{f"wait_{k}_s": str(v) for k, v in report["wait_s"].items()},
        "remote_taken": "2",
        "remote_confirmed": "1",
        "remote_expired": "1",
    }
