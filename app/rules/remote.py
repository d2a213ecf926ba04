"""Remote tickets, taken from a phone: the short code that confirms one in the branch, and
until when it may be confirmed (docs/domain.md)."""

from __future__ import annotations

import hashlib

from .layout import Policy
from .tickets import Ticket

CODE_DIGITS = 6


def confirm_code(track_token: str) -> str:
    """Six digits the customer types at the kiosk (or says at the window) with the ticket's
    number. Derived from the tracking code, which only the customer holds, so nothing more
    is stored; the kiosk's token and rate limit stand between a guesser and a million tries."""
    digest = hashlib.sha256(b"lobbyq-confirm:" + track_token.encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def confirm_by(ticket: Ticket, policy: Policy) -> float:
    """A remote ticket not confirmed by then expires."""
    return ticket.issued_at + policy.remote_confirm_minutes * 60
