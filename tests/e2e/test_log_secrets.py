"""No token and no tracking code in the server's log at any level (#12): uvicorn's access
log wrote the display token of ``stream?token=`` and the customer's tracking code."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import websockets

from app.api.log_secrets import MaskSecrets, masked
from tests.support.server import LobbyqServer

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("GET /api/v1/branches/b/stream?token=abc.DEF-1 HTTP/1.1", "GET /api/v1/branches/b/stream?token=*** HTTP/1.1"),
        ("GET /x?after=3&token=abc&y=1", "GET /x?after=3&token=***&y=1"),
        ("GET /t/Zq9_-x HTTP/1.1", "GET /t/*** HTTP/1.1"),
        ("POST /api/v1/track/Zq9_-x/cancel", "POST /api/v1/track/***/cancel"),
        ("GET /api/v1/branches/b/tickets?date=2026-12-01", "GET /api/v1/branches/b/tickets?date=2026-12-01"),
    ],
)
def test_masked(line, shown):
    assert masked(line) == shown


def test_the_filter_masks_a_records_arguments():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s"', ("1.2.3.4", "GET", "/t/s3"), None)
    MaskSecrets().filter(record)
    assert record.getMessage() == '1.2.3.4 - "GET /t/***"'


def test_a_debug_log_of_a_real_server_holds_no_token_and_no_tracking_code(tmp_path):
    server = LobbyqServer(f"sqlite+aiosqlite:///{tmp_path / 'l.db'}", env={"LOBBYQ_LOG_LEVEL": "debug"}).start()
    try:
        admin = {"Authorization": f"Bearer {server.admin}"}
        layout = {"name": "B", "categories": [{"code": "p", "name": "P", "prefix": "A"}], "counters": []}
        assert httpx.put(f"{server.url}/api/v1/branches/b1", json=layout, headers=admin).status_code in (200, 201)
        kiosk = server.cli_token("kiosk", "b1")
        display = server.cli_token("display", "b1")
        as_kiosk = {"Authorization": f"Bearer {kiosk}"}
        issued = httpx.post(f"{server.url}/api/v1/branches/b1/tickets", json={"category": "p"}, headers=as_kiosk).json()
        track = issued["track_token"]
        assert httpx.get(f"{server.url}/api/v1/track/{track}").status_code == 200
        assert httpx.get(f"{server.url}/t/{track}").status_code == 200
        assert httpx.get(f"{server.url}/api/v1/branches/b1/state?token={display}").status_code in (200, 401)

        async def stream() -> None:
            async with websockets.connect(f"{server.ws_url}/api/v1/branches/b1/stream?token={display}") as ws:
                await asyncio.wait_for(ws.recv(), 10)

        asyncio.run(stream())
        log = server.log_path.read_text()
        assert "/api/v1/track/***" in log and "stream?token=***" in log  # the lines are there, masked
        for secret in (track, display, kiosk, server.admin):
            assert secret not in log
    finally:
        server.stop()
