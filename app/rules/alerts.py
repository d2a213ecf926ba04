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

    @property
    def text(self) -> str:
        """What the manager reads, in the branch's language (made when it was raised;
        alerts raised before texts were kept carry an English ``message``)."""
        return str(self.data.get("text") or self.data.get("message") or self.type)

    @property
    def facts(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k not in ("text", "message")}
