"""What every service call needs: the database, the bus, the settings, the clock, and the
small caches that keep the hot path short."""

from __future__ import annotations

import asyncio
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
    _refreshing: dict[str, asyncio.Future] = field(default_factory=dict)

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
        """Every request that finds the profile stale would read it again, all at once:
        one refresh runs at a time, and meanwhile the others use the profile they have,
        if it is not older than twice ``max_age_s``."""
        now = self.clock()
        cached = self._profiles.get(branch)
        if cached and now - cached.at < max_age_s:
            return cached
        refresh = self._refreshing.get(branch)
        if refresh is None:
            refresh = self._refreshing[branch] = asyncio.ensure_future(self._read_profile(branch, now))

            def done(future: asyncio.Future) -> None:
                self._refreshing.pop(branch, None)
                if not future.cancelled():
                    future.exception()  # read here: the next stale request tries again

            refresh.add_done_callback(done)
        if cached and now - cached.at < 2 * max_age_s:
            return cached
        return await asyncio.shield(refresh)

    async def _read_profile(self, branch: str, now: float) -> Profile:
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
