"""What every service call needs: the database, the wake-up bus, the settings, the
clock, and the estimate profile each branch keeps warm."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import NotFound
from ..rules.business_day import day_of
from ..rules.lobby_outlook import BranchFacts
from ..settings import Settings
from ..store import branches, outlook
from ..store.database import Database
from .notices import Deliveries, LogNotifier


class Publisher(Protocol):
    """Where a unit of work announces "branch B has events up to seq S" after its commit."""

    # The PostgreSQL channel the commit itself notifies on, or None.
    notify_channel: str | None

    async def publish(self, branch: str, seq: int) -> None: ...


@dataclass
class Profile:
    """What the estimates of a branch play forward (rules.estimates); a few seconds stale at most."""

    facts: BranchFacts
    at: float


@dataclass
class Context:
    db: Database
    bus: Publisher
    settings: Settings
    clock: Callable[[], float] = time.time
    # token hash → (principal, when checked, expires at): the tokens this worker has checked
    principals: dict[str, tuple[Any, float, float | None]] = field(default_factory=dict)
    _profiles: dict[str, Profile] = field(default_factory=dict)
    _refreshing: dict[str, asyncio.Future[Profile]] = field(default_factory=dict)
    # Notices to customers, sent beside the requests (services/notices.py).
    notices: Deliveries = field(default_factory=lambda: Deliveries(LogNotifier()))

    async def profile(self, branch: str, max_age_s: float = 5.0) -> Profile:
        """One refresh at a time: meanwhile the others use the profile they have, if it is
        not older than twice ``max_age_s``."""
        now = self.clock()
        cached = self._profiles.get(branch)
        if cached and now - cached.at < max_age_s:
            return cached
        refresh = self._refreshing.get(branch)
        if refresh is None:
            refresh = self._refreshing[branch] = asyncio.ensure_future(self._read_profile(branch, now))

            def done(future: asyncio.Future[Profile]) -> None:
                self._refreshing.pop(branch, None)
                if not future.cancelled():
                    future.exception()  # read here: the next stale request tries again

            refresh.add_done_callback(done)
        if cached and now - cached.at < 2 * max_age_s:
            return cached
        return await asyncio.shield(refresh)

    async def _read_profile(self, branch: str, now: float) -> Profile:
        async with self.db.read() as tx:
            stored = await branches.read(tx, branch)
            if stored is None:
                raise NotFound(f"branch {branch!r} not found")
            facts = await outlook.branch_facts(tx, branch, day_of(now, stored.layout.zone), now, stored.layout.policy)
        profile = Profile(facts, now)
        self._profiles[branch] = profile
        return profile
