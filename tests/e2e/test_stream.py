"""The websocket stream of a real ``lobbyq serve`` (docs/stream.md): refusals, snapshot, exact replay.

PostgreSQL runs with two workers, so a client may reconnect to another process than the
one that made the events: replay must still be exact.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import own_postgres
from tests.support.server import LobbyqServer
from tests.support.services import postgres_url, require

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"stream-{request.param}")
    if request.param == "sqlite":
        url, workers = f"sqlite+aiosqlite:///{tmp / 'lobbyq.db'}", 1
    else:
        pg = postgres_url()
        if pg is None:
            require("postgres")
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
        url, workers = own_postgres(pg), 2
    with LobbyqServer(url, workers=workers, log_dir=tmp) as server:
        server.put_branch()
        server.put_branch(code="other")
        server.tokens = {
            "manager": server.token("manager", "sjm01"),
            "kiosk": server.token("kiosk", "sjm01"),
            "display": server.token("display", "sjm01"),
            "other": server.token("display", "other"),
        }
        yield server


def stream_url(server, token: str | None, after: int | None = None, branch: str = "sjm01") -> str:
    query = []
    if token is not None:
        query.append(f"token={token}")
    if after is not None:
        query.append(f"after={after}")
    return f"{server.ws_url}/api/v1/branches/{branch}/stream" + ("?" + "&".join(query) if query else "")


async def next_message(ws, timeout: float = 10.0) -> dict:
    """The next message that carries a seq (pings are skipped)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") != "ping":
            assert "seq" in message, message
            return message


async def quiet(ws, seconds: float) -> list[dict]:
    """Everything but pings that arrives within ``seconds``."""
    got = []
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            if message.get("type") != "ping":
                got.append(message)
    except TimeoutError:
        return got


async def issue(server, n: int = 1) -> list[dict]:
    async with server.async_client(server.tokens["kiosk"]) as c:
        out = []
        for _ in range(n):
            r = await c.post("/api/v1/branches/sjm01/tickets", json={"category": "personal"})
            assert r.status_code == 201, r.text
            out.append(r.json())
        return out


async def events(server, after: int = 0) -> list[dict]:
    async with server.async_client(server.tokens["manager"]) as c:
        r = await c.get(f"/api/v1/branches/sjm01/events?after={after}")
        assert r.status_code == 200
        return r.json()["events"]


@pytest.mark.parametrize("who, code", [(None, 4401), ("bad", 4401), ("other", 4403)])
async def test_refused_streams_close_before_any_data(server, who, code):
    token = {"bad": "x" * 43, "other": server.tokens.get("other")}.get(who) if who else None
    await issue(server)
    for after in (None, 0):
        async with connect(stream_url(server, token, after)) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                data = await asyncio.wait_for(ws.recv(), 10)
                pytest.fail(f"a refused stream sent data: {data[:200]}")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_snapshot_first_then_live(server):
    await issue(server, 2)
    async with connect(stream_url(server, server.tokens["display"])) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first["type"] == "snapshot"
        last = (await events(server))[-1]["seq"]
        assert first["seq"] == last == first["state"]["seq"]
        async with server.async_client(server.tokens["manager"]) as c:
            state = (await c.get("/api/v1/branches/sjm01/state")).json()
        assert [t["id"] for t in first["state"]["waiting"]] == [t["id"] for t in state["waiting"]]

        made = await issue(server)
        message = await next_message(ws)
        assert message["seq"] == last + 1 and message["type"] == "ticket.issued"
        assert message["data"]["id"] == made[0]["id"] and "track_token" not in message["data"]
        assert set(message) == {"seq", "type", "at", "branch", "data"} and message["branch"] == "sjm01"


async def test_after_replays_exactly_what_was_missed(server):
    await issue(server, 3)
    everything = await events(server)
    last = everything[-1]["seq"]
    assert [e["seq"] for e in everything] == list(range(1, last + 1))

    async with connect(stream_url(server, server.tokens["display"], after=last - 3)) as ws:
        got = [await next_message(ws) for _ in range(3)]
        assert got == everything[-3:]
        assert await quiet(ws, 1.5) == []  # nothing more, no snapshot
    async with connect(stream_url(server, server.tokens["display"], after=0)) as ws:
        got = [await next_message(ws) for _ in range(last)]
        assert got == everything

    # A client that leaves and comes back with after=<last seq> ends where one that stayed is.
    async with connect(stream_url(server, server.tokens["display"], after=last)) as stayed:
        async with connect(stream_url(server, server.tokens["display"], after=last)) as leaving:
            await issue(server, 1)
            left_at = (await next_message(leaving))["seq"]
        assert left_at == last + 1
        await issue(server, 4)
        async with server.async_client(server.tokens["manager"]) as c:
            r = await c.post("/api/v1/branches/sjm01/counters/1/open")
            assert r.status_code == 200
            r = await c.post("/api/v1/branches/sjm01/counters/1/close")
            assert r.status_code == 200
        seen_by_stayed = [await next_message(stayed) for _ in range(7)]
        assert [m["seq"] for m in seen_by_stayed] == list(range(last + 1, last + 8))
        async with connect(stream_url(server, server.tokens["display"], after=left_at)) as back:
            caught_up = [await next_message(back) for _ in range(6)]
            assert caught_up == seen_by_stayed[1:]
            assert await quiet(back, 1.0) == []
        assert await quiet(stayed, 0.5) == []


async def test_stream_of_an_unknown_branch_is_closed(server):
    async with connect(stream_url(server, server.admin, branch="nowhere")) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code in (4404, 1008)
    async with connect(stream_url(server, server.tokens["display"]) + "&after=abc") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 1008


def test_healthz_and_metrics(server):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    text = httpx.get(f"{server.url}/metrics").text
    assert "# TYPE" in text


async def test_the_snapshots_recent_calls_hold_each_ticket_once_while_it_has_not_left(server):
    """docs/state-fold.md: a recall moves its ticket's line to the top (no second line), a
    no-show leaves at once, a finished ticket stays with its status; the snapshot carries
    each line's status, so the folds can tell the live calls from the rest."""
    await issue(server, 2)
    async with server.async_client(server.tokens["manager"]) as c:

        async def post(path: str):
            r = await c.post(f"/api/v1/branches/sjm01/counters/{path}")
            assert r.status_code == 200, r.text
            return r.json()

        async def recent() -> list[tuple]:
            state = (await c.get("/api/v1/branches/sjm01/state")).json()
            return [(x["number"], x["counter"], x["type"], x["status"]) for x in state["recent_calls"]]

        await post("1/open")
        await post("2/open")
        a = (await post("1/call-next"))["number"]
        b = (await post("2/call-next"))["number"]
        await post("1/recall")
        assert (await recent())[:2] == [(a, 1, "ticket.recalled", "called"), (b, 2, "ticket.called", "called")]
        await post("2/skip")  # a no-show
        await post("1/finish")
        lines = await recent()
        assert lines[0] == (a, 1, "ticket.recalled", "done")
        assert [n for n, *_ in lines].count(a) == 1 and b not in [n for n, *_ in lines]
        state = (await c.get("/api/v1/branches/sjm01/state")).json()
        assert state["recent_calls"][0]["finished_at"] is not None
        await post("1/close")
        await post("2/close")
