"""Bookings over the API (issue #13 items 3-5), in-process on both databases: free slots,
booking, changing and cancelling with the code, the staff's booking and lists, the cash
list, and check-in early, on time and late."""

from __future__ import annotations

import csv
import io

from tests.support.booking import CASH, ZONE, booked_branch, day_after


async def laid_out(api, appointment=None, **policy):
    b = await api.branch(booked_branch(appointment, **policy))
    api.clock.advance_to(10, ZONE)
    return b


async def book(api, day: str, time: str = "10:00", **body):
    return await api.request("POST", "/api/v1/book/sjm01", json={"category": "cash", "date": day, "time": time, **body})


async def test_book_see_change_and_cancel_with_the_code(api):
    await laid_out(api)
    tomorrow = day_after(api.clock())
    r = await api.request("GET", "/api/v1/book/sjm01")
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()["categories"]] == ["cash"] and r.json()["open_now"] is True
    r = await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")
    slots = r.json()["slots"]
    assert len(slots) == 16 and slots[0]["time"] == "09:00" and slots[-1]["time"] == "16:30"
    assert {s["free"] for s in slots} == {2}

    r = await book(api, tomorrow, amount=500_000, currency="CNY", phone="13800138000")
    assert r.status_code == 201, r.text
    made = r.json()
    code = made["code"]
    assert len(code) >= 22 and made["status"] == "booked" and made["time"] == "10:00"
    assert "phone" not in made  # the public answer shows no personal field back
    slots = (await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()["slots"]
    assert [s["free"] for s in slots if s["time"] == "10:00"] == [1]

    r = await api.request("GET", f"/api/v1/bookings/{code}")
    assert r.status_code == 200 and r.json()["amount"] == 500_000, r.text
    r = await api.request("POST", f"/api/v1/bookings/{code}/change", json={"date": tomorrow, "time": "11:30"})
    assert r.status_code == 200 and r.json()["time"] == "11:30" and r.json()["amount"] == 500_000, r.text
    slots = (await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()["slots"]
    assert {s["time"]: s["free"] for s in slots}["10:00"] == 2
    assert {s["time"]: s["free"] for s in slots}["11:30"] == 1

    r = await api.request("POST", f"/api/v1/bookings/{code}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    r = await api.request("POST", f"/api/v1/bookings/{code}/cancel")
    assert r.status_code == 409 and "cancelled" in r.json()["message"]
    slots = (await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()["slots"]
    assert {s["free"] for s in slots} == {2}
    assert (await api.request("GET", "/api/v1/bookings/" + "x" * 22)).status_code == 404


async def test_a_full_slot_is_409_and_the_rules_are_422_saying_why(api):
    await laid_out(api)
    tomorrow = day_after(api.clock())
    for _ in range(2):
        assert (await book(api, tomorrow, amount=1000, currency="CNY")).status_code == 201
    r = await book(api, tomorrow, amount=1000, currency="CNY")
    assert r.status_code == 409 and r.json()["code"] == "slot_full", r.text
    today = day_after(api.clock(), 0)
    r = await book(api, today, time="11:00", amount=500_000, currency="CNY")
    assert r.status_code == 422 and "one business day ahead" in r.json()["message"], r.text
    assert (await book(api, today, time="11:00", amount=50_000, currency="CNY")).status_code == 201
    r = await book(api, today, time="09:30", amount=10, currency="CNY")
    assert r.status_code == 422 and "already started" in r.json()["message"], r.text
    r = await book(api, day_after(api.clock(), 30), amount=10, currency="CNY")
    assert r.status_code == 422 and "14 day(s) ahead" in r.json()["message"], r.text
    r = await book(api, tomorrow, time="10:10", amount=10, currency="CNY")
    assert r.status_code == 422 and "no slot at 10:10" in r.json()["message"], r.text
    r = await book(api, tomorrow, time="12:00")
    assert r.status_code == 422 and "needs the amount" in r.json()["message"], r.text
    r = await api.request(
        "POST", "/api/v1/book/sjm01", json={"category": "personal", "date": tomorrow, "time": "10:00"}
    )
    assert r.status_code == 422 and "cannot be booked" in r.json()["message"], r.text


async def test_the_hourly_share_keeps_places_for_walk_ins(api):
    await laid_out(api, {**CASH, "capacity": 2, "hourly_share": 0.5})
    tomorrow = day_after(api.clock())
    # an hour of two 30-minute slots of 2: 4 served, bookings take at most 2 of them
    assert (await book(api, tomorrow, "10:00", amount=1, currency="CNY")).status_code == 201
    assert (await book(api, tomorrow, "10:30", amount=1, currency="CNY")).status_code == 201
    r = await book(api, tomorrow, "10:30", amount=1, currency="CNY")
    assert r.status_code == 409 and r.json()["code"] == "slot_full", r.text
    slots = (await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()["slots"]
    assert {s["time"]: s["free"] for s in slots if s["time"].startswith("10:")} == {"10:00": 0, "10:30": 0}
    assert {s["time"]: s["free"] for s in slots}["11:00"] == 2  # the next hour: its own 2 of 4
    # the hour is full, yet a booking moves within it: its hour's place is kept, not retaken
    first = (await book(api, tomorrow, "11:00", amount=1, currency="CNY")).json()["code"]
    r = await api.request("POST", f"/api/v1/bookings/{first}/change", json={"date": tomorrow, "time": "11:30"})
    assert r.status_code == 200 and r.json()["time"] == "11:30", r.text
    second = (await book(api, tomorrow, "11:00", amount=1, currency="CNY")).json()["code"]
    r = await api.request("POST", f"/api/v1/bookings/{second}/change", json={"date": tomorrow, "time": "10:30"})
    assert r.status_code == 409 and r.json()["code"] == "slot_full", r.text  # that hour is full
    assert (await api.request("GET", f"/api/v1/bookings/{second}")).json()["time"] == "11:00"


async def test_a_closed_day_has_no_slots_and_refuses_a_booking_saying_when_it_opens(api):
    b = await api.branch(booked_branch())
    api.clock.advance_to(10, ZONE)
    tomorrow = day_after(api.clock())
    layout = booked_branch()
    layout["hours"]["holidays"] = [tomorrow]
    r = await api.request("PUT", "/api/v1/branches/sjm01", api.admin, json={**layout, "code": b.code})
    assert r.status_code == 200, r.text
    slots = (await api.request("GET", f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()
    assert slots["slots"] == []
    r = await book(api, tomorrow, amount=1, currency="CNY")
    assert r.status_code == 409 and r.json()["code"] == "branch_closed", r.text
    assert f"closed on {tomorrow}; it next opens {day_after(api.clock(), 2)}T09:00" in r.json()["message"]


async def test_staff_book_for_a_customer_and_see_the_day_and_the_cash_list(api):
    b = await laid_out(api)
    tomorrow = day_after(api.clock())
    r = await b.manager(
        "POST",
        "/bookings",
        json={
            "category": "cash",
            "date": tomorrow,
            "time": "09:30",
            "amount": 500_000,
            "currency": "CNY",
            "phone": "13800138000",
        },
    )
    assert r.status_code == 201, r.text
    assert (await book(api, tomorrow, "14:00", amount=20_000, currency="USD")).status_code == 201
    cancelled = (await book(api, tomorrow, "15:00", amount=1, currency="CNY")).json()["code"]
    await api.request("POST", f"/api/v1/bookings/{cancelled}/cancel")
    listed = (await b.manager("GET", f"/bookings?date={tomorrow}")).json()["bookings"]
    assert [(x["time"], x["status"], x["phone"], x["booked_by"]) for x in listed] == [
        ("09:30", "booked", "13800138000", "manager"),
        ("14:00", "booked", None, None),
        ("15:00", "cancelled", None, None),
    ]
    cash = (await b.manager("GET", "/cash")).json()  # default: tomorrow
    assert cash["date"] == tomorrow
    assert [(w["time"], w["amount"], w["currency"]) for w in cash["withdrawals"]] == [
        ("09:30", 500_000, "CNY"),
        ("14:00", 20_000, "USD"),
    ]
    assert cash["totals"] == {"CNY": 500_000, "USD": 20_000}
    r = await b.manager("GET", f"/cash.csv?date={tomorrow}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["time"], x["amount"], x["currency"], x["category_name"]) for x in rows] == [
        ("09:30", "500000", "CNY", "大额取现"),
        ("14:00", "20000", "USD", "大额取现"),
    ]
    assert (await b.as_("teller", "GET", "/cash")).status_code == 403


async def _checked_in(api, b, code: str) -> dict:
    r = await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": code})
    assert r.status_code == 201, r.text
    return r.json()


async def test_check_in_early_on_time_and_late(api):
    b = await laid_out(api)  # 10:00 today
    today = day_after(api.clock(), 0)
    early = (await book(api, today, "11:00", amount=1, currency="CNY")).json()["code"]
    on_time = (await book(api, today, "10:30", amount=1, currency="CNY")).json()["code"]
    late = (await book(api, today, "10:30", amount=1, currency="CNY")).json()["code"]

    walk_in = await b.issue("cash")  # 10:00
    first = await _checked_in(api, b, early)  # 10:00, ranks at 11:00: behind the walk-in
    assert first["queued_at"].endswith("T11:00:00.000+08:00") and first["issued_at"] != first["queued_at"]
    assert first["ahead"] == 1 and first["booking"]["amount"] == 1 and first["number"] == "E002"
    api.clock.advance(40 * 60)  # 10:40, 10 minutes into the 10:30 slot: within the grace
    second = await _checked_in(api, b, on_time)
    assert second["queued_at"].endswith("T10:30:00.000+08:00")
    api.clock.advance(10 * 60)  # 10:50: 20 minutes late, past 15 of grace: a walk-in from now
    third = await _checked_in(api, b, late)
    assert third["queued_at"] == third["issued_at"]

    r = await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": early})
    assert r.status_code == 409 and "checked in" in r.json()["message"], r.text
    shown = (await api.request("GET", f"/api/v1/bookings/{early}")).json()
    assert shown["status"] == "checked_in" and shown["ticket_id"] == first["id"]

    await b.open(1)
    called = []
    for _ in range(4):
        r = await b.teller(1, "call-next")
        called.append(r.json()["number"])
        await b.teller(1, "finish")
    # walk-in 10:00, on time (10:30), late (10:50), early (11:00)
    assert called == [walk_in["number"], second["number"], third["number"], first["number"]]


async def test_check_in_refuses_another_day_another_branch_and_outside_hours(api):
    b = await laid_out(api)
    other = await api.branch(booked_branch(), code="other")
    tomorrow = day_after(api.clock())
    code = (await book(api, tomorrow, amount=1, currency="CNY")).json()["code"]
    r = await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": code})
    assert r.status_code == 409 and f"for {tomorrow}" in r.json()["message"], r.text
    r = await other.as_("kiosk", "POST", "/bookings/check-in", json={"code": code})
    assert r.status_code == 404, r.text
    api.clock.advance_to(8, ZONE)  # tomorrow, before opening
    r = await b.as_("kiosk", "POST", "/bookings/check-in", json={"code": code})
    assert r.status_code == 409 and r.json()["code"] == "branch_closed", r.text
    r = await b.manager("POST", "/bookings/check-in", json={"code": code})
    assert r.status_code == 201 and r.json()["queued_at"].endswith("T10:00:00.000+08:00"), r.text


async def test_the_large_withdrawal_story_end_to_end(api):
    """Book 500,000 yuan a day ahead → on tomorrow's cash list → check in → called → served."""
    b = await laid_out(api)
    tomorrow = day_after(api.clock())
    made = (await book(api, tomorrow, "10:00", amount=500_000, currency="CNY", phone="13800138000")).json()
    cash = (await b.manager("GET", "/cash")).json()
    assert [(w["id"], w["amount"], w["time"]) for w in cash["withdrawals"]] == [(made["id"], 500_000, "10:00")]

    api.clock.advance_to(9, ZONE)
    api.clock.advance(50 * 60)  # 09:50 the next day: ten minutes early
    walk_in = await b.issue("personal")
    ticket = await _checked_in(api, b, made["code"])
    assert ticket["booking"]["amount"] == 500_000 and ticket["category"] == "cash"
    await b.open(1)  # serves personal, wealth, cash
    assert (await b.teller(1, "call-next")).json()["id"] == walk_in["id"]  # queued 09:50, before 10:00
    await b.teller(1, "finish")
    api.clock.advance(10 * 60)
    called = (await b.teller(1, "call-next")).json()
    assert called["id"] == ticket["id"] and called["status"] == "called"
    await b.teller(1, "start")
    done = (await b.teller(1, "finish")).json()
    assert done["status"] == "done"
    shown = (await api.request("GET", f"/api/v1/bookings/{made['code']}")).json()
    assert shown["status"] == "checked_in" and shown["ticket_id"] == ticket["id"]
