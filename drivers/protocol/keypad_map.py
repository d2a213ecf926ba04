"""Modbus register map of teller and evaluation pads (docs/keypads.md).

Why: one place for unit ids, addresses and key codes, shared by the host driver and the
simulator (which is served by pymodbus's own server, an independent implementation).
"""

from __future__ import annotations

from enum import IntEnum

EVAL_UNIT_OFFSET = 100

# teller pad
IR_KEY_COUNTER = 0
IR_LAST_KEY = 1
IR_KEY_ARG = 2
HR_TEXT = 10
HR_TEXT_COUNT = 4
HR_WAITING = 14
# evaluation pad
COIL_LAMP = 0
IR_RATING_COUNTER = 0
IR_LAST_RATING = 1


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
