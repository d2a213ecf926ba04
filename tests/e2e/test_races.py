"""Races over a real server: PostgreSQL with 4 uvicorn workers, SQLite with 1 (docs/guarantees.md).

No number issued twice or skipped, no ticket called by two counters, no event seq skipped
or reused, whatever the concurrency.
"""

from __future__ import annotations

import asyncio
import copy
import random
import re
from collections import Counter

import httpx
import pytest

from app.sample_branch import SAMPLE_BRANCH

pytestmark = pytest.mark.slow

CONCURRENCY = 100


def client(server, token: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    return server.async_client(token, limits=limits, timeout=120.0)


async def all_events(server) -> list[dict]:
    out: list[dict] = []
    async with server.async_client() as c:
        while True:
            r = await c.get(f"/api/v1/branches/sjm01/events?after={out[-1]['seq'] if out else 0}&limit=5000")
            assert r.status_code == 200, r.text
            batch = r.json()["events"]
            if not batch:
                return out
            out += batch


def assert_gapless(numbers: list[str], prefix: str, count: int) -> None:
    mine = sorted(int(n[len(prefix) :]) for n in numbers if re.fullmatch(rf"{prefix}\d+", n))
    assert len(mine) == count
    duplicates = [n for n, k in Counter(mine).items() if k > 1]
    assert not duplicates, f"{prefix} numbers issued twice: {duplicates[:10]}"
    assert mine == list(range(1, count + 1)), (
        f"{prefix} numbers skip: {sorted(set(range(1, count + 1)) - set(mine))[:10]}"
    )


async def test_500_concurrent_issues_are_gapless_and_unique(shape, serve):
    name, url, workers = shape
    server = serve(url, workers=workers)
    server.put_branch()
    kiosks = [server.token("kiosk", "sjm01", f"kiosk{i}") for i in range(4)]
    plan = ["personal"] * 500 + ["corporate"] * 100
    random.Random(7).shuffle(plan)
    clients = [client(server, k) for k in kiosks]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int, category: str) -> httpx.Response:
        async with gate:
            return await clients[i % 4].post("/api/v1/branches/sjm01/tickets", json={"category": category})

    try:
        responses = await asyncio.gather(*(one(i, c) for i, c in enumerate(plan)))
    finally:
        for c in clients:
            await c.aclose()
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 600}, f"{name}: {statuses}; {[r.text for r in responses if r.status_code != 201][:3]}"
    issued = [r.json() for r in responses]
    assert len({t["id"] for t in issued}) == 600
    numbers = [t["number"] for t in issued]
    assert_gapless(numbers, "A", 500)
    assert_gapless(numbers, "B", 100)
    assert all(t["category"] == ("personal" if t["number"][0] == "A" else "corporate") for t in issued)

    events = await all_events(server)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), "event seqs skip or repeat"
    issued_events = [e for e in events if e["type"] == "ticket.issued"]
    assert sorted(e["data"]["id"] for e in issued_events) == sorted(t["id"] for t in issued)
    assert sorted(e["data"]["number"] for e in issued_events) == sorted(numbers)
    # The database agrees with what was answered.
    async with server.async_client() as c:
        listed = (await c.get("/api/v1/branches/sjm01/tickets")).json()["tickets"]
    assert sorted(t["number"] for t in listed) == sorted(numbers)
    # Issue order (each ticket's issue_seq, stamped at its commit) is the order of the events.
    assert [t["id"] for t in listed] == [e["data"]["id"] for e in issued_events]


async def test_8_counters_racing_call_next_call_each_ticket_once(shape, serve):
    name, url, workers = shape
    server = serve(url, workers=workers)
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["counters"] = [{"number": n, "name": f"{n}号窗口", "serves": ["personal", "corporate"]} for n in range(1, 9)]
    server.put_branch(layout)
    kiosk = server.token("kiosk", "sjm01")
    async with client(server, kiosk) as c:
        gate = asyncio.Semaphore(20)

        async def issue(category):
            async with gate:
                r = await c.post("/api/v1/branches/sjm01/tickets", json={"category": category})
                assert r.status_code == 201, r.text
                return r.json()

        tickets = await asyncio.gather(*(issue("personal" if i % 4 else "corporate") for i in range(200)))
    assert len({t["id"] for t in tickets}) == 200

    tellers = {n: server.token("teller", "sjm01", f"teller{n}") for n in range(1, 9)}
    called: dict[int, list[str]] = {n: [] for n in tellers}
    failures: list[str] = []

    async def counter(n: int) -> None:
        async with client(server, tellers[n]) as c:
            r = await c.post(f"/api/v1/branches/sjm01/counters/{n}/open")
            assert r.status_code == 200, r.text
            while True:
                r = await c.post(f"/api/v1/branches/sjm01/counters/{n}/call-next")
                if r.status_code == 204:
                    return
                if r.status_code != 200:
                    failures.append(f"counter {n} call-next: {r.status_code} {r.text}")
                    return
                ticket = r.json()
                assert ticket["status"] == "called" and ticket["counter"] == n
                called[n].append(ticket["id"])
                # Half the time serve explicitly, half the time let call-next finish it.
                r = await c.post(f"/api/v1/branches/sjm01/counters/{n}/start")
                assert r.status_code == 200, r.text
                if len(called[n]) % 2:
                    r = await c.post(f"/api/v1/branches/sjm01/counters/{n}/finish")
                    assert r.status_code == 200, r.text

    await asyncio.gather(*(counter(n) for n in tellers))
    assert not failures, failures
    everything = [t for ids in called.values() for t in ids]
    twice = [t for t, k in Counter(everything).items() if k > 1]
    assert not twice, f"{name}: tickets called by two counters: {twice[:5]}"
    assert sorted(everything) == sorted(t["id"] for t in tickets), f"{name}: not every ticket was called"
    assert sum(1 for ids in called.values() if ids) >= 2, "the counters did not actually race"

    events = await all_events(server)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    calls = [e["data"]["id"] for e in events if e["type"] == "ticket.called"]
    assert sorted(calls) == sorted(everything)
    async with server.async_client() as c:
        waiting = (await c.get("/api/v1/branches/sjm01/tickets?status=waiting")).json()["tickets"]
        state = (await c.get("/api/v1/branches/sjm01/state")).json()
    assert waiting == []
    current = [c["current_ticket"] for c in state["counters"] if c["current_ticket"]]
    assert len(current) == len(set(current))
