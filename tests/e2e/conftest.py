"""Fixtures of the end-to-end tests: real ``lobbyq serve`` processes on each database."""

from __future__ import annotations

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
    """A fresh database of our own beside ``test``, so that real-server runs are not
    reset under them by another suite sharing ``test``; ``test`` itself if it cannot be made."""
    name = "lobbyq_e2e"
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres"]
    made = subprocess.run([*psql, "-d", "test", "-c", f"CREATE DATABASE {name}"], capture_output=True, text=True)
    if made.returncode != 0 and "already exists" not in made.stderr:
        reset_postgres(url)
        return url
    subprocess.run([*psql, "-d", name, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                   check=True, capture_output=True)
    return url.rsplit("/", 1)[0] + "/" + name
