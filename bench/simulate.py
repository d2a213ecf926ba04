"""``python -m bench.simulate``: how fast a simulated branch day runs, and what it sits on.

Prints, for examples/scenarios/pension-day.yaml (about 2,000 tickets): the day's time and
tickets/s as ``lobbyq simulate`` runs it (no fsync), the same day with the database durable
(what the setting saves), and the ceiling: the same service calls with no simpy (issue, call
next, start, finish for as many tickets, one after another on one loop), with the ratio.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from app.events.wakeups import LocalBus
from app.rules.vocabulary import Priority, Role
from app.services import branches, counters, tickets
from app.services.auth import Principal
from app.services.context import Context
from app.settings import Settings
from app.simulation.day import Day, _Template
from app.simulation.scenario import Loaded, load
from app.store.database import open_database

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "pension-day.yaml"


def day(loaded: Loaded, durable: bool) -> tuple[float, int, int]:
    started = time.perf_counter()
    run = Day(loaded, loaded.scenario.seed, durable=durable).run()
    return time.perf_counter() - started, len(run.customers), run.service_calls


async def _services_alone(loaded: Loaded, count: int) -> tuple[float, int]:
    """The ceiling: the services' calls for ``count`` tickets with nothing around them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lobbyq.db"
        _Template.copy_to(path)
        url = f"sqlite+aiosqlite:///{path}"
        db = await open_database(url, durable=False)
        clock = [1_741_999_200.0]
        ctx = Context(db=db, bus=LocalBus(), settings=Settings(database_url=url), clock=lambda: clock[0])
        try:
            await branches.apply_layout(ctx, loaded.code, loaded.layout)
            manager = Principal(Role.MANAGER, loaded.code, "bench", "bench-manager")
            numbers = [c.number for c in loaded.parsed.counters]
            tellers = {n: Principal(Role.TELLER, loaded.code, f"t{n}", f"bench-teller-{n}") for n in numbers}
            for n in numbers:
                await counters.open_counter(ctx, loaded.code, tellers[n], n)
            categories = [c.code for c in loaded.parsed.categories]
            calls = 0
            started = time.perf_counter()
            # A queue as long as the pension day's morning: issue in bursts, then serve.
            for i in range(count):
                clock[0] += 1
                await tickets.issue(ctx, loaded.code, manager, categories[i % len(categories)], Priority.NORMAL, None)
                calls += 1
                if i % 2 == 1:
                    for n in numbers[: 2 if i % 4 == 1 else 3]:
                        if await counters.call_next(ctx, loaded.code, tellers[n], n) is not None:
                            await counters.on_current(ctx, loaded.code, tellers[n], n, "start")
                            await counters.on_current(ctx, loaded.code, tellers[n], n, "finish")
                            calls += 3
                        else:
                            calls += 1
            return time.perf_counter() - started, calls
        finally:
            await db.close()


def main() -> None:
    loaded = load(SCENARIO)
    fast_s, count, calls = day(loaded, durable=False)
    durable_s, _, _ = day(loaded, durable=True)
    ceiling_s, ceiling_calls = asyncio.run(_services_alone(loaded, count))
    sim_rate, ceiling_rate = calls / fast_s, ceiling_calls / ceiling_s
    print(f"pension day: {count} tickets, {calls} service calls")
    print(
        f"  lobbyq simulate (sqlite_durable off)  {fast_s:6.1f} s  {count / fast_s:6.0f} tickets/s"
        f"  {sim_rate:6.0f} calls/s"
    )
    print(f"  same day, database durable (fsync)    {durable_s:6.1f} s  {count / durable_s:6.0f} tickets/s")
    print(
        f"  ceiling: the services alone, no simpy {ceiling_s:6.1f} s  {ceiling_rate:6.0f} calls/s"
        f"  ({ceiling_calls} calls)"
    )
    print(f"  ratio simulate / ceiling (calls/s): {sim_rate / ceiling_rate:.2f}")


if __name__ == "__main__":
    main()
