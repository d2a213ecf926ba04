"""The estimate's profile of a branch (recent service times, open counters) is read once
for many requests: a burst of requests finding it stale reads it once."""

from __future__ import annotations

import asyncio

from app.store import outlook


async def test_a_burst_of_stale_requests_reads_the_profile_once(api, monkeypatch):
    b = await api.branch()
    await b.issue()
    ctx = api.ctx
    reads = []
    branch_facts = outlook.branch_facts

    async def counted(*args, **kwargs):
        reads.append(args)
        return await branch_facts(*args, **kwargs)

    monkeypatch.setattr(outlook, "branch_facts", counted)

    api.clock.advance(6)  # stale, but young enough to be used while it is read again
    profiles = await asyncio.gather(*(ctx.profile(b.code) for _ in range(16)))
    await asyncio.sleep(0.2)
    assert len(reads) == 1
    assert ctx._profiles[b.code].at > profiles[0].at  # the refresh landed

    api.clock.advance(3600)  # too old to be shown: every caller waits for the one fresh read
    reads.clear()
    profiles = await asyncio.gather(*(ctx.profile(b.code) for _ in range(16)))
    assert len(reads) == 1
    assert all(p is ctx._profiles[b.code] for p in profiles)
