"""The model check (#12 item 4): a random mixed workload of 32 clients against four
workers on PostgreSQL and Redis, then every promise of tests/reliability/checks.py: with
nothing broken, with one worker killed -9 twice in the middle, and with a whole node
killed -9 while its clients move to the other."""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability import checks, faults, workload
from tests.support.server import LobbyqServer

pytestmark = pytest.mark.slow


async def test_mixed_workload_of_32_clients_keeps_every_promise(lobbyq):
    with lobbyq as server:
        server.put_branch(workload.layout())
        cast = workload.make_cast(server)
        record = await workload.run([server.url], cast, workload.LOAD_S, workload.Record())
        events, tickets, state = await checks.read_all(server.url, server.admin)
    print("no fault:", checks.check(record, events, tickets, state, faults=False))


async def test_a_worker_killed_9_twice_under_load_loses_nothing_acknowledged(lobbyq):
    with lobbyq as server:
        server.put_branch(workload.layout())
        cast = workload.make_cast(server)
        killed: list[int] = []

        async def kill_workers(record: workload.Record) -> None:
            for _ in range(2):
                await asyncio.sleep(workload.LOAD_S / 3)
                killed.append(faults.kill_worker(server))

        record = await workload.run([server.url], cast, workload.LOAD_S, workload.Record(), during=kill_workers)
        # uvicorn's supervisor replaces a dead worker; the answers after the kills prove it serves on
        assert len(killed) == 2 and not set(killed) & set(faults.workers(server))
        last_kill = record.ops[0].at + 2 * workload.LOAD_S / 3
        assert [o for o in record.acked("issue") if o.at > last_kill + 1], "nothing answered after the kills"
        events, tickets, state = await checks.read_all(server.url, server.admin)
    assert record.unknown(), "no request was cut off by the kills"
    print("worker killed:", checks.check(record, events, tickets, state, faults=True))


async def test_a_node_killed_9_under_load_its_clients_go_on_with_the_other(postgres, redis, tmp_path):
    a = LobbyqServer(postgres.url, workers=2, redis_url=redis, log_dir=tmp_path)
    b = LobbyqServer(postgres.url, workers=2, redis_url=redis, log_dir=tmp_path)
    with a, b:
        a.put_branch(workload.layout())
        cast = workload.make_cast(a)

        async def kill_node_b(record: workload.Record) -> None:
            await asyncio.sleep(workload.LOAD_S / 3)
            await b.akill()

        record = await workload.run([a.url, b.url], cast, workload.LOAD_S, workload.Record(), during=kill_node_b)
        killed_at = record.ops[0].at + workload.LOAD_S / 3
        late = [o for o in record.acked() if o.at > killed_at + 1]
        assert late and {o.client for o in late} >= {f"kiosk{i}" for i in range(len(cast.kiosks))}, (
            "some kiosk never got an answer from node A after node B died"
        )
        events, tickets, state = await checks.read_all(a.url, a.admin)
    assert record.unknown(), "no request was cut off by the kill"
    print("node killed:", checks.check(record, events, tickets, state, faults=True))
