"""An alert for the lobby manager: open until acknowledged with a note, or cleared when
its cause is gone and the policy lets its type clear itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .counters import CounterRecord
from .devices import FAULTY
from .layout import Counter
from .vocabulary import AlertStatus, AlertType, CounterState, TicketStatus


@dataclass(frozen=True)
class Alert:
    id: str
    type: str
    key: str  # its cause: one open alert per (type, key), no alert storms
    status: AlertStatus
    raised_at: float
    data: dict[str, Any]
    note: str | None = None
    acked_at: float | None = None
    acked_by: str | None = None
    cleared_at: float | None = None

    @property
    def text(self) -> str:
        """What the manager reads, in the branch's language (made when it was raised;
        alerts raised before texts were kept carry an English ``message``)."""
        return str(self.data.get("text") or self.data.get("message") or self.type)

    @property
    def facts(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k not in ("text", "message")}


def closable_counters(
    category: str, counters: Iterable[Counter], records: Iterable[CounterRecord]
) -> list[dict[str, Any]]:
    """The counters that could serve ``category`` but are closed or paused, the ones that
    have it earliest in their ``serves`` first (they would call it first), then by number:
    what a ``queue.too_long`` alert asks the manager to open."""
    states = {r.number: r.state for r in records}
    found = [
        c for c in counters if category in c.serves and states.get(c.number, CounterState.CLOSED) != CounterState.OPEN
    ]
    found.sort(key=lambda c: (c.serves.index(category), c.number))
    return [{"number": c.number, "name": c.name, "state": states.get(c.number, CounterState.CLOSED)} for c in found]


@dataclass(frozen=True)
class Causes:
    """What the lobby looks like now, as far as the open alerts' causes go."""

    ticket_status: Mapping[str, str]  # the alerts' tickets by id; a ticket absent is gone
    queued: Mapping[str, int]  # tickets waiting per category, as counted at issue
    queue_limit: int | None  # policy.alert_queue_length
    device_status: Mapping[str, str]  # each device's last reported status


def cause_gone(alert: Alert, now: Causes) -> bool:
    """Whether the cause of an open alert is gone: its ticket no longer waiting (long
    wait) or no longer a no-show (missed green-channel customer), its category back to
    the limit or below (or the limit turned off), its device reported in a good state.
    A rating of 4 never goes away."""
    if alert.type == AlertType.LONG_WAIT:
        return now.ticket_status.get(alert.key) != TicketStatus.WAITING
    if alert.type == AlertType.MISSED_VULNERABLE:
        return now.ticket_status.get(alert.key) != TicketStatus.NO_SHOW
    if alert.type == AlertType.QUEUE_TOO_LONG:
        return now.queue_limit is None or now.queued.get(alert.key, 0) <= now.queue_limit
    if alert.type == AlertType.DEVICE_FAULT:
        status = now.device_status.get(alert.key)
        return status is not None and status not in FAULTY
    return False
