"""Two `lobbyq serve` nodes on different ports sharing PostgreSQL and Redis behave as one
bank (#12; compose.yaml's topology without Docker): what is done through one node is seen
on the other at once, numbers never repeat between them, and a token revoked on one is
refused by the other."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.support.server import LobbyqServer
from tests.support.services import postgres_url, redis_url, require, reset_postgres

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes(tmp_path):
    url, rurl = postgres_url(), redis_url()
    if url is None or rurl is None:
        require("postgres")
        require("redis")
        pytest.skip("PostgreSQL and Redis must both answer on 127.0.0.1: the two-node test is skipped")
    reset_postgres(url)
    with LobbyqServer(url, workers=2, redis_url=rurl, log_dir=tmp_path) as a:
        with LobbyqServer(url, workers=2, redis_url=rurl, log_dir=tmp_path) as b:
            a.put_branch()
            yield a, b


async def _next_event(ws, kind: str, timeout: float = 5.0) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") == kind:
            return message


async def test_a_call_through_node_a_reaches_a_screen_on_node_b(two_nodes):
    a, b = two_nodes
    manager = a.token("manager", "sjm01")
    display = a.token("display", "sjm01")
    async with websockets.connect(f"{b.ws_url}/api/v1/branches/sjm01/stream?token={display}") as screen:
        snapshot = json.loads(await asyncio.wait_for(screen.recv(), 10))
        assert snapshot["type"] == "snapshot"
        # tickets taken through both nodes, numbered as one sequence
        numbers = []
        for node in (a, b, a, b):
            async with node.async_client(manager) as c:
                r = await c.post("/api/v1/branches/sjm01/tickets", json={"category": "personal"})
                assert r.status_code == 201, r.text
                numbers.append(r.json()["number"])
        assert numbers == ["A001", "A002", "A003", "A004"]
        async with a.async_client(manager) as c:
            assert (await c.post("/api/v1/branches/sjm01/counters/1/open")).status_code == 200
            called = (await c.post("/api/v1/branches/sjm01/counters/1/call-next")).json()
        event = await _next_event(screen, "ticket.called")
        assert (event["data"]["number"], event["data"]["counter"]) == (called["number"], 1)
    async with b.async_client(display) as c:  # node B's own answer agrees
        state = (await c.get("/api/v1/branches/sjm01/state")).json()
    assert [x["number"] for x in state["waiting"]] == ["A002", "A003", "A004"]


def test_a_token_revoked_on_one_node_is_refused_by_the_other(two_nodes):
    a, b = two_nodes
    kiosk = a.token("kiosk", "sjm01")
    assert httpx.get(f"{b.url}/api/v1/branches/sjm01/state", headers={"Authorization": f"Bearer {kiosk}"}).is_success
    with a.client() as c:
        token_id = next(t["id"] for t in c.get("/api/v1/tokens").json()["tokens"] if t["role"] == "kiosk")
        assert c.post(f"/api/v1/tokens/{token_id}/revoke").status_code == 200
    r = httpx.get(f"{b.url}/api/v1/branches/sjm01/state", headers={"Authorization": f"Bearer {kiosk}"})
    assert r.status_code == 401, r.text
