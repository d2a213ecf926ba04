"""What every service call needs: the database, the bus, the settings, the clock, and the
small caches that keep the hot path short."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..rules import layout as layouts
from ..settings import Settings
from ..store.db import Database
from ..store import ticket_rows
from ..store.group_commit import GroupCommit
from ..store.tables import branches, counters, tickets


@dataclass
class Profile:
    """Recent service times and open counters of a branch, for estimates; a few seconds stale at most."""

    open_numbers: set[int]
    mean_service_s: dict[str, float]
    at: float


@dataclass
class Context:
    db: Database
    bus: object
    settings: Settings
    clock: Callable[[], float] = time.time
    writes: GroupCommit | None = None  # SQLite's group commit; None on PostgreSQL
    _layouts: dict[str, tuple[int, layouts.Layout]] = field(default_factory=dict)
    _profiles: dict[str, Profile] = field(default_factory=dict)

    def layout(self, code: str, version: int, text: str) -> layouts.Layout:
        """Parse a stored layout once per version."""
        cached = self._layouts.get(code)
        if cached and cached[0] == version:
            return cached[1]
        layout = layouts.from_dict(code, json.loads(text))
        if self.writes is not None:  # SQLite claims through statements compiled per layout
            ticket_rows.prepare_claims(layout.counters, self.db.inline.dialect)
        self._layouts[code] = (version, layout)
        return layout

    async def read_layout(self, code: str) -> layouts.Layout | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(
                select(branches.c.layout, branches.c.layout_version).where(branches.c.code == code)
            )).first()
        return self.layout(code, row.layout_version, row.layout) if row else None

    async def profile(self, branch: str, max_age_s: float = 5.0) -> Profile:
        now = self.clock()
        cached = self._profiles.get(branch)
        if cached and now - cached.at < max_age_s:
            return cached
        async with self.db.reader.connect() as conn:
            open_numbers = set((await conn.execute(
                select(counters.c.number).where(counters.c.branch == branch, counters.c.state == "open")
            )).scalars())
            rows = await conn.execute(
                select(tickets.c.category, func.avg(tickets.c.finished_at - tickets.c.started_at))
                .where(
                    tickets.c.branch == branch, tickets.c.status == "done",
                    tickets.c.finished_at > now - 7200, tickets.c.started_at.is_not(None),
                )
                .group_by(tickets.c.category)
            )
            means = {category: float(mean) for category, mean in rows if mean is not None and mean > 0}
        profile = Profile(open_numbers, means, now)
        self._profiles[branch] = profile
        return profile
