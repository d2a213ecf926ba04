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
from tests.reliability.screens import screens_of, watched_load
from tests.support.server import LobbyqServer

pytestmark = pytest.mark.slow

SCREENS = 4


async def test_postgres_restarted_under_load_answers_503_and_lobbyq_recovers_by_itself(postgres, lobbyq):
    pg = postgres
    with lobbyq as server:
        screens = screens_of(server, SCREENS)
        kiosk = server.token("kiosk", workload.BRANCH)
        marks: dict[str, float] = {}

        async def restart_postgres(record: workload.Record) -> None:
            await asyncio.sleep(workload.LOAD_S / 3)
            await asyncio.to_thread(pg.stop)
            marks["down"] = time.monotonic()
            headers = {"Authorization": f"Bearer {kiosk}"}
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

        record, events, tickets, state = await watched_load(server, screens, restart_postgres)
        refused = [o for o in record.server_errors() if marks["down"] <= o.at]
        assert refused, "no request of the workload met the outage"
        assert all(o.status == 503 and o.body.get("code") == "unavailable" for o in record.server_errors()), {
            (o.status, str(o.body)[:80]) for o in record.server_errors()
        }
        late = [o for o in record.acked("issue", "call-next") if o.at > marks["up"] + 2]
        assert late, "lobbyq did not serve again after PostgreSQL came back"
    print("postgres restarted:", checks.check(record, events, tickets, state, faults=True))


async def test_redis_restarted_under_load_loses_no_event_on_any_screen(postgres, tmp_path):
    with (
        faults.PrivateRedis(tmp_path) as redis,
        LobbyqServer(postgres.url, workers=4, redis_url=redis.url, log_dir=tmp_path) as server,
    ):
        screens = screens_of(server, SCREENS)
        marks: dict[str, float] = {}

        async def restart_redis(record: workload.Record) -> None:
            await asyncio.sleep(workload.LOAD_S / 3)
            await asyncio.to_thread(redis.stop)
            marks["down"] = time.monotonic()
            await asyncio.sleep(2)
            marks["up"] = time.monotonic()
            await asyncio.to_thread(redis.start)

        record, events, tickets, state = await watched_load(server, screens, restart_redis)
        # Redis only wakes the other workers up: without it tickets are still issued and called
        assert [o for o in record.acked("issue") if marks["down"] < o.at < marks["up"]], "no issue while Redis was down"
    print("redis restarted:", checks.check(record, events, tickets, state, faults=False))
