"""Finding the real PostgreSQL and Redis of this machine, and resetting them between tests."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess

import pytest

PG_ADMIN_DB = "test"  # the database this machine kind provides; each test run makes its own beside it
PG_URL = os.environ.get(
    "LOBBYQ_TEST_POSTGRES_URL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/lobbyq_test_{os.getpid()}"
)
REDIS_URL = os.environ.get("LOBBYQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_created: set[str] = set()


def _psql(database: str, sql: str) -> None:
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", sql], check=True, capture_output=True
    )


def _drop(name: str) -> None:
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            PG_ADMIN_DB,
            "-c",
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        ],
        capture_output=True,
    )


def postgres_url() -> str | None:
    """A database of this test run's own, so runs side by side never reset each other's."""
    if not _answers("127.0.0.1", 5432):
        return None
    name = PG_URL.rsplit("/", 1)[1]
    if name not in _created:
        _psql(PG_ADMIN_DB, f"DROP DATABASE IF EXISTS {name}")
        _psql(PG_ADMIN_DB, f"CREATE DATABASE {name}")
        _created.add(name)
        atexit.register(_drop, name)
    return PG_URL


def redis_url() -> str | None:
    return REDIS_URL if _answers("127.0.0.1", 6379) else None


def require(service: str) -> None:
    """In CI a missing service is a failure, not a quiet skip."""
    wanted = {s.strip() for s in os.environ.get("LOBBYQ_TEST_REQUIRE", "").split(",") if s.strip()}
    if service in wanted:
        pytest.fail(f"{service} is required (LOBBYQ_TEST_REQUIRE) but does not answer on 127.0.0.1")


def reset_postgres(url: str) -> None:
    """Drop everything in this run's database."""
    _psql(url.rsplit("/", 1)[1], "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
