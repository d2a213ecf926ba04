"""Websocket screens for the reliability suite: each follows a branch's stream as a hall
screen does (docs/stream.md, "Writing a client"), reconnecting with ``after=<last seq>``
whenever its connection ends, and keeps every event it got by seq, so a test can hold it
to the server's event log: nothing missing from its snapshot on, nothing twice."""

from __future__ import annotations

import asyncio
import json
import random

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.reliability import checks, workload
from tests.reliability.workload import BRANCH, Record


class Screen:
    def __init__(self, ws_urls: list[str], token: str, name: str = "screen"):
        self.ws_urls = ws_urls
        self.token = token
        self.name = name
        self.first: int | None = None  # the seq of the first snapshot
        self.last: int | None = None
        self.events: list[dict] = []
        self.duplicates: list[int] = []
        self.gaps: list[tuple[int, int]] = []
        self.snapshots = 0
        self.connections = 0
        self.close_codes: list[int | None] = []
        self.ws: ClientConnection | None = None
        self._node = 0

    def url(self) -> str:
        after = f"&after={self.last}" if self.last is not None else ""
        return f"{self.ws_urls[self._node]}/api/v1/branches/{BRANCH}/stream?token={self.token}{after}"

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the stream until ``stop``; every ending of a connection is a reconnect."""
        while not stop.is_set():
            try:
                async with connect(self.url(), open_timeout=10, close_timeout=1) as ws:
                    self.ws = ws
                    self.connections += 1
                    await self._follow(ws, stop)
            except ConnectionClosed as closed:
                self.close_codes.append(closed.rcvd.code if closed.rcvd else None)
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                self._node = (self._node + 1) % len(self.ws_urls)  # that node is gone: the next one
            self.ws = None
            if not stop.is_set():
                await asyncio.sleep(random.uniform(0.05, 0.2))

    async def _follow(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            message = json.loads(text)
            kind = message.get("type")
            if kind == "ping":
                continue
            if kind == "snapshot":
                self.snapshots += 1
                if self.first is None:
                    self.first = message["seq"]
                elif message["seq"] != self.last:
                    self.gaps.append((self.last or 0, message["seq"]))  # a resync: what it skipped is lost to it
                self.last = message["seq"]
                continue
            seq = message["seq"]
            if self.last is not None and seq <= self.last:
                self.duplicates.append(seq)
                continue
            if self.last is not None and seq != self.last + 1:
                self.gaps.append((self.last, seq))
            self.events.append(message)
            self.last = seq

    async def drop(self) -> bool:
        """Cut the connection without a closing handshake, as a network drop does."""
        if self.ws is None:
            return False
        self.ws.transport.abort()
        self.ws = None  # dropped once: the next drop waits for the reconnection
        return True

    async def caught_up(self, seq: int, timeout: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while (self.last or 0) < seq:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def assert_complete(self, server_events: list[dict]) -> None:
        """Every event after its first snapshot exactly as the server's log holds it, once."""
        assert self.first is not None, f"{self.name} never got its snapshot"
        assert not self.duplicates, f"{self.name} got seqs twice: {self.duplicates[:10]}"
        assert not self.gaps, f"{self.name} missed events: {self.gaps[:10]}"
        expected = [e for e in server_events if e["seq"] > self.first]
        assert [e["seq"] for e in self.events] == [e["seq"] for e in expected], f"{self.name}: seqs differ"
        assert self.events == expected, f"{self.name}: an event differs from the server's log"


def screens_of(server, count: int) -> list[Screen]:
    """Lay the workload's branch out on ``server`` and make ``count`` screens for it."""
    server.put_branch(workload.layout())
    display = server.token("display", BRANCH)
    return [Screen([server.ws_url], display, f"screen{i}") for i in range(count)]


async def watched_load(server, screens: list[Screen], during=None) -> tuple[Record, list[dict], list[dict], dict]:
    """The mixed workload on ``server`` while the screens follow the stream (``during``
    as in workload.run); then every screen must catch up (a generous deadline, nothing
    timed) and hold exactly the server's events from its snapshot on. Returns the record
    and the server's events, tickets and state for the model check."""
    stop = asyncio.Event()
    tasks = await follow(screens, stop)
    try:
        record = await workload.run([server.url], workload.make_cast(server), workload.LOAD_S, Record(), during=during)
        events, tickets, state = await checks.read_all(server.url, server.admin)
        for s in screens:
            assert await s.caught_up(events[-1]["seq"], 30), f"{s.name} stopped at {s.last} of {events[-1]['seq']}"
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    for s in screens:
        s.assert_complete(events)
    return record, events, tickets, state


async def follow(screens: list[Screen], stop: asyncio.Event) -> list[asyncio.Task]:
    """Start the screens and wait for each one's snapshot."""
    tasks = [asyncio.create_task(s.run(stop)) for s in screens]
    for s in screens:
        for _ in range(200):
            if s.first is not None:
                break
            await asyncio.sleep(0.05)
        assert s.first is not None, f"{s.name} got no snapshot"
    return tasks
