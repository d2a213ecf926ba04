"""A counter as it stands: open, paused or closed, who is signed in, whom it serves now."""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import CounterState, Refusal


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


def transfer_target(state: CounterState) -> Refusal | None:
    """What a transfer (转柜) to a counter in this state meets: a closed counter refuses it
    (nobody would call the customer there), a paused one takes it with a warning (the
    customer is called when it resumes), an open one simply takes it."""
    if state == CounterState.CLOSED:
        return Refusal.COUNTER_CLOSED
    if state == CounterState.PAUSED:
        return Refusal.COUNTER_PAUSED
    return None
