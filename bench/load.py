"""A small closed-loop load generator: N clients, each sending its next request when the
previous one is answered, for a fixed time. Prints nothing; returns latencies."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.pct(0.99)


Step = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def run(name: str, base_url: str, steps: list[Step], seconds: float, warmup: float = 1.0) -> Result:
    """Each step function is one client; it is called in a loop with its client and index."""
    result = Result(name, seconds)
    limits = httpx.Limits(max_connections=len(steps) * 2, max_keepalive_connections=len(steps) * 2)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        measuring = False
        stop_at = time.perf_counter() + warmup + seconds

        async def one(step: Step, index: int) -> None:
            i = 0
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = await step(client, i)
                elapsed = time.perf_counter() - started
                i += 1
                if measuring:
                    result.latencies.append(elapsed)
                    result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1

        async def timer() -> None:
            nonlocal measuring
            await asyncio.sleep(warmup)
            measuring = True

        await asyncio.gather(timer(), *(one(step, n) for n, step in enumerate(steps)))
    return result
