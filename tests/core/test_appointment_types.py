"""Appointment types per category (issue #13 item 2): the layout's checks, the slots of a
day, the hourly share, and what a booking must carry."""

from __future__ import annotations

import copy
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.rules import appointments as appts
from app.rules import hours as opening
from app.rules.layout import LayoutError, from_dict, to_dict
from app.sample_branch import SAMPLE_BRANCH

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = {"weekly": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
CASH = {"slot_minutes": 30, "capacity": 2, "hourly_share": 0.5, "cash": {"CNY": 50000, "USD": 10000}}


def booked_layout(appointment: dict | None = None, hours: dict | None = HOURS) -> dict:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["categories"].append({"code": "cash", "name": "大额取现", "prefix": "E", "appointment": appointment or CASH})
    if hours is not None:
        layout["hours"] = hours
    return layout


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, SHANGHAI).strftime("%H:%M")


def test_an_appointment_type_round_trips_with_its_defaults():
    layout = from_dict("sjm01", booked_layout())
    cash = layout.category("cash")
    assert cash is not None and cash.appointment is not None
    assert cash.appointment.book_ahead_days == 14 and cash.appointment.cash == {"CNY": 50000, "USD": 10000}
    out = to_dict(layout)["categories"][-1]["appointment"]
    assert out == {**CASH, "book_ahead_days": 14, "book_until_minutes": 0}
    assert "appointment" not in to_dict(layout)["categories"][0]
    assert to_dict(layout)["policy"]["checkin_grace_minutes"] == 15


@pytest.mark.parametrize(
    ("appointment", "hours", "said"),
    [
        (CASH, None, "needs opening hours"),
        ({"slot_minutes": 2}, HOURS, "slot_minutes must be a whole number between 5 and 480"),
        ({"capacity": 0}, HOURS, "capacity must be"),
        ({"hourly_share": 0}, HOURS, "hourly_share must be more than 0"),
        ({"hourly_share": 1.5}, HOURS, "hourly_share must be more than 0"),
        ({"capacity": 1, "hourly_share": 0.5}, HOURS, "leaves no slot a booking"),
        ({"cash": {"yuan": 5}}, HOURS, "3 capital letters"),
        ({"cash": {}}, HOURS, "at least one currency"),
        ({"slot": 30}, HOURS, "unexpected keyword argument 'slot'"),
    ],
)
def test_bad_appointment_types_are_refused_saying_why(appointment, hours, said):
    with pytest.raises(LayoutError, match=said):
        from_dict("sjm01", booked_layout(appointment, hours))


def test_slots_fill_each_opening_span_and_know_their_hour():
    hours = opening.from_dict({"weekly": {"mon": ["09:00-10:40", "13:00-14:00"]}})
    appointment = appts.Appointment(slot_minutes=30, capacity=3, hourly_share=0.5)
    day = date(2026, 9, 28)  # a Monday
    found = appts.slots(appointment, hours, day, SHANGHAI)
    assert [clock(s.start) for s in found] == ["09:00", "09:30", "10:00", "13:00", "13:30"]
    assert [s.slots_in_hour for s in found] == [2, 2, 1, 2, 2]
    assert [appointment.hour_limit(s.slots_in_hour) for s in found] == [3, 3, 1, 3, 3]
    assert appts.slots(appointment, hours, date(2026, 9, 29), SHANGHAI) == []  # a Tuesday: closed


def test_booking_windows_ahead_and_late():
    hours = opening.from_dict(HOURS)
    appointment = appts.Appointment(book_ahead_days=2, book_until_minutes=60)
    slot = appts.find_slot(appointment, hours, date(2026, 9, 30), "10:00", SHANGHAI)
    appts.check_when(appointment, slot, at("2026-09-28 08:00"), SHANGHAI)
    with pytest.raises(appts.BookingRefused, match="2 day"):
        appts.check_when(appointment, slot, at("2026-09-27 23:00"), SHANGHAI)
    with pytest.raises(appts.BookingRefused, match="close 60 minutes before"):
        appts.check_when(appointment, slot, at("2026-09-30 09:01"), SHANGHAI)
    with pytest.raises(appts.BookingRefused, match="no slot at 10:10"):
        appts.find_slot(appointment, hours, date(2026, 9, 30), "10:10", SHANGHAI)


def test_a_large_withdrawal_is_booked_by_the_close_of_the_business_day_before():
    hours = opening.from_dict(HOURS)
    appointment = from_dict("sjm01", booked_layout()).category("cash").appointment  # type: ignore[union-attr]
    assert appointment is not None
    monday = appts.find_slot(appointment, hours, date(2026, 10, 12), "09:30", SHANGHAI)

    def check(amount: int, currency: str, now: str) -> None:
        appts.check_cash(appointment, hours, amount, currency, monday, at(now), SHANGHAI)

    check(500_000, "CNY", "2026-10-09 16:59")  # Friday before closing
    with pytest.raises(appts.BookingRefused, match="needed booking by 2026-10-09 17:00"):
        check(500_000, "CNY", "2026-10-10 10:00")  # Saturday: no business day left to prepare
    check(50_000, "CNY", "2026-10-12 09:00")  # at the threshold: the same day will do
    with pytest.raises(appts.BookingRefused, match="over 10000 USD"):
        check(10_001, "USD", "2026-10-12 09:00")
    with pytest.raises(appts.BookingRefused, match="one of CNY, USD"):
        check(100, "EUR", "2026-10-09 09:00")
    with pytest.raises(appts.BookingRefused, match="needs the amount"):
        appts.check_cash(appointment, hours, None, None, monday, at("2026-10-09 09:00"), SHANGHAI)
