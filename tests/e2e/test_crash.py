"""``kill -9`` while kiosks are issuing (docs/guarantees.md): whatever was answered 201 survives,
and numbering goes on from where it stopped, without a gap."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

pytestmark = pytest.mark.slow

KIOSKS = 12


async def issue_until_down(server, tokens: list[str], answered: list[dict], stop: asyncio.Event) -> int:
    """Each kiosk issues in a loop until the server stops answering; returns the errors seen."""
    errors = 0

    async def kiosk(token: str, category: str) -> None:
        nonlocal errors
        async with server.async_client(token, timeout=30.0) as c:
            while not stop.is_set():
                try:
                    r = await c.post("/api/v1/branches/sjm01/tickets", json={"category": category})
                except httpx.HTTPError:
                    errors += 1
                    return
                assert r.status_code == 201, r.text
                answered.append(r.json())

    await asyncio.gather(*(kiosk(t, "personal" if i % 3 else "corporate") for i, t in enumerate(tokens)))
    return errors


def numbers_of(tickets: list[dict], prefix: str) -> list[int]:
    return sorted(int(t["number"][len(prefix) :]) for t in tickets if re.fullmatch(rf"{prefix}\d+", t["number"]))


async def test_kill_9_while_issuing_loses_nothing_answered(shape, serve):
    name, url, workers = shape
    server = serve(url, workers=workers)
    server.put_branch()
    tokens = [server.token("kiosk", "sjm01", f"kiosk{i}") for i in range(KIOSKS)]
    answered: list[dict] = []

    for round_ in range(2):
        stop = asyncio.Event()
        before = len(answered)
        clients = asyncio.create_task(issue_until_down(server, tokens, answered, stop))
        # Let the kiosks get going, then pull the plug in the middle of their requests.
        for _ in range(600):
            if len(answered) - before >= 60 or clients.done():
                break
            await asyncio.sleep(0.05)
        assert not clients.done(), clients.result() if clients.done() else None
        await server.akill()
        errors = await asyncio.wait_for(clients, 60)
        assert errors >= 1, "no request was cut off by the crash"
        assert len(answered) - before >= 20, f"{name}: too few tickets answered before the crash"
        await server.astart()

        async with server.async_client() as c:
            for ticket in answered:
                r = await c.get(f"/api/v1/branches/sjm01/tickets/{ticket['id']}")
                assert r.status_code == 200, f"{name} round {round_}: answered ticket {ticket['number']} lost: {r.text}"
                assert r.json()["number"] == ticket["number"] and r.json()["status"] == "waiting"
            stored = (await c.get("/api/v1/branches/sjm01/tickets")).json()["tickets"]
            for prefix in ("A", "B"):
                held = numbers_of(stored, prefix)
                assert held == list(range(1, len(held) + 1)), f"{name}: {prefix} numbers have a gap after the crash"
                assert set(numbers_of(answered, prefix)) <= set(held)
            # The next ticket of each prefix takes max + 1.
            kiosk = server.async_client(tokens[0])
            async with kiosk:
                for prefix, category in (("A", "personal"), ("B", "corporate")):
                    r = await kiosk.post("/api/v1/branches/sjm01/tickets", json={"category": category})
                    assert r.status_code == 201, r.text
                    expected = len(numbers_of(stored, prefix)) + 1
                    assert r.json()["number"] == f"{prefix}{expected:03d}", (name, r.json()["number"], expected)
                    answered.append(r.json())
            r = await c.get("/api/v1/branches/sjm01/events?after=0&limit=5000")
            seqs = [e["seq"] for e in r.json()["events"]]
            assert seqs == list(range(1, len(seqs) + 1)), f"{name}: event seqs have a gap after the crash"
            issued = {e["data"]["id"] for e in r.json()["events"] if e["type"] == "ticket.issued"}
            assert issued == {t["id"] for t in stored} | {t["id"] for t in answered[-2:]}
