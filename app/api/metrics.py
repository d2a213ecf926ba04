"""Prometheus metrics. Counters are per process; the waiting gauge is read from the
database at scrape time, so it is right whichever worker answers."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ..services import queries
from ..services.context import Context


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "lobbyq_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.tickets_issued = Counter(
            "lobbyq_tickets_issued_total", "Tickets issued", ["branch", "category"], registry=self.registry
        )
        self.tickets_called = Counter(
            "lobbyq_tickets_called_total", "Tickets called", ["branch"], registry=self.registry
        )
        self.waiting = Gauge(
            "lobbyq_waiting_tickets", "Tickets waiting now", ["branch", "category"], registry=self.registry
        )

    def issued(self, branch: str, category: str) -> None:
        self.tickets_issued.labels(branch, category).inc()

    def called(self, branch: str) -> None:
        self.tickets_called.labels(branch).inc()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)

    async def render(self, ctx: Context) -> tuple[bytes, str]:
        waiting = await queries.waiting_by_category(ctx)
        self.waiting.clear()
        for code, counts in waiting.items():
            for category, count in counts.items():
                self.waiting.labels(code, category).set(count)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
