"""Prometheus metrics. Counters are per process; the gauges are read from the database at
scrape time, so they are right whichever worker answers (the stream lag excepted: it is
this process's streams').

A branch is a label only while ``LOBBYQ_METRICS_BRANCH_LABELS`` is on: a bank of thousands
of branches turns it off and gets the same series summed over branches (docs/deployment.md
gives the arithmetic)."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ..services import queries
from ..services.context import Context


class Metrics:
    def __init__(self, branch_labels: bool = True) -> None:
        self.branch_labels = branch_labels
        by = ["branch"] if branch_labels else []
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "lobbyq_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.tickets_issued = Counter(
            "lobbyq_tickets_issued_total", "Tickets issued", [*by, "category"], registry=self.registry
        )
        self.tickets_called = Counter("lobbyq_tickets_called_total", "Tickets called", by, registry=self.registry)
        self.waiting = Gauge("lobbyq_waiting_tickets", "Tickets waiting now", [*by, "category"], registry=self.registry)
        self.devices_faulty = Gauge(
            "lobbyq_devices_faulty", "Devices reporting fault or offline", by, registry=self.registry
        )
        self.event_lag = Gauge(
            "lobbyq_event_lag_seconds",
            "Age of the oldest event written but not yet read by this process's streams (0: caught up)",
            registry=self.registry,
        )

    def _branch(self, branch: str) -> tuple[str, ...]:
        return (branch,) if self.branch_labels else ()

    def issued(self, branch: str, category: str) -> None:
        self.tickets_issued.labels(*self._branch(branch), category).inc()

    def called(self, branch: str) -> None:
        self.tickets_called.labels(*self._branch(branch)).inc()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)

    async def render(self, ctx: Context, read_up_to: dict[str, int]) -> tuple[bytes, str]:
        """``read_up_to``: the last seq each of this process's branch streams has read."""
        waiting = await queries.waiting_by_category(ctx)
        faulty = await queries.faulty_devices(ctx)
        self.event_lag.set(await queries.stream_lag(ctx, read_up_to))
        self.waiting.clear()
        self.devices_faulty.clear()
        if self.branch_labels:
            for code, counts in waiting.items():
                for category, count in counts.items():
                    self.waiting.labels(code, category).set(count)
            for code, count in faulty.items():
                self.devices_faulty.labels(code).set(count)
        else:
            summed: Tally[str] = Tally()
            for counts in waiting.values():
                summed.update(counts)
            for category, count in summed.items():
                self.waiting.labels(category).set(count)
            self.devices_faulty.set(sum(faulty.values()))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
