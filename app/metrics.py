"""Prometheus metrics. Counters are per process; the waiting gauge is read from the
database at scrape time, so it is right whichever worker answers."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from .rules.business_day import day_of
from .store.tables import branches, tickets


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "lobbyq_request_seconds", "HTTP request latency", ["method", "route", "status"], registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.tickets_issued = Counter("lobbyq_tickets_issued_total", "Tickets issued", ["branch", "category"], registry=self.registry)
        self.tickets_called = Counter("lobbyq_tickets_called_total", "Tickets called", ["branch"], registry=self.registry)
        self.waiting = Gauge("lobbyq_waiting_tickets", "Tickets waiting now", ["branch", "category"], registry=self.registry)

    def issued(self, branch: str, category: str) -> None:
        self.tickets_issued.labels(branch, category).inc()

    def called(self, branch: str) -> None:
        self.tickets_called.labels(branch).inc()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)

    async def render(self, ctx) -> tuple[bytes, str]:
        async with ctx.db.reader.connect() as conn:
            codes = list((await conn.execute(select(branches.c.code))).scalars())
            self.waiting.clear()
            for code in codes:
                layout = await ctx.read_layout(code)
                today = day_of(time.time(), layout.zone)
                rows = await conn.execute(
                    select(tickets.c.category, func.count())
                    .where(tickets.c.branch == code, tickets.c.status == "waiting", tickets.c.day == today)
                    .group_by(tickets.c.category)
                )
                counts = dict(rows.all())
                for cat in layout.categories:
                    self.waiting.labels(code, cat.code).set(counts.get(cat.code, 0))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
