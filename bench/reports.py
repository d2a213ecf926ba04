"""Benchmark of the reports (issue #11, section 4): a day of 2,000 tickets on SQLite, the
report's JSON and its SVG charts timed through the app in-process (median of several
runs), beside the ceiling they sit on: the database alone running the report's SELECT of
the day's tickets. Target: the report renders in under 1 s.

    .venv/bin/python -m bench.reports [--tickets 2000] [--runs 7]

Prints figures; asserts nothing. ``synthetic_day`` also fills the reports page's browser
test with a day a manager would recognise.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import math
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.main import create_app
from app.sample_branch import SAMPLE_BRANCH
from app.services import auth
from app.settings import Settings
from app.store.reports import DAYS
from app.store.tables import tickets as TICKETS

# Arrivals per hour of the day, relative: the morning rush and the after-lunch one.
PROFILE = {8: 0.5, 9: 1.6, 10: 1.4, 11: 1.0, 12: 0.6, 13: 0.8, 14: 1.3, 15: 1.1, 16: 0.7}
SERVICE_S = {"personal": 240, "corporate": 540, "fx": 420, "wealth": 660}
SHARE = {"personal": 0.62, "corporate": 0.16, "fx": 0.08, "wealth": 0.14}
TELLERS = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴倩", "徐明", "孙丽"]
TELLERS += [f"{family}{given}" for family in "郑冯韩" for given in ("强", "芳", "勇")]


def big_branch() -> dict[str, Any]:
    """The sample branch grown to 30 counters: the size that serves 2,000 tickets a day."""
    layout = copy.deepcopy(SAMPLE_BRANCH)
    serves = [["personal"]] * 14 + [["personal", "wealth"]] * 4 + [["corporate", "personal"]] * 6
    serves += [["fx", "personal"]] * 2 + [["wealth", "personal"]] * 4
    layout["counters"] = [{"number": i, "name": f"{i}号窗口", "serves": s} for i, s in enumerate(serves, start=1)]
    return layout


def synthetic_day(layout: dict[str, Any], day: str, n: int, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` tickets of a business day as rows of the tickets table: arrivals after
    PROFILE, each served by the first free counter that serves its category, about 3 %
    no-shows, 2 % cancelled, 1 % expired, ratings for most of the served."""
    rnd = random.Random(seed)
    zone = ZoneInfo(layout.get("timezone", "Asia/Shanghai"))
    base = datetime.combine(datetime.fromisoformat(day).date(), clock_time(0), zone).timestamp()
    categories = [c["code"] for c in layout["categories"]]
    prefixes = {c["code"]: c["prefix"] for c in layout["categories"]}
    weights = [SHARE.get(c, 0.1) for c in categories]
    total = sum(PROFILE.values())
    arrivals = sorted(
        base + hour * 3600 + rnd.random() * 3600
        for hour, share in PROFILE.items()
        for _ in range(round(n * share / total))
    )[:n]
    while len(arrivals) < n:
        arrivals.append(base + 16 * 3600 + rnd.random() * 3600)
    counters = layout["counters"]
    free_at = {c["number"]: base + 8.5 * 3600 if c["number"] % 3 else base + 9 * 3600 for c in counters}
    teller = {c["number"]: TELLERS[i % len(TELLERS)] for i, c in enumerate(counters)}
    numbers: dict[str, int] = {}
    rows = []
    for seq, issued in enumerate(sorted(arrivals), start=1):
        category = rnd.choices(categories, weights)[0]
        numbers[category] = numbers.get(category, 0) + 1
        row: dict[str, Any] = {
            "id": secrets.token_hex(8),
            "branch": layout["code"],
            "day": day,
            "number": f"{prefixes[category]}{numbers[category]:03d}",
            "category": category,
            "priority": rnd.choices(["normal", "vip", "green"], [0.9, 0.06, 0.04])[0],
            "status": "done",
            "issued_at": issued,
            "queued_at": issued,
            "issue_seq": seq,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "counter": None,
            "pinned_counter": None,
            "recall_count": 0,
            "score": None,
            "kiosk": "kiosk1",
            "teller": None,
            "evaluation_until": None,
            "estimated_wait_s": None,
            "print_failed": False,
            "track_token": secrets.token_urlsafe(24),
        }
        rows.append(row)
        fate = rnd.random()
        if fate < 0.02:  # cancelled while waiting
            row.update(status="cancelled", finished_at=issued + rnd.uniform(60, 900))
            continue
        if fate < 0.03:  # never called: expired at the rollover
            row["status"] = "expired"
            continue
        serving = [c["number"] for c in counters if category in c["serves"]]
        number = min(serving, key=lambda c: free_at[c])
        called = max(issued + rnd.uniform(5, 40), free_at[number])
        wait = called - issued
        row.update(
            called_at=called,
            counter=number,
            teller=teller[number],
            estimated_wait_s=max(0, round(wait * rnd.uniform(0.65, 1.4) + rnd.uniform(-60, 60))),
        )
        if fate < 0.06:  # no-show
            row.update(status="no_show", finished_at=called + 60)
            free_at[number] = called + 60
            continue
        service = rnd.lognormvariate(math.log(SERVICE_S.get(category, 300)) - 0.18, 0.6)
        started = called + rnd.uniform(5, 20)
        finished = started + service
        row.update(started_at=started, finished_at=finished, evaluation_until=finished + 30)
        if rnd.random() < 0.7:
            slow = wait > 900
            row["score"] = rnd.choices([1, 2, 3, 4], [0.45, 0.25, 0.2, 0.1] if slow else [0.72, 0.2, 0.06, 0.02])[0]
        free_at[number] = finished + rnd.uniform(5, 15)
    return rows


def insert_day(database: Path, rows: list[dict[str, Any]]) -> None:
    """Writes the rows into a lobbyq SQLite file (a running server may hold it: WAL)."""
    columns = [c.name for c in TICKETS.columns]
    with sqlite3.connect(database, timeout=30) as db:
        db.executemany(
            f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [tuple(r[c] for c in columns) for r in rows],
        )


def median_ms(runs: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def amedian_ms(runs: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def main(tickets: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lobbyq.db"
        app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"), migrate_on_start=True)
        async with app.router.lifespan_context(app):
            admin = await auth.create_token(app.state.ctx, "admin", None, "admin")
            headers = {"Authorization": f"Bearer {admin}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
                layout = big_branch()
                code = layout["code"]
                (await client.put(f"/api/v1/branches/{code}", json=layout)).raise_for_status()
                day = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()
                insert_day(path, synthetic_day(layout, day, tickets))
                query = f"from={day}"

                async def report() -> None:
                    (await client.get(f"/api/v1/branches/{code}/reports?{query}")).raise_for_status()

                async def charts() -> None:
                    (await client.get(f"/reports/{code}/charts.json?{query}")).raise_for_status()

                async def both() -> None:
                    await asyncio.gather(report(), charts())

                body = (await client.get(f"/api/v1/branches/{code}/reports?{query}")).json()
                await report()  # warm: statements compiled, the branch read once
                report_ms = await amedian_ms(runs, report)
                charts_ms = await amedian_ms(runs, charts)
                page_ms = await amedian_ms(runs, both)

        compiled = DAYS.compiled("sqlite")
        with sqlite3.connect(path) as db:
            values = compiled.values({"branch": code, "first": day, "last": day})
            db.execute(compiled.sql, values).fetchall()
            select_ms = median_ms(runs, lambda: db.execute(compiled.sql, values).fetchall())

    s = body["summary"]
    print(f"a day of {s['issued']} tickets ({s['served']} served, {s['abandoned']} abandoned, {s['ratings']} ratings)")
    print(f"  p50/p90 wait {s['wait_s']['p50']}/{s['wait_s']['p90']} s; median of {runs} runs each:")
    print(f"  GET …/reports (JSON)                     {report_ms:8.1f} ms")
    print(f"  GET /reports/{{b}}/charts.json (4 SVGs)  {charts_ms:8.1f} ms")
    print(f"  both, as the page asks them together     {page_ms:8.1f} ms   (target < 1000 ms)")
    print(f"  ceiling: the SELECT of the day's tickets {select_ms:8.1f} ms   (sqlite3 alone, rows fetched)")
    print(f"  ratio report JSON / SELECT               {report_ms / select_ms:8.1f} ×")
    print(f"  ratio page / SELECT                      {page_ms / select_ms:8.1f} ×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.runs))
