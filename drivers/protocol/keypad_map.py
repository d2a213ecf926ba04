"""Modbus register map of teller and evaluation pads (docs/keypads.md).

Why: one place for unit ids, addresses and key codes, shared by the host driver and the
simulator (which is served by pymodbus's own server, an independent implementation).
"""

from __future__ import annotations

from enum import IntEnum

from app.rules.vocabulary import Refusal

EVAL_UNIT_OFFSET = 100

# teller pad
IR_KEY_COUNTER = 0
IR_LAST_KEY = 1
IR_KEY_ARG = 2
HR_TEXT = 10
HR_TEXT_COUNT = 4
HR_WAITING = 14  # (the text registers 10–13 also show why a press was refused, below)
# evaluation pad
COIL_LAMP = 0
IR_RATING_COUNTER = 0
IR_LAST_RATING = 1
RATINGS = range(1, 5)  # 1 very satisfied … 4 unsatisfied; anything else is no rating

# More new presses than this between two readings of a pad is not a person pressing keys:
# the pad restarted (its counter began again at 0, or at a stale value) and is re-learned.
# Why 8: a pad is read at least every 2 s (a pad that went silent, docs/keypads.md), a
# whole bus of 32 pads in well under a second; nobody presses more than a few keys in
# that time, and of several presses only the last key is known anyway. Across an agent
# restart (state file younger than 120 s) the same bound holds: a handful of presses
# while the agent was away act once; more means the pad was used, or restarted, without
# us, and acting on its last key would be a guess.
MAX_PRESSES_BETWEEN_POLLS = 8


class Key(IntEnum):
    CALL_NEXT = 1
    RECALL = 2
    NO_SHOW = 3
    START = 4
    FINISH = 5
    PAUSE = 6
    RESUME = 7
    TRANSFER = 8
    POSTPONE = 9


# key → API action (path segment after /counters/{n}/)
KEY_ACTION = {
    Key.CALL_NEXT: "call-next",
    Key.RECALL: "recall",
    Key.NO_SHOW: "skip",
    Key.START: "start",
    Key.FINISH: "finish",
    Key.PAUSE: "pause",
    Key.RESUME: "resume",
    Key.TRANSFER: "transfer",
    Key.POSTPONE: "postpone",
}


def key_of(code: int) -> Key | None:
    """The key a code names; None for 0 (no key since the pad started) or an unknown code."""
    try:
        return Key(code)
    except ValueError:
        return None


# Why a teller's press was refused, as the pad's display shows it (up to 8 ASCII
# characters, in the text registers 10–13 for REASON_HOLD_S). One table, keyed by the
# ``code`` of the API's error body; any other refusal, a 5xx or no server is ERR.
REASON_EMPTY = "EMPTY"  # call next: 204, nobody waits for this counter
REASON_ERROR = "ERR"
REFUSAL_TEXT: dict[str, str] = {
    Refusal.COUNTER_CLOSED: "CLOSED",
    Refusal.COUNTER_PAUSED: "PAUSED",
    Refusal.NO_CUSTOMER: "NONE",
    Refusal.CUSTOMER_AT_COUNTER: "BUSY",
}
REASON_HOLD_S = 5.0


def refusal_text(code: str | None) -> str:
    """The pad's text for an error body's ``code`` (None: no body, a 5xx, no answer)."""
    return REFUSAL_TEXT.get(code or "", REASON_ERROR)


def teller_unit(counter: int) -> int:
    return counter


def eval_unit(counter: int) -> int:
    return EVAL_UNIT_OFFSET + counter


def pack_text(text: str, registers: int = HR_TEXT_COUNT) -> list[int]:
    """ASCII, two chars per register, first in the high byte, space padded/truncated."""
    raw = text.encode("ascii", errors="replace")[: registers * 2].ljust(registers * 2, b" ")
    return [(raw[i] << 8) | raw[i + 1] for i in range(0, len(raw), 2)]


def unpack_text(regs: list[int]) -> str:
    return b"".join(bytes(((r >> 8) & 0xFF, r & 0xFF)) for r in regs).decode("ascii", "replace").rstrip(" ")


def counter_delta(prev: int, cur: int) -> int:
    """Number of new events between two 16-bit wrapping counter readings."""
    return (cur - prev) & 0xFFFF


def new_presses(prev: int, cur: int) -> int | None:
    """Presses between two readings of a pad's counter: 0 or more, or None when the
    pad restarted (its counter went back, or jumped further than a person presses)."""
    delta = counter_delta(prev, cur)
    return delta if delta <= MAX_PRESSES_BETWEEN_POLLS else None
