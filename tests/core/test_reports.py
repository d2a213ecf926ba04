"""Reports of a day or a range of days, on a day played through the API whose answers are
worked out by hand, and the pure rules on small hand-built cases.

The day (Shanghai; counter 1 王芳, 2 李雷, 3 张伟):
  P1 personal  09:00 issued, 09:02 called at 1, 09:02–09:07 served, score 1
  P2 personal  09:00 issued, 09:04 called at 2, 09:04–09:10 served, score 4
  C1 corporate 09:00 issued, 09:05 called at 3, 09:05–09:25 served, score 2
  P3 personal  09:10 issued, 09:15 called at 1, no-show
  P4 personal  09:20 issued, cancelled
  P5 personal  10:00 issued, 10:05 called at 1, 10:05–10:15 served, score 2
  P6 personal  10:00 issued, 10:10 called at 2, 10:10–10:30 served, not rated
  P7 personal  10:00 issued, 10:20 called at 1, 10:20–10:35 served, score 1
  P8 personal  11:00 issued, still waiting

Waits of called tickets: 120 240 300 300 300 600 1200 s: p50 = 4th = 300, p90 = 7th = 1200,
mean 437.1; the longest (1200 s) needs 2-minute bins (1-minute ones stop at 20 minutes).
Personal service 300 360 600 1200 900 -> mean 672 s; corporate 1200 s.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest

from app.rules.reports import RangeError, branch_report, date_range, wait_histogram
from app.rules.staffing import counters_needed
from app.rules.stats import day_stats
from app.rules.tickets import Ticket
from tests.core.test_stats import SHANGHAI, at, next_local
from tests.support.client import Clock
from tests.support.csv_answer import csv_rows

HOURLY = [
    {"hour": 9, "arrivals": 5, "served": 3, "abandoned": 2, "no_show": 1, "cancelled": 1, "abandonment_rate": 0.4},
    {"hour": 10, "arrivals": 3, "served": 3, "abandoned": 0, "no_show": 0, "cancelled": 0, "abandonment_rate": 0.0},
    {"hour": 11, "arrivals": 1, "served": 0, "abandoned": 0, "no_show": 0, "cancelled": 0, "abandonment_rate": 0.0},
]
# counter → (teller, served, no-shows, mean service, satisfaction, mean score, utilisation)
PEOPLE = {
    1: ("王芳", 3, 1, 600.0, 1.0, 1.33, 1800 / 5580),  # 09:02 → 10:35
    2: ("李雷", 2, 0, 780.0, 0.0, 4.0, 1560 / 5160),  # 09:04 → 10:30
    3: ("张伟", 1, 0, 1200.0, 1.0, 2.0, 1.0),  # 09:05 → 09:25, busy throughout
}
# (category, hour) → arrivals, mean service, counters for a p90 under 10 minutes, worked
# out by hand from Erlang C: e.g. corporate at 9, λ = 1/h, 1200 s: one counter leaves
# P(W > 600 s) = ⅓·e^(−⅓) = 0.24 > 0.1; two leave C(2, ⅓)·e^(−5/6) = 0.048 × 0.43 = 0.02.
STAFFING = {
    ("corporate", 9): (1, 1200.0, 2),
    ("personal", 9): (4, 672.0, 2),
    ("personal", 10): (3, 672.0, 2),
    ("personal", 11): (1, 672.0, 1),
}


class StillClock(Clock):
    """A clock that moves only when the test moves it: a wait of 20 minutes is 1200 s, not
    1199.998, and falls in the histogram's bin the docstring says."""

    base = 0.0

    def __call__(self) -> float:
        return self.base + self.offset


async def play_the_day(api):
    """The day of the module's docstring through the API; answers the branch and the day."""
    api.clock.base = time.time()
    api.clock.__class__ = StillClock  # the app holds this very clock
    b = await api.branch(code="sh01")
    api.clock.advance(next_local("08:59", api.clock()) - api.clock())
    day = datetime.fromtimestamp(api.clock(), SHANGHAI).date().isoformat()
    tellers = {1: "王芳", 2: "李雷", 3: "张伟"}

    def to(hhmm: str) -> None:
        api.clock.advance(at(hhmm, day) - api.clock())

    async def ok(response):
        assert response.status_code == 200, response.text
        return response.json()

    async def call(counter: int) -> str:
        return (await ok(await b.teller(counter, "call-next", teller=tellers[counter])))["number"]

    async def act(counter: int, action: str) -> None:
        await ok(await b.teller(counter, action, teller=tellers[counter]))

    async def finish(counter: int, score: int | None) -> None:
        await act(counter, "finish")
        if score is not None:
            await ok(await b.as_("agent", "POST", f"/counters/{counter}/evaluation", json={"score": score}))

    for n, name in tellers.items():
        await b.open(n, teller=name)
    to("09:00")
    for category in ("personal", "personal", "corporate"):
        await b.issue(category)
    to("09:02")
    assert await call(1) == "A001"
    await act(1, "start")
    to("09:04")
    assert await call(2) == "A002"
    await act(2, "start")
    to("09:05")
    assert await call(3) == "B001"
    await act(3, "start")
    to("09:07")
    await finish(1, 1)
    to("09:10")
    await b.issue("personal")  # P3
    await finish(2, 4)
    to("09:15")
    assert await call(1) == "A003"
    await act(1, "skip")
    to("09:20")
    p4 = await b.issue("personal")
    await ok(await b.manager("POST", f"/tickets/{p4['id']}/cancel"))
    to("09:25")
    await finish(3, 2)
    to("10:00")
    for _ in range(3):
        await b.issue("personal")  # P5, P6, P7
    to("10:05")
    assert await call(1) == "A005"
    await act(1, "start")
    to("10:10")
    assert await call(2) == "A006"
    await act(2, "start")
    to("10:15")
    await finish(1, 2)
    to("10:20")
    assert await call(1) == "A007"
    await act(1, "start")
    to("10:30")
    await finish(2, None)
    to("10:35")
    await finish(1, 1)
    to("11:00")
    await b.issue("personal")  # P8
    to("12:00")
    return b, day


def check_report(r: dict, day: str) -> None:
    assert (r["branch"], r["from"], r["to"], r["days"], r["open_days"]) == ("sh01", day, day, 1, 1)
    assert r["timezone"] == "Asia/Shanghai"
    s = r["summary"]
    assert (s["issued"], s["served"], s["abandoned"], s["waiting"]) == (9, 6, 2, 1)
    assert s["utilisation"] == pytest.approx(4560 / 11940, abs=0.0002)

    hourly = [{k: h[k] for k in HOURLY[0]} for h in r["hourly"]]
    assert hourly == HOURLY
    assert r["hourly"][0]["wait_p90_s"] == 300.0  # 120 240 300 300 at nine
    assert r["hourly"][1]["wait_p90_s"] == 1200.0

    w = r["waits"]
    assert (w["count"], w["p50_s"], w["p90_s"], w["avg_s"], w["max_s"]) == (7, 300.0, 1200.0, 437.1, 1200.0)
    assert w["bin_s"] == 120
    counts = {b["from_s"]: b["count"] for b in w["bins"]}
    assert counts == {0: 0, 120: 1, 240: 4, 360: 0, 480: 0, 600: 1, 720: 0, 840: 0, 960: 0, 1080: 0, 1200: 1}
    assert w["bins"][-1] == {"from_s": 1200, "to_s": 1320, "count": 1}
    assert sum(counts.values()) == w["count"]

    by_counter = {c["counter"]: c for c in r["counters"]}
    by_teller = {t["teller"]: t for t in r["tellers"]}
    assert [t["teller"] for t in r["tellers"]] == sorted(by_teller)
    assert by_counter[1]["name"] == "1号窗口"
    for n, (teller, served, no_show, service, satisfaction, score, utilisation) in PEOPLE.items():
        for line in (by_counter[n], by_teller[teller]):
            assert (line["served"], line["no_show"]) == (served, no_show), (n, teller)
            assert line["service_avg_s"] == pytest.approx(service), (n, teller)
            assert line["satisfaction_rate"] == pytest.approx(satisfaction), (n, teller)
            assert line["score_avg"] == pytest.approx(score, abs=0.01), (n, teller)
            assert line["utilisation"] == pytest.approx(utilisation, abs=0.0002), (n, teller)
        assert by_teller[teller]["counters"] == [n]
    assert by_counter[2]["ratings"] == 1  # P6 was not rated

    staffing = r["staffing"]
    assert (staffing["wait_target_s"], staffing["within"]) == (600, 0.9)
    rows = {(x["category"], x["hour"]): x for x in staffing["rows"]}
    assert set(rows) == set(STAFFING)
    for key, (arrivals, service, needed) in STAFFING.items():
        row = rows[key]
        assert (row["arrivals_per_hour"], row["service_avg_s"], row["counters_needed"]) == (arrivals, service, needed)
        assert row["service_from"] == "measured"
        assert needed == counters_needed(arrivals / 3600, service, 600, 0.9)


async def test_a_days_report_through_the_api(api):
    b, day = await play_the_day(api)
    r = await b.manager("GET", f"/reports?from={day}")
    assert r.status_code == 200, r.text
    report = r.json()
    check_report(report, day)
    # the estimate's error is the day's figures' own
    stats = (await b.manager("GET", f"/stats?date={day}")).json()
    assert report["estimate_error"] == stats["estimate_error"]
    assert report["estimate_error"]["count"] == 7
    assert (report["summary"]["wait_s"], report["summary"]["satisfaction_rate"]) == (
        stats["wait_s"],
        stats["satisfaction_rate"],
    )
    # to= the same day, an admin, and a range with empty days around it say the same
    assert (await b.manager("GET", f"/reports?from={day}&to={day}")).json() == report
    assert (await api.request("GET", f"/api/v1/branches/sh01/reports?from={day}", api.admin)).json() == report
    before = (date.fromisoformat(day) - timedelta(days=3)).isoformat()
    after = (date.fromisoformat(day) + timedelta(days=2)).isoformat()
    wide = (await b.manager("GET", f"/reports?from={before}&to={after}")).json()
    assert (wide["days"], wide["open_days"]) == (6, 1)
    assert wide["staffing"] == report["staffing"] and wide["hourly"] == report["hourly"]

    # a 30-minute target needs fewer counters only where Erlang C says so (by hand:
    # corporate at nine ⅓·e^(−1) = 0.12 > 0.1 still needs two; an hour's target, one)
    relaxed = (await b.manager("GET", f"/reports?from={day}&target_minutes=60")).json()["staffing"]
    assert relaxed["wait_target_s"] == 3600
    needed = {(x["category"], x["hour"]): x["counters_needed"] for x in relaxed["rows"]}
    assert needed[("corporate", 9)] == 1 == counters_needed(1 / 3600, 1200, 3600)
    thirty = (await b.manager("GET", f"/reports?from={day}&target_minutes=30")).json()["staffing"]
    assert {(x["category"], x["hour"]): x["counters_needed"] for x in thirty["rows"]}[("corporate", 9)] == 2


async def test_each_table_downloads_as_csv_excel_reads(api):
    b, day = await play_the_day(api)
    report = (await b.manager("GET", f"/reports?from={day}")).json()
    for table in ("hourly", "waits", "counters", "tellers", "staffing"):
        r = await b.manager("GET", f"/reports.csv?table={table}&from={day}")
        rows = csv_rows(r)
        assert r.headers["content-disposition"] == f'attachment; filename="lobbyq-report-sh01-{day}-{table}.csv"'
        expected = {"waits": report["waits"]["bins"], "staffing": report["staffing"]["rows"]}.get(table, report[table])
        assert len(rows) == len(expected), table
    hourly = csv_rows(await b.manager("GET", f"/reports.csv?table=hourly&from={day}"))
    assert [(x["hour"], x["arrivals"], x["served"], x["abandoned"]) for x in hourly] == [
        ("9", "5", "3", "2"),
        ("10", "3", "3", "0"),
        ("11", "1", "0", "0"),
    ]
    tellers = csv_rows(await b.manager("GET", f"/reports.csv?table=tellers&from={day}"))
    assert {x["teller"]: (x["counters"], x["served"]) for x in tellers} == {
        "王芳": ("1", "3"),
        "李雷": ("2", "2"),
        "张伟": ("3", "1"),
    }
    staffing = csv_rows(await b.manager("GET", f"/reports.csv?table=staffing&from={day}&target_minutes=60"))
    assert {(x["category"], x["hour"]): x["counters_needed"] for x in staffing}[("corporate", "9")] == "1"
    # a range names both its days
    to = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    r = await b.manager("GET", f"/reports.csv?table=waits&from={day}&to={to}")
    assert f'filename="lobbyq-report-sh01-{day}_{to}-waits.csv"' in r.headers["content-disposition"]
    r = await b.manager("GET", f"/reports.csv?table=everything&from={day}")
    assert r.status_code == 422


async def test_the_admin_compares_branches_side_by_side(api):
    b, day = await play_the_day(api)
    other = await api.branch(code="bj02")
    await other.open(1, teller="赵敏")
    await other.issue("personal")
    assert (await other.teller(1, "call-next", teller="赵敏")).status_code == 200
    other_day = datetime.fromtimestamp(api.clock(), SHANGHAI).date().isoformat()
    assert other_day == day

    r = await api.request("GET", f"/api/v1/reports?from={day}", api.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == (day, day)
    lines = {x["branch"]: x for x in body["branches"]}
    assert set(lines) == {"sh01", "bj02"}
    sh = lines["sh01"]
    assert (sh["issued"], sh["served"], sh["abandoned"]) == (9, 6, 2)
    assert (sh["wait_avg_s"], sh["wait_p90_s"]) == (437.1, 1200.0)
    assert sh["abandonment_rate"] == pytest.approx(2 / 9, abs=0.0001)
    assert sh["satisfaction_rate"] == pytest.approx(4 / 5)  # 1 4 2 2 1
    assert sh["utilisation"] == pytest.approx(4560 / 11940, abs=0.0002)
    assert sh["name"] == "石景山支行"
    bj = lines["bj02"]
    assert (bj["issued"], bj["served"], bj["wait_p90_s"], bj["satisfaction_rate"]) == (1, 0, 0.0, None)

    rows = csv_rows(await api.request("GET", f"/api/v1/reports.csv?from={day}", api.admin))
    assert {x["branch"]: x["wait_p90_s"] for x in rows} == {"sh01": "1200.0", "bj02": "0.0"}


@pytest.mark.parametrize("role", ["teller", "kiosk", "display", "agent"])
async def test_only_the_manager_and_the_admin_read_a_branchs_report(api, role):
    b = await api.branch(code="sh01")
    for path in ("/reports?from=2027-01-15", "/reports.csv?table=hourly&from=2027-01-15"):
        r = await b.as_(role, "GET", path)
        assert r.status_code == 403, (role, path, r.text)
        assert r.json()["code"] == "forbidden"
    assert (await b.manager("GET", "/reports?from=2027-01-15")).status_code == 200
    # a manager of another branch, and any branch role on the admin's comparison
    other = await api.branch(code="bj02")
    assert (await other.manager("GET", "/../sh01/reports?from=2027-01-15")).status_code in (403, 404)
    r = await api.request("GET", "/api/v1/branches/sh01/reports?from=2027-01-15", await other.token("manager"))
    assert r.status_code == 403
    for who in ("manager", role):
        for path in ("/api/v1/reports?from=2027-01-15", "/api/v1/reports.csv?from=2027-01-15"):
            r = await api.request("GET", path, await b.token(who))
            assert r.status_code == 403, (who, path)
    assert (await api.request("GET", "/api/v1/reports?from=2027-01-15")).status_code == 401


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=2027-13-45", "from '2027-13-45' is not a calendar day (YYYY-MM-DD)"),
        ("from=2027-1-5", "from '2027-1-5' is not a calendar day"),
        ("from=20270115", "is not a calendar day"),
        ("from=2027-01-15&to=2027-02-30", "to '2027-02-30' is not a calendar day"),
        ("from=2027-01-15&to=2027-01-14", "to (2027-01-14) is before from (2027-01-15)"),
        ("from=2027-01-01&to=2027-04-03", "a report spans at most 92 days; 2027-01-01 to 2027-04-03 is 93"),
        ("to=2027-01-15", "from"),
    ],
)
async def test_bad_dates_are_422_saying_why(api, query, says):
    b = await api.branch(code="sh01")
    for r in (
        await b.manager("GET", f"/reports?{query}"),
        await b.manager("GET", f"/reports.csv?table=hourly&{query}"),
        await api.request("GET", f"/api/v1/reports?{query}", api.admin),
    ):
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "invalid" and says in body["message"], body
    # 92 days is a quarter, and allowed
    assert (await b.manager("GET", "/reports?from=2027-01-01&to=2027-04-02")).status_code == 200


# ---------------------------------------------------------------- the pure rules


def _ticket(n: int, day: str, issued: str, wait_s: float | None, service_s: float | None, **kw) -> Ticket:
    issued_at = at(issued, day)
    called = issued_at + wait_s if wait_s is not None else None
    return Ticket(
        id=f"t{n}",
        branch="sh",
        day=day,
        number=f"A{n:03d}",
        category=kw.pop("category", "personal"),
        priority="normal",
        status=kw.pop("status", "done" if service_s is not None else "waiting"),
        issued_at=issued_at,
        queued_at=issued_at,
        issue_seq=n,
        called_at=called,
        started_at=called if service_s is not None else None,
        finished_at=called + service_s if called is not None and service_s is not None else None,
        counter=kw.pop("counter", 1 if called is not None else None),
        **kw,
    )


def test_a_range_averages_arrivals_over_the_days_with_tickets():
    # Two Mondays with four personal arrivals at nine, the Sunday between them closed:
    # staffing plans for 4 an hour (not 8, nor 8/3), from the range's mean service.
    days = ["2027-01-11", "2027-01-18"]
    tickets = [_ticket(10 * i + k, d, f"09:{15 * k:02d}", 60, 600) for i, d in enumerate(days) for k in range(4)]
    r = branch_report(tickets, SHANGHAI, start="2027-01-11", end="2027-01-18", default_service_s=300)
    assert (r["days"], r["open_days"]) == (8, 2)
    assert r["hourly"][0]["arrivals"] == 8  # the hours add the days up
    (row,) = r["staffing"]["rows"]
    assert (row["arrivals_per_hour"], row["service_avg_s"]) == (4, 600)
    assert row["counters_needed"] == counters_needed(4 / 3600, 600, 600) == 2
    assert counters_needed(8 / 3600, 600, 600) == 3  # what adding the days up would have said
    # utilisation adds each day's span: 2400 s busy from 09:01 to 09:56, twice
    assert r["counters"][0]["utilisation"] == pytest.approx(4800 / (2 * 3300), abs=0.0001)


def test_a_category_never_served_plans_with_the_default_service_time():
    tickets = [_ticket(1, "2027-01-11", "09:00", None, None, category="fx")]
    r = branch_report(tickets, SHANGHAI, start="2027-01-11", end="2027-01-11", default_service_s=420)
    (row,) = r["staffing"]["rows"]
    assert (row["service_avg_s"], row["service_from"], row["counters_needed"]) == (420, "default", 1)


def test_the_summary_agrees_with_the_days_figures():
    tickets = [
        _ticket(1, "2027-01-11", "09:00", 30, 300, score=1),
        _ticket(2, "2027-01-11", "09:00", 90, None, status="no_show"),
        _ticket(3, "2027-01-11", "10:00", None, None, status="cancelled"),
    ]
    r = branch_report(tickets, SHANGHAI, start="2027-01-11", end="2027-01-11", default_service_s=300)
    stats = day_stats("2027-01-11", tickets, SHANGHAI)
    for key in ("issued", "served", "abandoned", "abandonment_rate", "wait_s", "service_s", "estimate_error"):
        assert r["summary"][key] == stats[key], key
    assert r["estimate_error"] == stats["estimate_error"]


@pytest.mark.parametrize(
    ("waits", "width", "bins", "last"),
    [
        ([0, 59, 60, 1199], 60, 20, {"from_s": 1140, "to_s": 1200, "count": 1}),  # 20 one-minute bins
        ([1200], 120, 11, {"from_s": 1200, "to_s": 1320, "count": 1}),
        ([30, 2399], 120, 20, {"from_s": 2280, "to_s": 2400, "count": 1}),
        ([30, 2400], 300, 9, {"from_s": 2400, "to_s": 2700, "count": 1}),
        ([30, 50000], 600, 20, {"from_s": 11400, "to_s": None, "count": 1}),  # the last bin is open
    ],
)
def test_histogram_bins(waits, width, bins, last):
    h = wait_histogram(waits)
    assert (h["bin_s"], len(h["bins"]), h["bins"][-1]) == (width, bins, last)
    assert sum(b["count"] for b in h["bins"]) == len(waits)


def test_histogram_percentiles_are_nearest_rank():
    h = wait_histogram([float(w) for w in range(10, 110, 10)])  # 10..100
    assert (h["p50_s"], h["p90_s"], h["avg_s"], h["max_s"]) == (50.0, 90.0, 55.0, 100.0)
    assert wait_histogram([]) == {
        "count": 0,
        "bin_s": 60,
        "bins": [],
        "avg_s": None,
        "p50_s": None,
        "p90_s": None,
        "max_s": None,
    }


def test_date_range():
    assert date_range("2027-01-15", None) == ("2027-01-15", "2027-01-15", 1)
    assert date_range("2027-01-01", "2027-04-02") == ("2027-01-01", "2027-04-02", 92)
    with pytest.raises(RangeError, match="at most 92 days"):
        date_range("2027-01-01", "2027-04-03")
    with pytest.raises(RangeError, match="is not a calendar day"):
        date_range("2027-02-29", None)


async def test_a_day_of_services_that_took_no_time_reports_without_failing(api):
    """Each ticket finished the moment it was called (no start pressed, no clock between):
    every service lasted 0 s, which Erlang C divided by (500 before)."""
    b = await api.branch()
    await b.open(1)
    for _ in range(3):
        await b.issue()
        await b.teller(1, "call-next")
        await b.teller(1, "finish")
    day = (await b.state())["date"]
    r = await b.manager("GET", f"/reports?from={day}")
    assert r.status_code == 200, r.text
    assert {row["counters_needed"] for row in r.json()["staffing"]["rows"]} == {1}
