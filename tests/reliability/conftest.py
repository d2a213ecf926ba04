"""The reliability suite's servers: `lobbyq serve` on a PostgreSQL cluster of each test's
own (tests/reliability/faults.py; the machine's shared one also serves other test runs,
whose connections and load would decide a test's fate) and the machine's Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.faults import PrivatePostgres
from tests.support.server import LobbyqServer
from tests.support.services import redis_url, require


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as pg:
        yield pg


@pytest.fixture
def redis() -> str:
    url = redis_url()
    if url is None:
        require("redis")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379: the reliability suite is skipped")
    return url


@pytest.fixture
def lobbyq(postgres: PrivatePostgres, redis: str, tmp_path) -> LobbyqServer:
    """Four workers on that PostgreSQL and Redis, not started yet (``with lobbyq as server``)."""
    return LobbyqServer(postgres.url, workers=4, redis_url=redis, log_dir=tmp_path)
