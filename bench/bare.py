"""The bare stack under lobbyq, for comparison: a FastAPI endpoint on the same database
layer (app.store.database: the same connections, group commit on SQLite, asyncpg pool on
PostgreSQL) running the same number of SQL statements per request as the lobbyq
endpoint it is compared with, and nothing else: no auth, no rules, no events.

Run by bench/core.py as ``uvicorn bench.bare:create --factory`` with
BENCH_DB_URL and BENCH_STATEMENTS set.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from app.store.database import open_database, transaction
from app.store.statement import Statement

# lobbyq's own last path segments, so that one load script drives both servers.
ROUTES = {"issue": "tickets", "callnext": "call-next", "finish": "finish"}


def transaction_sql(count: int) -> list[str]:
    """The ``count`` statements of one bare request: updates of a few hot rows between
    counts, then an insert. bench/core.py hands the same ones to pgbench."""
    body = [
        f"UPDATE bare SET n = n + 1 WHERE id = {i % 8} RETURNING n"
        if i % 2 == 0
        else "SELECT count(*) FROM bare WHERE n > 0"
        for i in range(count - 1)
    ]
    return body + ["INSERT INTO bare_log (id, n, note) VALUES (0, 0, 'x')"]


def create() -> FastAPI:
    url = os.environ["BENCH_DB_URL"]
    statements = {k: int(v) for k, v in (p.split("=") for p in os.environ["BENCH_STATEMENTS"].split(","))}
    state = {}

    @asynccontextmanager
    async def lifespan(app):
        db = await open_database(url)
        sqlite = url.startswith("sqlite")
        setup = [
            "CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS bare_log (id INTEGER, n INTEGER, note TEXT)",
            *(f"INSERT INTO bare (id, n) VALUES ({i}, 0) ON CONFLICT DO NOTHING" for i in range(8)),
        ]
        if not sqlite:  # several workers start at once: one creates, the others wait
            setup.insert(0, "SELECT pg_advisory_xact_lock(7431)")
        async with transaction(db) as tx:
            for sql in setup:
                await tx.fetch(Statement(text(sql)), {})
        state["db"] = db
        yield
        await db.close()

    app = FastAPI(lifespan=lifespan)

    def endpoint(kind: str):
        sql = [Statement(text(s)) for s in transaction_sql(statements[kind])]

        async def run(body: dict | None = None) -> dict:
            writing = await state["db"].begin()
            try:
                for statement in sql:
                    await writing.tx.fetch(statement, {})
                await writing.commit()
            finally:
                await writing.rollback()
            return {"statements": len(sql)}

        app.add_api_route(f"/bare/{ROUTES.get(kind, kind)}", run, methods=["POST"])

    for kind in statements:
        endpoint(kind)
    return app
