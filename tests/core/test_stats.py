"""The figures of a business day on a hand-built day whose answers are worked out by hand.

The same day is checked through the pure ``app.rules.stats.day_stats`` and, played through
the API with a moved clock, through ``GET …/stats`` and ``GET …/stats.csv``.

The day (Shanghai):
  T1  personal  09:00 issued, 09:01 called at 1, 09:02–09:07 served, score 1
  T2  personal  09:00 issued, 09:03 called at 2, 09:03–09:05 served, score 2
  T3  corporate 09:10 issued, 09:15 called at 3, no-show
  T4  corporate 09:10 issued, 09:20 called at 3, 09:21–09:31 served, score 4
  T5  personal  09:30 issued, cancelled
  T6  personal  10:00 issued, 10:40 called at 1, 10:41–10:44 served, score 3
  T7  fx        10:05 issued, never called
  T8  fx        11:00 issued, never called
  T9  fx        11:00 issued, 11:01 called at 2, 11:01–11:11 served, not rated
  T10 personal  11:30 issued, 11:40 called at 1, 11:40–11:45 served, score 2

Waits of called tickets: 60 180 300 600 2400 60 600 -> sorted 60 60 180 300 600 600 2400:
avg 600, nearest-rank p50 = 4th = 300, p90 = 7th = 2400, max 2400.
Service times: 300 120 600 180 600 300 -> avg 350, p50 = 3rd of 120 180 300 300 600 600 = 300,
p90 = 6th = 600, max 600. Ratings 1 2 4 3 2: satisfaction 3/5 = 0.6.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.rules.stats import day_stats
from app.rules.tickets import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = "2027-01-15"

WAIT = {"avg": 600.0, "p50": 300.0, "p90": 2400.0, "max": 2400.0}
SERVICE = {"avg": 350.0, "p50": 300.0, "p90": 600.0, "max": 600.0}


def at(hhmm: str, day: str = DAY) -> float:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(datetime.fromisoformat(day).date(), time(h, m), SHANGHAI).timestamp()


def _t(n, category, status, issued, called=None, started=None, finished=None, counter=None, score=None):
    return Ticket(
        id=f"t{n}",
        branch="sh",
        day=DAY,
        number=f"X{n:03d}",
        category=category,
        priority="normal",
        status=status,
        issued_at=at(issued),
        queued_at=at(issued),
        issue_seq=n,
        called_at=at(called) if called else None,
        started_at=at(started) if started else None,
        finished_at=at(finished) if finished else None,
        counter=counter,
        score=score,
    )


def hand_built_day(last_fx_status: str = "waiting", t7_status: str = "expired") -> list[Ticket]:
    return [
        _t(1, "personal", "done", "09:00", "09:01", "09:02", "09:07", 1, 1),
        _t(2, "personal", "done", "09:00", "09:03", "09:03", "09:05", 2, 2),
        _t(3, "corporate", "no_show", "09:10", "09:15", None, "09:15", 3),
        _t(4, "corporate", "done", "09:10", "09:20", "09:21", "09:31", 3, 4),
        _t(5, "personal", "cancelled", "09:30", finished="09:30"),
        _t(6, "personal", "done", "10:00", "10:40", "10:41", "10:44", 1, 3),
        _t(7, "fx", t7_status, "10:05"),
        _t(8, "fx", last_fx_status, "11:00"),
        _t(9, "fx", "done", "11:00", "11:01", "11:01", "11:11", 2),
        _t(10, "personal", "done", "11:30", "11:40", "11:40", "11:45", 1, 2),
    ]


def check_day(s: dict, *, waiting: int, expired: int) -> None:
    assert s["date"] == DAY or s["date"]
    assert (s["issued"], s["served"], s["no_show"], s["cancelled"]) == (10, 6, 1, 1)
    assert (s["waiting"], s["expired"]) == (waiting, expired)
    assert s["abandonment_rate"] == pytest.approx((1 + 1 + expired) / 10)
    assert s["abandoned"] == 1 + 1 + expired  # the count beside the rate: no-show + cancelled + expired
    for key, value in WAIT.items():
        assert s["wait_s"][key] == pytest.approx(value, abs=0.5), ("wait", key)
    for key, value in SERVICE.items():
        assert s["service_s"][key] == pytest.approx(value, abs=0.5), ("service", key)
    assert s["ratings"] == 5 and s["scores"] == {"1": 1, "2": 2, "3": 1, "4": 1}
    assert s["satisfaction_rate"] == pytest.approx(0.6)
    assert s["score_avg"] == pytest.approx(2.4)  # (1 + 2 + 4 + 3 + 2) / 5, 1 the best

    by_cat = {c["category"]: c for c in s["by_category"]}
    assert set(by_cat) == {"personal", "corporate", "fx"}
    assert (by_cat["personal"]["issued"], by_cat["personal"]["served"], by_cat["personal"]["cancelled"]) == (5, 4, 1)
    assert by_cat["personal"]["wait_s"]["max"] == pytest.approx(2400, abs=0.5)
    assert (by_cat["corporate"]["issued"], by_cat["corporate"]["served"], by_cat["corporate"]["no_show"]) == (2, 1, 1)
    assert by_cat["corporate"]["abandonment_rate"] == pytest.approx(0.5)
    assert by_cat["corporate"]["satisfaction_rate"] == pytest.approx(0.0)
    assert (by_cat["fx"]["issued"], by_cat["fx"]["served"], by_cat["fx"]["ratings"]) == (3, 1, 0)
    assert by_cat["fx"]["satisfaction_rate"] is None

    by_counter = {c["counter"]: c for c in s["by_counter"]}
    assert sorted(by_counter) == [1, 2, 3]
    assert by_counter[1]["served"] == 3 and by_counter[2]["served"] == 2
    # the dashboard's per-counter line: served, average service, satisfaction
    assert by_counter[1]["service_s"]["avg"] == pytest.approx(260.0)  # 300 180 300
    assert by_counter[1]["score_avg"] == 2.0
    assert by_counter[1]["satisfaction_rate"] == pytest.approx(2 / 3, abs=0.001)
    assert by_counter[3]["score_avg"] == 4.0 and by_counter[3]["satisfaction_rate"] == 0.0
    assert by_counter[2]["service_s"]["avg"] == pytest.approx(360.0)  # 120 600
    assert by_counter[2]["ratings"] == 1 and by_counter[2]["score_avg"] == 2.0
    assert (by_counter[3]["served"], by_counter[3]["no_show"]) == (1, 1)
    # counter 3: 600 s of service between its first call (09:15) and its last finish (09:31)
    assert by_counter[3]["utilisation"] == pytest.approx(600 / 960, abs=0.002)
    # counter 1: 300 + 180 + 300 s between 09:01 and 11:45
    assert by_counter[1]["utilisation"] == pytest.approx(780 / 9840, abs=0.002)

    by_hour = {h["hour"]: h["issued"] for h in s["by_hour"]}
    assert by_hour == {9: 5, 10: 2, 11: 3}


def test_day_stats_on_a_hand_built_day():
    s = day_stats(DAY, hand_built_day(), SHANGHAI)
    assert s["date"] == DAY
    check_day(s, waiting=1, expired=1)


def test_day_stats_of_an_empty_day():
    s = day_stats(DAY, [], SHANGHAI)
    assert (s["issued"], s["served"], s["abandonment_rate"], s["satisfaction_rate"]) == (0, 0, None, None)
    assert s["wait_s"] == {"avg": None, "p50": None, "p90": None, "max": None}
    assert (s["abandoned"], s["score_avg"]) == (0, None)
    assert s["by_category"] == [] and s["by_counter"] == [] and s["by_hour"] == []


def test_percentiles_are_nearest_rank():
    tickets = [
        Ticket(
            id=f"w{i}",
            branch="sh",
            day=DAY,
            number=f"W{i:03d}",
            category="personal",
            priority="normal",
            status="done",
            issued_at=at("09:00"),
            queued_at=at("09:00"),
            issue_seq=i,
            called_at=at("09:00") + wait,
            started_at=at("09:00") + wait,
            finished_at=at("09:00") + wait + 1,
        )
        for i, wait in enumerate(range(10, 110, 10), start=1)  # waits 10..100
    ]
    s = day_stats(DAY, tickets, SHANGHAI)
    assert s["wait_s"] == {"avg": 55.0, "p50": 50.0, "p90": 90.0, "max": 100.0}


def _waited(waits: list[int], statuses: list[str] | None = None) -> list[Ticket]:
    statuses = statuses or ["done"] * len(waits)
    return [
        Ticket(
            id=f"p{i}",
            branch="sh",
            day=DAY,
            number=f"P{i:03d}",
            category="personal",
            priority="normal",
            status=status,
            issued_at=at("09:00"),
            queued_at=at("09:00"),
            issue_seq=i,
            called_at=at("09:00") + wait if wait is not None else None,
        )
        for i, (wait, status) in enumerate(zip(waits, statuses, strict=True), start=1)
    ]


@pytest.mark.parametrize(
    ("waits", "p90"),
    [
        ([42], 42.0),  # one wait is its own p90
        ([10, 20, 30], 30.0),  # ceil(0.9 × 3) = 3rd
        (list(range(1, 21)), 18.0),  # ceil(0.9 × 20) = 18th
        (list(range(1, 22)), 19.0),  # ceil(0.9 × 21) = 19th: never between two waits
        ([300, 5, 60, 5, 5, 5, 5, 5, 5, 5], 60.0),  # order of issue does not matter
    ],
)
def test_p90_wait_is_the_nearest_rank(waits, p90):
    assert day_stats(DAY, _waited(waits), SHANGHAI)["wait_s"]["p90"] == p90


def test_estimate_error_median_and_p90_in_seconds_and_percent():
    # real waits 30, 100, 200, 400, 600 s against promises of 0, 100, 300, 300, 900 s
    tickets = [
        dataclasses.replace(t, estimated_wait_s=promised)
        for t, promised in zip(_waited([30, 100, 200, 400, 600]), [0, 100, 300, 300, 900], strict=True)
    ]
    tickets.append(_waited([None], ["waiting"])[0])  # not called yet: not counted
    error = day_stats(DAY, tickets, SHANGHAI)["estimate_error"]
    # errors 30, 0, 100, 100, 300 s; in percent of waits of a minute or more: 0, 50, 25, 50
    assert error == {"count": 5, "p50_s": 100.0, "p90_s": 300.0, "p50_pct": 25.0, "p90_pct": 50.0}
    empty = day_stats(DAY, [], SHANGHAI)["estimate_error"]
    assert empty == {"count": 0, "p50_s": None, "p90_s": None, "p50_pct": None, "p90_pct": None}


def test_abandonment_counts_no_shows_and_cancellations_of_the_issued():
    # 8 issued: 3 served, 2 no-shows, 1 cancelled, 2 still waiting (not abandoned yet)
    statuses = ["done", "done", "done", "no_show", "no_show", "cancelled", "waiting", "waiting"]
    waits = [60, 60, 60, 120, 120, None, None, None]
    s = day_stats(DAY, _waited(waits, statuses), SHANGHAI)
    assert (s["abandoned"], s["no_show"], s["cancelled"], s["waiting"]) == (3, 2, 1, 2)
    assert s["abandonment_rate"] == pytest.approx(3 / 8)
    # the no-shows were called: their waits count, the cancelled and waiting ones have none
    assert s["wait_s"]["avg"] == pytest.approx(84.0)


def next_local(hhmm: str, now: float) -> float:
    """The next moment (strictly after now) the branch's clock shows hh:mm."""
    h, m = map(int, hhmm.split(":"))
    local = datetime.fromtimestamp(now, SHANGHAI)
    target = datetime.combine(local.date(), time(h, m), SHANGHAI)
    if target.timestamp() <= now:
        target = datetime.combine(local.date() + timedelta(days=1), time(h, m), SHANGHAI)
    return target.timestamp()


async def test_stats_and_csv_through_the_api(api):
    b = await api.branch(code="sh01")
    start = next_local("08:59", api.clock())
    api.clock.advance(start - api.clock())
    day = datetime.fromtimestamp(api.clock(), SHANGHAI).date().isoformat()

    def to(hhmm: str) -> None:
        api.clock.advance(at(hhmm, day) - api.clock())

    async def ok(response, status=200):
        assert response.status_code == status, response.text
        return response.json() if status != 204 else None

    async def rate(counter: int, score: int) -> None:
        await ok(await b.as_("agent", "POST", f"/counters/{counter}/evaluation", json={"score": score}))

    for n in (1, 2, 3):
        await b.open(n)
    to("09:00")
    t1 = await b.issue("personal")
    t2 = await b.issue("personal")
    to("09:01")
    assert (await ok(await b.teller(1, "call-next")))["id"] == t1["id"]
    to("09:02")
    await ok(await b.teller(1, "start"))
    to("09:03")
    assert (await ok(await b.teller(2, "call-next")))["id"] == t2["id"]
    await ok(await b.teller(2, "start"))
    to("09:05")
    await ok(await b.teller(2, "finish"))
    await rate(2, 2)
    to("09:07")
    await ok(await b.teller(1, "finish"))
    await rate(1, 1)
    to("09:10")
    t3 = await b.issue("corporate")
    t4 = await b.issue("corporate")
    to("09:15")
    assert (await ok(await b.teller(3, "call-next")))["id"] == t3["id"]
    await ok(await b.teller(3, "skip"))
    to("09:20")
    assert (await ok(await b.teller(3, "call-next")))["id"] == t4["id"]
    to("09:21")
    await ok(await b.teller(3, "start"))
    to("09:30")
    t5 = await b.issue("personal")
    await ok(await b.manager("POST", f"/tickets/{t5['id']}/cancel"))
    to("09:31")
    await ok(await b.teller(3, "finish"))
    await rate(3, 4)
    to("10:00")
    t6 = await b.issue("personal")
    to("10:05")
    await b.issue("fx")  # T7
    to("10:40")
    assert (await ok(await b.teller(1, "call-next")))["id"] == t6["id"]
    to("10:41")
    await ok(await b.teller(1, "start"))
    to("10:44")
    await ok(await b.teller(1, "finish"))
    await rate(1, 3)
    to("11:00")
    await b.issue("fx")  # T8
    t9 = await b.issue("fx")
    to("11:01")
    assert (await ok(await b.teller(2, f"call/{t9['id']}")))["id"] == t9["id"]
    await ok(await b.teller(2, "start"))
    to("11:11")
    await ok(await b.teller(2, "finish"))
    to("11:30")
    t10 = await b.issue("personal")
    to("11:40")
    assert (await ok(await b.teller(1, "call-next")))["id"] == t10["id"]
    await ok(await b.teller(1, "start"))
    to("11:45")
    await ok(await b.teller(1, "finish"))
    await rate(1, 2)
    to("12:00")

    # today, by default and by date: T7 and T8 still wait
    today = await ok(await b.manager("GET", "/stats"))
    assert today["date"] == day and today["branch"] == "sh01"
    check_day(today, waiting=2, expired=0)
    assert await ok(await b.manager("GET", f"/stats?date={day}")) == today

    r = await b.manager("GET", f"/stats.csv?date={day}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 10
    assert [row["number"] for row in rows] == [
        "A001",
        "A002",
        "B001",
        "B002",
        "A003",
        "A004",
        "C001",
        "C002",
        "C003",
        "A005",
    ]
    assert [row["status"] for row in rows].count("done") == 6
    by_number = {row["number"]: row for row in rows}
    assert by_number["B002"]["score"] == "4" and by_number["B002"]["counter"] == "3"
    assert by_number["B001"]["status"] == "no_show" and by_number["A003"]["status"] == "cancelled"
    assert by_number["A001"]["issued_at"].startswith(f"{day}T09:00") and by_number["A001"]["issued_at"].endswith(
        "+08:00"
    )

    # after the rollover, the same day's figures count the two as expired (abandoned)
    api.clock.advance(next_local("00:05", api.clock()) - api.clock())
    await b.issue("personal")  # the first touch of the new day
    check_day(await ok(await b.manager("GET", f"/stats?date={day}")), waiting=0, expired=2)
    assert (await ok(await b.manager("GET", "/stats")))["issued"] == 1

    # an unknown or malformed date
    r = await b.manager("GET", "/stats?date=2027-13-45")
    assert r.status_code == 422
    empty = await ok(await b.manager("GET", "/stats?date=2001-01-01"))
    assert empty["issued"] == 0


async def test_csv_opens_in_excel_on_a_chinese_pc_and_is_named_after_its_day(api):
    """Excel takes a CSV without a byte-order mark for the PC's code page (GBK on a
    Chinese Windows) and shows 王芳 as mojibake: the file starts with the UTF-8 BOM, and
    it is saved under a name that says which branch and which day it holds."""
    b = await api.branch(code="sh01")
    await b.open(1, teller="王芳")
    issued = await b.issue("personal")
    r = await b.teller(1, "call-next", teller="王芳")
    assert r.status_code == 200, r.text
    assert (await b.teller(1, "finish", teller="王芳")).status_code == 200
    day = issued["day"]

    for query in ("", f"?date={day}"):
        r = await b.manager("GET", f"/stats.csv{query}")
        assert r.status_code == 200, r.text
        assert r.content.startswith(b"\xef\xbb\xbf"), r.content[:8]
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.headers["content-disposition"] == f'attachment; filename="lobbyq-stats-sh01-{day}.csv"'
        text = r.content.decode("utf-8-sig")
        assert not text.startswith("\ufeff")  # one mark, not two
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(row["number"], row["teller"], row["status"]) for row in rows] == [(issued["number"], "王芳", "done")]
        assert list(rows[0])[0] == "id"  # the first column's name is clean once the mark is read

    # a past day is named after that day
    r = await b.manager("GET", "/stats.csv?date=2001-01-01")
    assert r.content.startswith(b"\xef\xbb\xbfid,number,")
    assert 'filename="lobbyq-stats-sh01-2001-01-01.csv"' in r.headers["content-disposition"]
