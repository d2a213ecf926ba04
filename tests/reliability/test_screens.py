"""Websocket screens under the mixed workload on four workers and Redis (#12 item 4):
100 random drops, each screen reconnecting with its last seq, and a client that stalls
(never reads) beside healthy ones. Every healthy screen ends with exactly the server's
events from its snapshot on; the model check holds for the HTTP side too."""

from __future__ import annotations

import asyncio
import random
import re
import socket

import pytest

from tests.reliability import checks, workload
from tests.reliability.screens import screens_of, watched_load

pytestmark = pytest.mark.slow

DROPS = 100


async def test_100_random_websocket_drops_under_load_each_screen_ends_exact(lobbyq):
    with lobbyq as server:
        screens = screens_of(server, 8)
        rng = random.Random(5)
        dropped: list[str] = []

        async def drop_at_random(record: workload.Record) -> None:
            while len(dropped) < DROPS:
                await asyncio.sleep(rng.uniform(0.02, 1.6 * workload.LOAD_S / DROPS))
                screen = rng.choice(screens)
                if await screen.drop():
                    dropped.append(screen.name)

        record, events, tickets, state = await watched_load(server, screens, drop_at_random)
    print("drops:", checks.check(record, events, tickets, state, faults=False))
    assert len(dropped) == DROPS
    assert sum(s.connections for s in screens) >= len(screens) + DROPS, "some drop did not end a connection"
    assert sum(s.snapshots for s in screens) == len(screens), "a reconnect got a snapshot instead of the replay"


async def test_a_stalled_client_under_load_is_dropped_4408_and_delays_nobody(lobbyq):
    lobbyq.extra_env["LOBBYQ_STREAM_SEND_TIMEOUT_S"] = "2"
    with lobbyq as server:
        screens = screens_of(server, 8)
        display = screens[0].token
        # A raw connection that completes the handshake and then never reads a byte. Its
        # small receive buffer and segments keep the server's socket buffer for it small
        # too (sized from the segment size): on loopback's 64 KiB segments a megabyte of
        # events would fit in the kernel, and the server would never see it stall.
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        stalled.connect(("127.0.0.1", server.port))
        stalled.sendall(
            f"GET /api/v1/branches/{workload.BRANCH}/stream?token={display} HTTP/1.1\r\nHost: x\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        try:
            record, events, tickets, state = await watched_load(server, screens)
            received = await asyncio.to_thread(_read_until_closed, stalled, 30)
        finally:
            stalled.close()
    print("stalled client:", checks.check(record, events, tickets, state, faults=False))
    assert all(s.connections == 1 for s in screens), [s.close_codes for s in screens]  # a healthy screen dropped
    print("stalled client received", len(received), "bytes, then its close")
    assert CLOSE_4408.search(received), received[-200:]


CLOSE_4408 = re.compile(rb"\x88[\x02-\x7d]\x11\x38")  # a close frame from the server: 0x88, a length, 4408


def _read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """What the server sent, up to its close frame (or the end of the connection)."""
    sock.settimeout(timeout)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
        if CLOSE_4408.search(received, max(0, len(received) - len(chunk) - 8)):
            break
    return received
