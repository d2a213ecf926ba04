"""Fixtures of the end-to-end tests: real ``lobbyq serve`` processes on each database."""

from __future__ import annotations

import atexit
import os
import subprocess

import pytest

from tests.support.server import LobbyqServer
from tests.support.services import postgres_url, require, reset_postgres

# (database, uvicorn workers): PostgreSQL is the scaled shape, SQLite the embedded one.
SHAPES = {"sqlite": 1, "postgres": 4}


@pytest.fixture
def serve(tmp_path):
    """``serve(database_url, workers=1, **kwargs)`` starts a real server; all are stopped after the test."""
    servers: list[LobbyqServer] = []

    def start(database_url: str, workers: int = 1, **kwargs) -> LobbyqServer:
        server = LobbyqServer(database_url, workers=workers, log_dir=tmp_path, **kwargs)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(params=list(SHAPES))
def shape(request, tmp_path) -> tuple[str, str, int]:
    """(name, fresh database URL, workers) for SQLite with one worker and PostgreSQL with four."""
    if request.param == "sqlite":
        return "sqlite", f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}", SHAPES["sqlite"]
    url = postgres_url()
    if url is None:
        require("postgres")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
    return "postgres", own_postgres(url), SHAPES["postgres"]


def own_postgres(url: str) -> str:
    """A fresh database of our own beside ``test``, so that a suite resetting ``test`` (or
    another run of this one) cannot pull it away under a running server. Named after this
    process; dropped at exit, and leftovers of dead processes are dropped on the way."""
    global _made
    _made += 1
    name = f"lobbyq_e2e_{os.getpid()}_{_made}"
    try:
        for stale in _psql("test", "SELECT datname FROM pg_database WHERE datname LIKE 'lobbyq_e2e%'").split():
            pid = stale.split("_")[2] if stale.count("_") >= 3 else ""
            if not pid.isdigit() or not _alive(int(pid)):
                _psql("test", f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        _psql("test", f'CREATE DATABASE "{name}"')
    except subprocess.CalledProcessError:
        reset_postgres(url)  # cannot make databases here: fall back on the shared one
        return url
    atexit.register(_psql, "test", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)
    return url.rsplit("/", 1)[0] + "/" + name


_made = 0


def _psql(database: str, sql: str, check: bool = True) -> str:
    result = subprocess.run(
        ["psql", "-qAt", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", sql],
        capture_output=True,
        text=True,
        check=check,
    )
    return result.stdout


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
