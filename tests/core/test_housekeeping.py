"""Housekeeping's pruning of old events, on SQLite and PostgreSQL."""

from __future__ import annotations

from app.services import housekeeping


async def test_the_sweep_prunes_events_older_than_kept_and_only_those(api):
    b = await api.branch()
    for _ in range(3):
        await b.issue()
    before = [e["seq"] for e in await b.events()]
    assert len(before) >= 3
    await housekeeping.sweep_all(api.ctx)  # nothing is old yet
    assert [e["seq"] for e in await b.events()] == before

    api.clock.advance(8 * 86400)  # past events_kept_days (7): a new business day too
    await b.issue()
    await housekeeping.sweep_all(api.ctx)
    kept = await b.events()
    # The first day's events are gone; what the new day made (expiries, the new ticket) stays.
    assert [e["seq"] for e in kept] == list(range(before[-1] + 1, before[-1] + 5))
    assert [e["type"] for e in kept] == ["ticket.expired"] * 3 + ["ticket.issued"]
