"""Tokens are listed, expire and are revoked (docs/roles.md): a revoked token is refused at
once by every worker of a real ``lobbyq serve``, and its open streams are closed.

``LOBBYQ_TOKEN_RECHECK_S`` is set far beyond the test's span, so only the revocation's
wake-up (PostgreSQL's NOTIFY, Redis, or this process's own bus) can have done it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import own_postgres
from tests.support.server import LobbyqServer
from tests.support.services import postgres_url, redis_url, require

pytestmark = pytest.mark.slow

# (database, workers, with Redis, revoked through)
SHAPES = {
    "sqlite-api": ("sqlite", 1, False, "api"),
    "postgres-cli": ("postgres", 4, False, "cli"),
    "postgres-redis-cli": ("postgres", 4, True, "cli"),
}


def public_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def database(kind: str, tmp) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'lobbyq.db'}"
    pg = postgres_url()
    if pg is None:
        require("postgres")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
    return own_postgres(pg)


def statuses(server: LobbyqServer, token: str, n: int = 24) -> list[httpx.Response]:
    """``n`` requests, each on a connection of its own, so the workers all get some."""
    out = []
    for _ in range(n):
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        out.append(httpx.get(f"{server.url}/api/v1/branches/sjm01/state", headers=headers, timeout=30))
    return out


async def opened_streams(server: LobbyqServer, token: str, n: int):
    streams = []
    for _ in range(n):
        ws = await connect(f"{server.ws_url}/api/v1/branches/sjm01/stream?token={token}")
        await asyncio.wait_for(ws.recv(), 10)  # the snapshot: the stream is live
        streams.append(ws)
    return streams


async def silent(ws, seconds: float) -> bool:
    """Still open after ``seconds``: pings (and nothing else) may arrive meanwhile."""
    try:
        while json.loads(await asyncio.wait_for(ws.recv(), seconds)).get("type") == "ping":
            pass
        return False
    except TimeoutError:
        return True


async def close_code(ws, timeout: float = 15.0) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_revoked_token_is_refused_at_once_everywhere(shape, tmp_path):
    kind, workers, with_redis, through = SHAPES[shape]
    redis = None
    if with_redis:
        redis = redis_url()
        if redis is None:
            require("redis")
            pytest.skip("Redis is not reachable at 127.0.0.1:6379: the Redis shape is skipped")
    env = {"LOBBYQ_TOKEN_RECHECK_S": "600"}
    with LobbyqServer(database(kind, tmp_path), workers=workers, redis_url=redis, env=env, log_dir=tmp_path) as server:
        server.put_branch()
        screen = server.cli_token("display", "sjm01", "hall-1")
        kept = server.cli_token("display", "sjm01", "hall-2")
        assert all(r.status_code == 200 for r in statuses(server, screen))  # every worker knows it now
        streams = await opened_streams(server, screen, 2 * workers)
        others = await opened_streams(server, kept, 2)

        if through == "cli":
            out = server.cli("token", "revoke", public_id(screen)).stdout
            assert public_id(screen) in out and "display" in out
        else:
            with server.client(server.admin) as c:
                r = c.post(f"/api/v1/tokens/{public_id(screen)}/revoke")
                assert r.status_code == 200, r.text
                assert r.json()["id"] == public_id(screen) and r.json()["revoked_at"]

        codes = await asyncio.gather(*(close_code(ws) for ws in streams))
        assert codes == [4401] * len(streams)
        refused = statuses(server, screen)
        assert {r.status_code for r in refused} == {401}
        assert all(r.json()["code"] == "unauthorized" and "revoked" in r.json()["message"] for r in refused)
        # The other token and its streams are untouched.
        assert {r.status_code for r in statuses(server, kept, 10)} == {200}
        for ws in others:
            assert await silent(ws, 0.5), "a stream of the other token was closed"
            await ws.close()

        listed = server.cli("token", "list", "--branch", "sjm01").stdout
        row = next(line for line in listed.splitlines() if line.startswith(public_id(screen)))
        assert "hall-1" in row and not row.rstrip().endswith(" -")  # a revocation time


async def test_cli_revocation_reaches_a_sqlite_server_within_the_recheck(tmp_path):
    """SQLite has no bus between processes: a revocation made by the command line is seen
    at the next check of the token, ``LOBBYQ_TOKEN_RECHECK_S`` later at most."""
    env = {"LOBBYQ_TOKEN_RECHECK_S": "1"}
    url = f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}"
    with LobbyqServer(url, env=env, log_dir=tmp_path) as server:
        server.put_branch()
        screen = server.cli_token("display", "sjm01")
        assert statuses(server, screen, 1)[0].status_code == 200
        [ws] = await opened_streams(server, screen, 1)
        server.cli("token", "revoke", public_id(screen))
        assert await close_code(ws, 10) == 4401
        assert statuses(server, screen, 1)[0].status_code == 401


def test_token_api_lists_expires_and_refuses(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}"
    with LobbyqServer(url, log_dir=tmp_path) as server:
        server.put_branch()
        manager = server.token("manager", "sjm01")
        with server.client(server.admin) as admin:
            three_seconds = 3 / 86400
            body = {"role": "teller", "branch": "sjm01", "name": "王芳", "expires_in_days": three_seconds}
            r = admin.post("/api/v1/tokens", json=body)
            assert r.status_code == 201, r.text
            made = r.json()
            assert made["id"] == public_id(made["token"]) and made["expires_at"]
            listed = admin.get("/api/v1/tokens", params={"branch": "sjm01"}).json()["tokens"]
            mine = next(t for t in listed if t["id"] == made["id"])
            assert mine["name"] == "王芳" and mine["expires_at"] and mine["revoked_at"] is None
            assert all("token" not in t for t in listed)  # a list never shows a token itself
            assert admin.post("/api/v1/tokens/0123456789ab/revoke").status_code == 404
            assert admin.post("/api/v1/tokens/not-an-id/revoke").status_code == 404
            r = admin.post("/api/v1/tokens", json={"role": "teller", "branch": "sjm01", "expires_in_days": 0})
            assert r.status_code == 422
        with server.client(manager) as c:  # only an admin lists or revokes tokens
            assert c.get("/api/v1/tokens").status_code == 403
            assert c.post(f"/api/v1/tokens/{made['id']}/revoke").status_code == 403
        assert statuses(server, made["token"], 1)[0].status_code == 200
        time.sleep(3.5)
        r = statuses(server, made["token"], 1)[0]
        assert r.status_code == 401 and "expired" in r.json()["message"]
