"""compose.yaml starts a central lobbyq (several workers, PostgreSQL, Redis) with one
command; this machine has no Docker daemon, so its structure is checked here and the same
topology runs in tests/e2e/test_two_nodes.py without Docker."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from app.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _defaults(text: str) -> str:
    """${NAME:-default} as compose would fill it with nothing set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def test_three_services_each_with_a_health_check_and_a_restart_policy():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "lobbyq"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name


def test_lobbyq_starts_after_postgres_and_redis_answer_and_finds_them_by_name():
    compose = _compose()
    lobbyq = compose["services"]["lobbyq"]
    assert lobbyq["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    env = {k: _defaults(str(v)) for k, v in lobbyq["environment"].items()}
    database = make_url(env["LOBBYQ_DATABASE_URL"])
    pg_env = compose["services"]["postgres"]["environment"]
    assert (database.drivername, database.host, database.port) == ("postgresql+asyncpg", "postgres", 5432)
    assert database.username == pg_env["POSTGRES_USER"] and database.database == pg_env["POSTGRES_DB"]
    assert _defaults(pg_env["POSTGRES_PASSWORD"]) == database.password
    assert env["LOBBYQ_REDIS_URL"].startswith("redis://redis:6379/")
    # every variable is one lobbyq reads
    known = {f"LOBBYQ_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known, set(env) - known


def test_several_workers_on_the_published_port_and_the_database_on_a_volume():
    compose = _compose()
    lobbyq = compose["services"]["lobbyq"]
    command = [_defaults(str(part)) for part in lobbyq["command"]]
    assert command[:2] == ["lobbyq", "serve"]
    port = command[command.index("--port") + 1]
    assert int(command[command.index("--workers") + 1]) > 1
    assert any(p.split(":")[-1] == port for p in lobbyq["ports"])
    assert port in lobbyq["healthcheck"]["test"][-1]
    volume, path = compose["services"]["postgres"]["volumes"][0].split(":")
    assert volume in compose["volumes"] and path == "/var/lib/postgresql/data"
