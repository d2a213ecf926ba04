"""Choose the wake-up bus for this deployment: in-process, Redis, or PostgreSQL NOTIFY."""

from __future__ import annotations

from ..settings import Settings
from ..store.db import Database
from .bus import LocalBus


def make_bus(settings: Settings, db: Database):
    return LocalBus()
