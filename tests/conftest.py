"""Shared fixtures: the real databases, an in-process app, and real ``lobbyq serve`` processes.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379) are used when
they answer. When they do not, their tests are skipped with the reason printed; CI sets
``LOBBYQ_TEST_REQUIRE=postgres,redis`` so that a missing service fails instead.
"""

from __future__ import annotations

import os
import socket

import pytest

from tests.support.services import postgres_url, redis_url, require

BACKENDS = ["sqlite", "postgres"]


def pytest_report_header(config):
    pg = postgres_url()
    rd = redis_url()
    return [
        f"lobbyq: PostgreSQL {'at ' + pg if pg else 'NOT reachable: its tests are skipped'}",
        f"lobbyq: Redis {'at ' + rd if rd else 'NOT reachable: its tests are skipped'}",
    ]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}"
    return _fresh_postgres()


@pytest.fixture
def postgres_only_url():
    """A fresh, empty PostgreSQL database, for what only happens there (concurrent claims)."""
    return _fresh_postgres()


def _fresh_postgres() -> str:
    url = postgres_url()
    if url is None:
        require("postgres")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
    from tests.support.services import reset_postgres

    reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}"


@pytest.fixture
async def api(database_url):
    """The app in-process over httpx, with an admin token and a clock the test can move."""
    from tests.support.client import Api

    async with Api.start(database_url) as api:
        yield api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


os.environ.setdefault("LOBBYQ_SWEEP_INTERVAL_S", "3600")
