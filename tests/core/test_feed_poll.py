"""A lost wake-up costs latency, never an event (docs/stream.md): each process polls the
last seqs of the branches it streams, in one statement, and wakes the feeds behind."""

from __future__ import annotations

from tests.support.polling import until


async def test_a_feed_catches_up_without_its_wake_up(api, monkeypatch):
    branch = await api.branch()
    quiet = await api.branch(code="quiet")
    hub = api.app.state.hub
    feed, idle = await hub.feed(branch.code), await hub.feed(quiet.code)
    before, idle_before = feed.last_seq, idle.last_seq

    async def lost(_branch: str, _seq: int) -> None:  # the bus drops every wake-up
        return None

    monkeypatch.setattr(api.ctx.bus, "publish", lost)
    issued = await branch.issue()
    assert await until(lambda: feed.last_seq > before, timeout=5), "the poll never woke the feed"
    assert [text for seq, text in feed.ring if seq == feed.last_seq and issued["id"] in text]
    assert idle.last_seq == idle_before  # a branch with nothing new is not read
