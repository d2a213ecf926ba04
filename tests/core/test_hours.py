"""Opening hours (issue #13 item 1): the pure rule, the layout's checks, and the kiosk
refused outside them with when the branch opens."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.rules import hours as opening
from app.rules.layout import LayoutError, from_dict, to_dict
from app.sample_branch import SAMPLE_BRANCH

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = {
    "weekly": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-10-01"],
    "special_days": {"2026-09-27": ["09:00-12:00"], "2026-10-02": []},
}


def at(text: str, zone: ZoneInfo = SHANGHAI) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def local(moment: float | None, zone: ZoneInfo = SHANGHAI) -> str:
    assert moment is not None
    return datetime.fromtimestamp(moment, zone).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("moment", "is_open", "opens"),
    [
        ("2026-09-29 10:00", True, "2026-09-29 10:00"),  # a Tuesday morning
        ("2026-09-29 12:30", False, "2026-09-29 13:00"),  # lunch
        ("2026-09-29 17:00", False, "2026-09-30 09:00"),  # the end is not open
        ("2026-09-29 08:59", False, "2026-09-29 09:00"),
        ("2026-09-30 18:00", False, "2026-10-05 09:00"),  # holiday, closed special day, weekend
        ("2026-09-27 11:00", True, "2026-09-27 11:00"),  # a working Sunday
        ("2026-09-27 13:30", False, "2026-09-28 09:00"),
        ("2026-10-01 10:00", False, "2026-10-05 09:00"),
    ],
)
def test_open_and_next_opening(moment, is_open, opens):
    hours = opening.from_dict(HOURS)
    assert opening.is_open(hours, SHANGHAI, at(moment)) is is_open
    assert local(opening.next_opening(hours, SHANGHAI, at(moment))) == opens


def test_no_hours_is_always_open():
    assert opening.is_open(None, SHANGHAI, at("2026-10-01 03:00"))
    assert opening.next_opening(None, SHANGHAI, 123.0) == 123.0


def test_hours_follow_the_branch_zone_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    hours = opening.from_dict({"weekly": {"mon": ["09:00-17:00"]}})
    # Sunday 29 March 2026 the clocks go forward; Monday opens at 09:00 local, 07:00 UTC.
    opens = opening.next_opening(hours, berlin, at("2026-03-28 12:00", berlin))
    assert local(opens, berlin) == "2026-03-30 09:00"
    assert datetime.fromtimestamp(opens, ZoneInfo("UTC")).hour == 7  # type: ignore[arg-type]


def test_never_open_says_so():
    hours = opening.from_dict({"weekly": {}})
    assert opening.next_opening(hours, SHANGHAI, at("2026-09-29 10:00")) is None
    assert "further notice" in opening.closed_message(hours, SHANGHAI, at("2026-09-29 10:00"), "en")


def test_closed_message_in_the_branch_language():
    hours = opening.from_dict(HOURS)
    moment = at("2026-09-29 12:30")
    assert opening.closed_message(hours, SHANGHAI, moment, "zh-CN") == "本网点现在不营业，将于2026-09-29 13:00开始营业"
    assert (
        opening.closed_message(hours, SHANGHAI, moment, "en")
        == "the branch is closed now; it opens at 2026-09-29 13:00"
    )


def test_layout_round_trips_its_hours_and_a_layout_without_keeps_its_shape():
    layout = from_dict("sjm01", {**SAMPLE_BRANCH, "hours": HOURS})
    assert layout.hours is not None
    again = to_dict(layout)["hours"]
    assert again == {**HOURS, "special_days": {"2026-09-27": ["09:00-12:00"], "2026-10-02": []}}
    assert "hours" not in to_dict(from_dict("sjm01", SAMPLE_BRANCH))


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        ({"weekly": {"mon": ["9:00-17:00"]}}, "must read HH:MM-HH:MM"),
        ({"weekly": {"mon": ["17:00-09:00"]}}, "must end after they start"),
        ({"weekly": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"weekly": {"monday": ["09:00-12:00"]}}, "hours.weekly names days"),
        ({"holidays": ["2026-02-30"]}, "not a calendar day"),
        ({"weekly": {}, "closed": []}, "unknown field 'closed'"),
    ],
)
def test_bad_hours_are_refused_saying_why(hours, said):
    with pytest.raises(LayoutError, match=said):
        from_dict("sjm01", {**SAMPLE_BRANCH, "hours": hours})


def branch_with_hours(locale: str = "zh-CN") -> dict:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["locale"] = locale
    layout["hours"] = {"weekly": {d: ["09:00-17:00"] for d in opening.WEEKDAYS}}
    return layout


async def test_the_kiosk_is_refused_outside_hours_and_told_when_the_branch_opens(api):
    b = await api.branch(branch_with_hours("en"))
    api.clock.advance_to(20, "Asia/Shanghai")
    r = await b.as_("kiosk", "POST", "/tickets", json={"category": "personal"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "branch_closed"
    assert r.json()["message"].startswith("the branch is closed now; it opens at ")
    assert r.json()["message"].endswith(" 09:00")
    # the lobby manager may still issue (the last customer let in before closing)
    assert (await b.as_("manager", "POST", "/tickets", json={"category": "personal"})).status_code == 201
    api.clock.advance_to(10, "Asia/Shanghai")
    assert (await b.issue("personal"))["number"] == "A001"  # the next day: a new numbering


async def test_the_layout_api_answers_the_hours_and_refuses_bad_ones(api):
    b = await api.branch(branch_with_hours())
    r = await b.as_("manager", "GET", "")
    assert r.json()["hours"]["weekly"]["sun"] == ["09:00-17:00"]
    bad = {**branch_with_hours(), "hours": {"weekly": {"mon": ["25:00-26:00"]}}}
    r = await api.request("PUT", "/api/v1/branches/sjm01", api.admin, json=bad)
    assert r.status_code == 422 and "HH:MM-HH:MM" in r.json()["message"], r.text
