"""The business day is the calendar day in the branch's own timezone (docs/domain.md).

At local midnight the numbers restart and tickets still waiting become ``expired``, with
one ``ticket.expired`` event each; ``stats?date=`` means the local day. A branch in
Shanghai and one in New York roll over at different instants of the same clock.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter as Tally
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.rules.business_day import day_bounds, day_of
from app.sample_branch import SAMPLE_BRANCH

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def seconds_to_midnight(now: float, zone: ZoneInfo) -> float:
    local = datetime.fromtimestamp(now, zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), zone)
    return midnight.timestamp() - now


def layout_in(zone: str) -> dict:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["timezone"] = zone
    layout["policy"]["alert_queue_length"] = None
    return layout


async def expired_events(b) -> list[dict]:
    return [e for e in await b.events() if e["type"] == "ticket.expired"]


def test_day_of_and_bounds_use_the_local_calendar():
    moment = datetime(2027, 1, 15, 16, 30, tzinfo=ZoneInfo("UTC")).timestamp()  # 00:30 on the 16th in Shanghai
    assert day_of(moment, SHANGHAI) == "2027-01-16"
    assert day_of(moment, NEW_YORK) == "2027-01-15"
    start, end = day_bounds("2027-01-16", SHANGHAI)
    assert start <= moment < end and end - start == 86400
    # DST days in New York are 23 and 25 hours long
    start, end = day_bounds("2027-03-14", NEW_YORK)
    assert end - start == 23 * 3600
    start, end = day_bounds("2027-11-07", NEW_YORK)
    assert end - start == 25 * 3600


async def test_numbers_restart_and_waiting_tickets_expire_at_local_midnight(api):
    sh = await api.branch(layout_in("Asia/Shanghai"), code="sh01")
    ny = await api.branch(layout_in("America/New_York"), code="ny01")
    api.clock.advance(seconds_to_midnight(api.clock(), SHANGHAI) - 120)  # 23:58 in Shanghai
    old_day = day_of(api.clock(), SHANGHAI)
    ny_day = day_of(api.clock(), NEW_YORK)

    await sh.open(1)
    a1 = await sh.issue("personal")
    a2 = await sh.issue("personal")
    b1 = await sh.issue("corporate")
    d1 = await sh.issue("wealth")
    assert [t["number"] for t in (a1, a2, b1, d1)] == ["A001", "A002", "B001", "D001"]
    assert a1["issued_at"].endswith("+08:00") and a1["day"] == old_day
    called = await sh.teller(1, "call-next")
    assert called.json()["id"] == a1["id"]
    cancelled = await sh.issue("personal")
    await sh.manager("POST", f"/tickets/{cancelled['id']}/cancel")
    ny1 = await ny.issue("personal")
    assert ny1["number"] == "A001"

    api.clock.advance(180)  # 00:01 in Shanghai, the middle of the day in New York
    new_day = day_of(api.clock(), SHANGHAI)
    assert new_day == (date.fromisoformat(old_day) + timedelta(days=1)).isoformat()
    # even before anything is written, the snapshot shows nobody from yesterday waiting
    state = await sh.state()
    assert state["date"] == new_day and state["waiting"] == []
    assert all(c["waiting"] == 0 for c in state["categories"])

    fresh = await sh.issue("personal")
    assert fresh["number"] == "A001" and fresh["day"] == new_day and fresh["ahead"] == 0
    assert (await sh.issue("corporate"))["number"] == "B001"
    # the first touch expired yesterday's waiting tickets, one event each
    expired = await expired_events(sh)
    assert sorted(e["data"]["id"] for e in expired) == sorted([a2["id"], b1["id"], d1["id"]])
    assert all(e["data"]["status"] == "expired" for e in expired)
    for t in (a2, b1, d1):
        r = await sh.manager("GET", f"/tickets/{t['id']}")
        assert r.json()["status"] == "expired"
    # not the called, cancelled ones
    assert (await sh.manager("GET", f"/tickets/{a1['id']}")).json()["status"] == "called"
    assert (await sh.manager("GET", f"/tickets/{cancelled['id']}")).json()["status"] == "cancelled"
    # an expired ticket cannot come back
    r = await sh.teller(1, "finish")
    assert r.status_code == 200
    r = await sh.teller(1, f"call/{a2['id']}")
    assert r.status_code == 409 and "已过期" in r.json()["message"]  # the branch speaks zh-CN
    r = await sh.manager("POST", f"/tickets/{b1['id']}/cancel")
    assert r.status_code == 409 and "已过期" in r.json()["message"]  # the branch speaks zh-CN

    # more writes (some at once) never expire anything twice, and numbering stays gapless
    issued = await asyncio.gather(*(sh.issue("wealth") for _ in range(5)))
    assert sorted(t["number"] for t in issued) == [f"D{i:03d}" for i in range(1, 6)]
    await sh.open(2)
    assert (await sh.teller(2, "call-next")).json()["id"] == fresh["id"]
    tally = Tally(e["data"]["id"] for e in await expired_events(sh))
    assert set(tally.values()) == {1} and len(tally) == 3

    # New York has not crossed its midnight: its numbering goes on, nothing expired
    assert day_of(api.clock(), NEW_YORK) == ny_day
    ny2 = await ny.issue("personal")
    assert ny2["number"] == "A002" and ny2["ahead"] == 1
    assert await expired_events(ny) == []

    # New York's midnight: its turn
    api.clock.advance(seconds_to_midnight(api.clock(), NEW_YORK) + 60)
    ny3 = await ny.issue("personal")
    assert ny3["number"] == "A001" and ny3["day"] != ny_day and ny3["issued_at"][-6:] in ("-05:00", "-04:00")
    assert sorted(e["data"]["id"] for e in await expired_events(ny)) == sorted([ny1["id"], ny2["id"]])

    # stats by the local day: the 00:01 ticket is on the new Shanghai day, though in UTC it
    # still belongs to the previous date
    r = await sh.manager("GET", f"/stats?date={old_day}")
    assert r.status_code == 200, r.text
    old = r.json()
    assert old["date"] == old_day
    assert (old["issued"], old["expired"], old["cancelled"], old["served"]) == (5, 3, 1, 1)
    assert [h["hour"] for h in old["by_hour"]] == [23]
    r = await sh.manager("GET", f"/stats?date={new_day}")
    new = r.json()
    assert new["issued"] == 7 and [h["hour"] for h in new["by_hour"]] == [0]
    csv_new = (await sh.manager("GET", f"/stats.csv?date={new_day}")).text.splitlines()
    assert len(csv_new) == 1 + 7 and all("+08:00" in line for line in csv_new[1:])
    # the tickets list of a day uses the local day as well
    r = await sh.manager("GET", "/tickets")
    assert len(r.json()["tickets"]) == 7


async def test_postponed_and_no_show_tickets_do_not_expire(api):
    """Only waiting tickets expire at the rollover (§2); the others keep their state."""
    sh = await api.branch(layout_in("Asia/Shanghai"), code="sh02")
    api.clock.advance(seconds_to_midnight(api.clock(), SHANGHAI) - 60)
    await sh.open(1)
    p = await sh.issue("personal")
    n = await sh.issue("personal")
    await sh.teller(1, "call-next")
    await sh.teller(1, "postpone")
    await sh.teller(1, "call-next")
    await sh.teller(1, "skip")
    api.clock.advance(120)
    await sh.issue("personal")
    assert await expired_events(sh) == []
    assert (await sh.manager("GET", f"/tickets/{p['id']}")).json()["status"] == "postponed"
    assert (await sh.manager("GET", f"/tickets/{n['id']}")).json()["status"] == "no_show"


async def test_reads_see_yesterdays_waiting_ticket_expired(api):
    """Expiry is lazy, but no read shows a ticket of an earlier day as still waiting."""
    b = await api.branch()
    ticket = await b.issue("personal")
    api.clock.advance(86400)
    r = await b.as_("manager", "GET", f"/tickets/{ticket['id']}")
    assert r.status_code == 200 and r.json()["status"] == "expired"
    tracked = await api.request("GET", f"/api/v1/track/{ticket['track_token']}")
    assert tracked.json()["status"] == "expired"
    assert [e["type"] for e in await b.events()].count("ticket.expired") == 1
