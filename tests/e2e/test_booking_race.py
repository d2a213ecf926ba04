"""The last places of a slot under concurrency (issue #13 item 3), over a real server:
PostgreSQL with 4 workers, SQLite with 1. 50 clients book the last 10 places at once:
exactly 10 get one, the other 40 are told the slot is full."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from tests.support.booking import CASH, booked_branch, day_after

pytestmark = pytest.mark.slow

CAPACITY, TAKEN, CLIENTS = 12, 2, 50


async def test_50_clients_booking_the_last_10_places_exactly_10_succeed(shape, serve):
    name, url, workers = shape
    # A few connections a worker still race 4 workers' transactions for the same row, and
    # leave room on a PostgreSQL that other test runs share.
    server = serve(url, workers=workers, env={"LOBBYQ_PG_POOL_SIZE": "3"})
    server.put_branch(booked_branch({**CASH, "capacity": CAPACITY, "hourly_share": 1.0}))
    tomorrow = day_after(time.time())
    body = {"category": "cash", "date": tomorrow, "time": "10:00", "amount": 1000, "currency": "CNY"}
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=server.url, timeout=120.0, limits=limits) as client:
        for _ in range(TAKEN):
            assert (await client.post("/api/v1/book/sjm01", json=body)).status_code == 201
        gate = asyncio.Event()

        async def one() -> httpx.Response:
            await gate.wait()
            return await client.post("/api/v1/book/sjm01", json=body)

        racing = [asyncio.create_task(one()) for _ in range(CLIENTS)]
        await asyncio.sleep(0.1)
        gate.set()
        answers = await asyncio.gather(*racing)
        statuses = Counter(r.status_code for r in answers)
        assert statuses == {201: CAPACITY - TAKEN, 409: CLIENTS - (CAPACITY - TAKEN)}, (name, statuses)
        refused = [r.json() for r in answers if r.status_code == 409]
        assert {r["code"] for r in refused} == {"slot_full"}
        assert all("fully booked" in r["message"] for r in refused)
        codes = [r.json()["code"] for r in answers if r.status_code == 201]
        assert len(set(codes)) == len(codes)

        slots = (await client.get(f"/api/v1/book/sjm01/slots?category=cash&date={tomorrow}")).json()["slots"]
        assert {s["time"]: s["free"] for s in slots}["10:00"] == 0
    manager = server.token("manager", "sjm01")
    with server.client(manager) as staff:
        listed = staff.get(f"/api/v1/branches/sjm01/bookings?date={tomorrow}").json()["bookings"]
    assert len(listed) == CAPACITY and {b["status"] for b in listed} == {"booked"}
