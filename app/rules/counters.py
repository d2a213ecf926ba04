"""A counter as it stands: open, paused or closed, who is signed in, whom it serves now."""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import CounterState


@dataclass(frozen=True)
class CounterRecord:
    number: int
    state: CounterState
    teller: str | None
    teller_token: str | None  # the hash of the signed-in teller's token
    current_ticket: str | None
    pause_reason: str | None
    stray_presses: int
    updated_at: float
