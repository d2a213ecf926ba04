"""Bring the schema up to date with Alembic (``lobbyq db upgrade``, and ``serve`` at start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Run in a thread of its own: env.py drives its own event loop."""

    def run() -> None:
        command.upgrade(alembic_config(url), "head")

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
        return
    import threading

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
