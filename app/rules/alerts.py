"""An alert for the lobby manager: open until acknowledged with a note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .vocabulary import AlertStatus


@dataclass(frozen=True)
class Alert:
    id: str
    type: str
    key: str  # one open alert per (type, key): no alert storms
    status: AlertStatus
    raised_at: float
    data: dict[str, Any]
    note: str | None = None
    acked_at: float | None = None
    acked_by: str | None = None
