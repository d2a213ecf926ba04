"""The migrations build exactly the schema ``app/store/tables.py`` declares.

The app reads and writes through ``tables.py``; the database is built by ``migrations/``.
If the two drift (an index added to one only, say), the queries lose the index they were
written for without any error: Alembic's own comparison must find nothing to change.
"""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from app.store import migrate
from app.store.tables import metadata


async def _differences(url: str) -> list:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        found = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    await engine.dispose()
    return found


def test_migrated_schema_matches_the_tables_the_app_uses(database_url):
    migrate.upgrade(database_url)
    diff = [
        d
        for d in asyncio.run(_differences(database_url))
        if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")
    ]
    assert diff == [], f"tables.py and migrations/ disagree: {diff}"
