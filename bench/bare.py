"""The bare stack under lobbyq, for comparison: a FastAPI endpoint on the same engine
(app.store.db.connect, same pool, same BEGIN IMMEDIATE and pragmas) running the same
number of SQL statements per request as the lobbyq endpoint it is compared with, and
nothing else: no auth, no rules, no events.

Run by bench/core.py as ``uvicorn bench.bare:create --factory`` with
BENCH_DB_URL and BENCH_STATEMENTS set.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from app.store.db import connect


# lobbyq's own last path segments, so that one load script drives both servers.
ROUTES = {"issue": "tickets", "callnext": "call-next", "finish": "finish"}


def transaction(count: int) -> list[str]:
    """The ``count`` statements of one bare request: updates of a few hot rows between
    counts, then an insert. bench/core.py hands the same ones to pgbench."""
    body = [
        f"UPDATE bare SET n = n + 1 WHERE id = {i % 8} RETURNING n" if i % 2 == 0 else "SELECT count(*) FROM bare WHERE n > 0"
        for i in range(count - 1)
    ]
    return body + ["INSERT INTO bare_log (id, n, note) VALUES (0, 0, 'x')"]


def create() -> FastAPI:
    url = os.environ["BENCH_DB_URL"]
    statements = {k: int(v) for k, v in (p.split("=") for p in os.environ["BENCH_STATEMENTS"].split(","))}
    state = {}

    @asynccontextmanager
    async def lifespan(app):
        db = connect(url)
        async with db.writer.begin() as conn:
            if not db.is_sqlite:  # several workers start at once: one creates, the others wait
                await conn.execute(text("SELECT pg_advisory_xact_lock(7431)"))
            await conn.execute(text("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
            await conn.execute(text("CREATE TABLE IF NOT EXISTS bare_log (id INTEGER, n INTEGER, note TEXT)"))
            for i in range(8):
                if db.is_sqlite:
                    await conn.execute(text("INSERT OR IGNORE INTO bare (id, n) VALUES (:i, 0)"), {"i": i})
                else:
                    await conn.execute(text("INSERT INTO bare (id, n) VALUES (:i, 0) ON CONFLICT DO NOTHING"), {"i": i})
        state["db"] = db
        yield
        await db.dispose()

    app = FastAPI(lifespan=lifespan)

    def endpoint(kind: str):
        sql = [text(s) for s in transaction(statements[kind])]

        async def run(body: dict | None = None) -> dict:
            db = state["db"]
            async with db.writer.connect() as conn:
                await conn.begin()
                for statement in sql:
                    await conn.execute(statement)
                await conn.commit()
            return {"statements": len(sql)}

        app.add_api_route(f"/bare/{ROUTES.get(kind, kind)}", run, methods=["POST"])

    for kind in statements:
        endpoint(kind)
    return app
