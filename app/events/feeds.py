"""The stream that feeds screens, pages and device agents.

One ``Feed`` per branch and process reads each new event from the events table once and
keeps the latest ones in a ring. Every client pulls from that ring at its own pace, so a
client that stalls delays nobody but itself; one that falls more than
``LOBBYQ_STREAM_QUEUE`` events behind is closed (4408) and resyncs by ``seq``. Wake-ups
come from the bus; a poll backs it up, so a lost wake-up (or a Redis restart) costs
latency, never an event: once a second the process reads the last seq of every branch it
streams, in one statement, and wakes the feeds that are behind (a poll per feed read the
events of every branch every second, idle or not: 2,000 reads a second for 500 branches
on 4 workers).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from ..settings import Settings
from ..store import branches, events, hall
from ..store.database import Database
from .wakeups import LocalBus

log = logging.getLogger("lobbyq.stream")

RING = 4096
POLL_S = 1.0


Send = Callable[[str], Awaitable[None]]


class NoBranch(LookupError):
    """A stream was asked for a branch that does not exist."""


class Feed:
    def __init__(self, db: Database, branch: str, last_seq: int):
        self.db = db
        self.branch = branch
        self.last_seq = last_seq
        self.ring: deque[tuple[int, str]] = deque(maxlen=RING)
        self.clients = 0
        self._wake = asyncio.Event()
        self._updated = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"feed-{branch}")

    def wake(self, _branch: str, seq: int) -> None:
        if seq > self.last_seq:
            self._wake.set()

    def since(self, seq: int) -> list[tuple[int, str]] | None:
        """What follows ``seq`` in the ring, or None when the ring no longer reaches back."""
        if seq >= self.last_seq:
            return []
        if not self.ring or self.ring[0][0] > seq + 1:
            return None
        # Seqs in the ring are consecutive, so the position is arithmetic; indexing a
        # deque near its right end is cheap, and live clients only ever read the end.
        start = seq + 1 - self.ring[0][0]
        return [self.ring[i] for i in range(start, len(self.ring))]

    async def stored_seq(self) -> int:
        """The branch's last seq in the database, which this process's feed may not have
        read yet (another worker made the events and its wake-up is on its way)."""
        async with self.db.read() as tx:
            return await branches.last_seq(tx, self.branch) or 0

    async def updated(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):  # wait_for would make a task per client per event
                await self._updated.wait()
        except TimeoutError:
            pass

    async def _run(self) -> None:
        while True:
            await self._wake.wait()  # the bus, or the hub's poll
            self._wake.clear()
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("feed %s could not read events", self.branch)
                await asyncio.sleep(POLL_S)

    async def _read(self) -> None:
        while True:
            batch, gone = await replay(self.db, self.branch, self.last_seq, 500)
            if gone:  # pruned under us: start again from the present
                async with self.db.read() as tx:
                    self.last_seq = await branches.last_seq(tx, self.branch) or 0
                self.ring.clear()
            if not batch:
                break
            self.ring.extend(batch)
            self.last_seq = batch[-1][0]
            self._updated.set()
            self._updated = asyncio.Event()
            if len(batch) < 500:
                break

    def close(self) -> None:
        self._task.cancel()


class Hub:
    """The feeds of one process, created when a branch gets its first client."""

    def __init__(self, db: Database, bus: LocalBus, settings: Settings, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock
        self.bus = bus
        self.settings = settings
        self.feeds: dict[str, Feed] = {}
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self._poller: asyncio.Task[None] | None = None

    async def feed(self, branch: str) -> Feed:
        feed = self.feeds.get(branch)
        if feed is None:
            async with self.db.read() as tx:
                last = await branches.last_seq(tx, branch)
            if last is None:
                raise NoBranch(f"branch {branch!r} not found")
            feed = self.feeds.get(branch)  # another client may have made it meanwhile
            if feed is None:
                feed = Feed(self.db, branch, last)
                self.feeds[branch] = feed
                self._unsubscribe[branch] = self.bus.subscribe(branch, feed.wake)
                if self._poller is None:
                    self._poller = asyncio.create_task(self._poll(), name="feeds-poll")
        return feed

    async def _poll(self) -> None:
        """Once a second, wake the feeds whose branch is past what they read."""
        while True:
            await asyncio.sleep(POLL_S)
            try:
                async with self.db.read() as tx:
                    seqs = await branches.last_seqs(tx, list(self.feeds))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database away: the next poll tries again
                log.warning("feeds could not poll the branches' seqs (%s)", error)
                continue
            for branch, seq in seqs.items():
                feed = self.feeds.get(branch)
                if feed is not None:
                    feed.wake(branch, seq)

    def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        for branch, feed in self.feeds.items():
            feed.close()
            self._unsubscribe[branch]()
        self.feeds.clear()


class TooSlow(Exception):
    """The client fell too far behind; it is closed and resyncs by seq."""


async def replay(db: Database, branch: str, after: int, limit: int) -> tuple[list[tuple[int, str]], bool]:
    """Events after a seq as (seq, text sent), and whether some are no longer kept."""
    async with db.read(consistent=True) as tx:
        found = await events.replay(tx, branch, after, limit)
    if found is None:
        raise NoBranch(f"branch {branch!r} not found")
    return found


async def pump(hub: Hub, feed: Feed, send: Send, after: int | None) -> None:
    """Send a client what it missed (or a snapshot), then everything live, pings between.

    Catching up may read from the table; once live, a client is served from the ring
    only, and one that falls off it, or more than ``stream_queue`` behind after a batch
    it was sent, is too slow (a burst that finds it caught up is not its lag).
    """
    settings = hub.settings
    # A client may be ahead of this process's feed when another worker served it last:
    # it waits for the feed to catch up. Only a seq the branch never reached means a snapshot.
    if after is None or (after > feed.last_seq and after > await feed.stored_seq()):
        last = await _send_snapshot(hub, feed, send)
    else:
        last = after
    limit = settings.stream_queue
    live = False
    caught_up = False  # had everything: what the feed reads next at once is a burst, not its lag
    while True:
        batch = feed.since(last)
        if batch is None:
            if live:
                raise TooSlow("fell behind the live events")
            batch, gone = await replay(hub.db, feed.branch, last, limit)
            if gone:
                last = await _send_snapshot(hub, feed, send)
                continue
        elif live and len(batch) > limit and not caught_up:
            raise TooSlow(f"{len(batch)} events behind")
        else:
            live = True
        if not batch:
            caught_up = True
            await feed.updated(settings.ping_interval_s)
            if feed.since(last) == []:
                await _send(send, '{"type":"ping"}', settings.stream_send_timeout_s)
            continue
        caught_up = False
        for seq, text in batch:
            await _send(send, text, settings.stream_send_timeout_s)
            last = seq


async def _send(send: Send, text: str, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):  # no task per message, unlike wait_for
            await send(text)
    except TimeoutError:
        raise TooSlow("not reading") from None


async def _send_snapshot(hub: Hub, feed: Feed, send: Send) -> int:
    async with hub.db.read(consistent=True) as tx:
        state = await hall.read_state(tx, feed.branch, hub.clock())
    if state is None:
        raise NoBranch(f"branch {feed.branch!r} not found")
    snapshot = json.dumps({"type": "snapshot", "seq": state["seq"], "state": state}, ensure_ascii=False)
    await _send(send, snapshot, hub.settings.stream_send_timeout_s)
    seq: int = state["seq"]
    return seq
