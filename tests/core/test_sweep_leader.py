"""One process sweeps at a time (app/store/leadership.py): with several workers and nodes
the sweep over every branch ran once per process."""

from __future__ import annotations

from app.services import housekeeping
from app.store import leadership


async def test_a_sweep_round_taken_elsewhere_is_skipped_and_then_free_again(postgres_only_url):
    from tests.support.client import Api

    async with Api.start(postgres_only_url) as api:
        await api.branch()
        async with api.ctx.db.read() as elsewhere:  # another process's connection, as far as the lock goes
            assert await leadership.take(elsewhere, housekeeping.SWEEP_LOCK_KEY)
            try:
                assert await housekeeping.sweep_if_first(api.ctx) is False
            finally:
                await leadership.give(elsewhere, housekeeping.SWEEP_LOCK_KEY)
        assert await housekeeping.sweep_if_first(api.ctx) is True
        assert await housekeeping.sweep_if_first(api.ctx) is True  # the round gave the lock back
