"""A manager's move on a ticket takes the counter's lock before the ticket's, as a
teller's press does. When the ticket is called between the manager's first look and its
lock, the move starts again instead of waiting for the counter while holding the ticket:
the reliability suite's mixed workload found that deadlock on PostgreSQL (a call-next,
holding its counter, waiting for the ticket a reassign held; #12 item 4)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import asyncpg

from app.rules.vocabulary import TicketStatus
from app.store import tickets as stored_tickets
from app.store.database import _dsn
from tests.support.client import Api
from tests.support.polling import until


async def test_a_ticket_called_under_a_managers_move_does_not_deadlock(postgres_only_url, monkeypatch):
    async with Api.start(postgres_only_url) as api:
        b = await api.branch()
        ticket = await b.issue()
        await b.open(1)
        r = await b.teller(1, "call-next")
        assert r.status_code == 200 and r.json()["id"] == ticket["id"]

        # The manager's first look sees the ticket still waiting, as if the call came right after it.
        real_get = stored_tickets.get
        looks = []

        async def stale_first_look(tx, branch, ticket_id, lock=False):
            found = await real_get(tx, branch, ticket_id, lock=lock)
            if not lock and not looks and found is not None:
                looks.append(found)
                return replace(found, status=TicketStatus.WAITING, counter=None)
            return found

        monkeypatch.setattr(stored_tickets, "get", stale_first_look)

        teller = await asyncpg.connect(_dsn(postgres_only_url))  # counter 1's next press, by hand
        watcher = await asyncpg.connect(_dsn(postgres_only_url))
        try:
            press = teller.transaction()
            await press.start()
            await teller.execute("SELECT 1 FROM counters WHERE branch = 'sjm01' AND number = 1 FOR UPDATE")
            move = asyncio.create_task(b.manager("POST", f"/tickets/{ticket['id']}/reassign", json={"category": "fx"}))

            async def manager_waits_for_the_counter() -> bool:
                return bool(
                    await watcher.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1",
                        teller.get_server_pid(),
                    )
                )

            assert await until(manager_waits_for_the_counter, timeout=10)
            # The press goes on to the counter's ticket: it must get it, not a deadlock.
            await asyncio.wait_for(
                teller.execute("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", ticket["id"]), timeout=10
            )
            await press.commit()
            answer = await asyncio.wait_for(move, 10)
        finally:
            await teller.close()
            await watcher.close()
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "waiting" and answer.json()["category"] == "fx"
        state = await b.state()
        assert state["counters"][0]["current_ticket"] is None
