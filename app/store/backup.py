"""A copy of the embedded SQLite database taken while the server runs, through SQLite's
online backup API: consistent page by page, and writers are not kept waiting long.
PostgreSQL has pg_dump for this (docs/deployment.md, "Backups")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

# Pages copied per step: between steps the server's writers may go on.
PAGES_PER_STEP = 1024


def backup_sqlite(url: str, dest: Path) -> int:
    """Copy the database at ``url`` to ``dest`` (which must not exist); the tickets in the copy."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError("lobbyq db backup copies the embedded SQLite database; for PostgreSQL use pg_dump")
    source_path = parsed.database or ""
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise ValueError(f"no SQLite database at {source_path or '(none)'}")
    if dest.exists():
        raise ValueError(f"{dest} exists: a backup never overwrites a file")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(dest)
    try:
        source.backup(copy, pages=PAGES_PER_STEP)
        (tickets,) = copy.execute("SELECT count(*) FROM tickets").fetchone()
    finally:
        copy.close()
        source.close()
    return int(tickets)
