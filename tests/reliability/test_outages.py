"""PostgreSQL and Redis restarted under the mixed workload (#12 item 4), each a private
instance of the test's own so the machine's shared services are never touched. Screens
follow the stream throughout and must end complete by seq; the model check holds for every
acknowledged operation."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.reliability import checks, faults, workload
from tests.reliability.screens import Screen, follow
from tests.support.server import LobbyqServer

pytestmark = pytest.mark.slow

SCREENS = 4


async def _screens_end_complete(server: LobbyqServer, screens: list[Screen], stop: asyncio.Event, tasks) -> list:
    events, tickets, state = await checks.read_all(server.url, server.admin)
    for s in screens:
        assert await s.caught_up(events[-1]["seq"], 30), f"{s.name} stopped at {s.last} of {events[-1]['seq']}"
    stop.set()
    await asyncio.gather(*tasks)
    for s in screens:
        s.assert_complete(events)
    return [events, tickets, state]


async def test_postgres_restarted_under_load_answers_503_and_lobbyq_recovers_by_itself(postgres, lobbyq):
    pg = postgres
    with lobbyq as server:
        server.put_branch(workload.layout())
        cast = workload.make_cast(server)
        display = server.token("display", workload.BRANCH)
        screens = [Screen([server.ws_url], display, f"screen{i}") for i in range(SCREENS)]
        stop = asyncio.Event()
        tasks = await follow(screens, stop)
        marks: dict[str, float] = {}

        async def restart_postgres(record: workload.Record) -> None:
            await asyncio.sleep(workload.LOAD_S / 3)
            await asyncio.to_thread(pg.stop)
            marks["down"] = time.monotonic()
            headers = {"Authorization": f"Bearer {cast.kiosks[0]}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=15) as c:
                for request in (
                    c.post(f"{workload.API}/tickets", json={"category": "personal"}),
                    c.get(f"{workload.API}/state"),
                    c.get("/healthz"),
                ):
                    r = await request  # an answer, not a hang: the timeout would fail the test
                    assert r.status_code == 503, (r.status_code, r.text)
                    assert r.json()["code"] == "unavailable" and r.json()["message"], r.text
                    assert r.headers.get("retry-after"), r.headers
            await asyncio.sleep(2)
            await asyncio.to_thread(pg.start)
            marks["up"] = time.monotonic()

        record = await workload.run([server.url], cast, workload.LOAD_S, workload.Record(), during=restart_postgres)
        refused = [o for o in record.server_errors() if marks["down"] <= o.at]
        assert refused, "no request of the workload met the outage"
        assert all(o.status == 503 and o.body.get("code") == "unavailable" for o in record.server_errors()), {
            (o.status, str(o.body)[:80]) for o in record.server_errors()
        }
        late = [o for o in record.acked("issue", "call-next") if o.at > marks["up"] + 2]
        assert late, "lobbyq did not serve again after PostgreSQL came back"
        events, tickets, state = await _screens_end_complete(server, screens, stop, tasks)
    print("postgres restarted:", checks.check(record, events, tickets, state, faults=True))


async def test_redis_restarted_under_load_loses_no_event_on_any_screen(postgres, tmp_path):
    with (
        faults.PrivateRedis(tmp_path) as redis,
        LobbyqServer(postgres.url, workers=4, redis_url=redis.url, log_dir=tmp_path) as server,
    ):
        server.put_branch(workload.layout())
        cast = workload.make_cast(server)
        display = server.token("display", workload.BRANCH)
        screens = [Screen([server.ws_url], display, f"screen{i}") for i in range(SCREENS)]
        stop = asyncio.Event()
        tasks = await follow(screens, stop)

        marks: dict[str, float] = {}

        async def restart_redis(record: workload.Record) -> None:
            await asyncio.sleep(workload.LOAD_S / 3)
            await asyncio.to_thread(redis.stop)
            marks["down"] = time.monotonic()
            await asyncio.sleep(2)
            marks["up"] = time.monotonic()
            await asyncio.to_thread(redis.start)

        record = await workload.run([server.url], cast, workload.LOAD_S, workload.Record(), during=restart_redis)
        # Redis only wakes the other workers up: without it tickets are still issued and called
        assert [o for o in record.acked("issue") if marks["down"] < o.at < marks["up"]], "no issue while Redis was down"
        events, tickets, state = await _screens_end_complete(server, screens, stop, tasks)
    print("redis restarted:", checks.check(record, events, tickets, state, faults=False))
