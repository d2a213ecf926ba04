"""QSystem / Candle RS-485 window boards and QSystem keypads.

Why: the cheap RS-485 family of Russian/Chinese queue systems. No checksum and no reply:
a frame is ``01 addr … 07`` and bytes below 0x20 are framing only, so a receiver must
resynchronise on the next 0x01 after garbage. Pads send ``01 addr key 07`` (exactly 4
bytes; anything else is a collision and is dropped). Reference: docs/protocols.md (QSystem).
"""

from __future__ import annotations

from dataclasses import dataclass

SOH, END = 0x01, 0x07
BLINK_NONE, BLINK_ALWAYS = 0x20, 0x21
# keypad keys (QSystem ButtonDevice)
KEY_CALL, KEY_START, KEY_REDIRECT, KEY_NOSHOW_OR_FINISH = 0x31, 0x32, 0x33, 0x34
# LED commands PC → pad
LED_OFF, LED_RED, LED_GREEN = 0x30, 0x31, 0x32
LED_RED_BLINK_200, LED_GREEN_BLINK_200, LED_RED_BLINK_500, LED_GREEN_BLINK_500 = 0x33, 0x34, 0x35, 0x36
LED_BEEP_OFFSET = 7  # 0x37.. = same + 500 ms beep
CHARSET = "cp1251"


def _encode_text(text: str) -> bytes:
    raw = text.encode(CHARSET, errors="replace")
    # bytes < 0x20 are framing; never let them into a data field
    return bytes(b if b >= 0x20 else 0x20 for b in raw)


def board_text(address: int, text: str, blink: int = BLINK_NONE) -> bytes:
    """Board / pad display: ``01 addr blink text 07``. blink 20 none, 21 always, 22+ N times."""
    if not 0x20 <= blink <= 0x7F:
        raise ValueError("blink byte must be 0x20..0x7F")
    return bytes((SOH, address, blink)) + _encode_text(text) + bytes((END,))


def led(address: int, cmd: int) -> bytes:
    return bytes((SOH, address, cmd, END))


def key_frame(address: int, key: int) -> bytes:
    return bytes((SOH, address, key, END))


@dataclass(frozen=True)
class Frame:
    address: int
    body: bytes  # everything between addr and 07

    @property
    def is_key(self) -> bool:
        return len(self.body) == 1

    @property
    def key(self) -> int:
        return self.body[0]

    @property
    def blink(self) -> int:
        return self.body[0]

    @property
    def text(self) -> str:
        return self.body[1:].decode(CHARSET, errors="replace")


class FrameReader:
    """Stream decoder that resyncs on garbage: a frame starts at 01 and ends at 07;
    any other byte < 0x20 inside a frame, or a frame over ``max_len``, aborts it."""

    def __init__(self, max_len: int = 64) -> None:
        self._cur: bytearray | None = None
        self.max_len = max_len
        self.dropped = 0

    def feed(self, data: bytes) -> list[Frame]:
        out = []
        for b in data:
            if b == SOH:
                if self._cur:
                    self.dropped += 1
                self._cur = bytearray()
            elif self._cur is None:
                continue
            elif b == END:
                cur, self._cur = self._cur, None
                if len(cur) >= 2:
                    out.append(Frame(cur[0], bytes(cur[1:])))
                else:
                    self.dropped += 1
            elif not self._cur:
                self._cur.append(b)  # address byte: QSystem pads use 0x01.. too
            elif b < 0x20 or len(self._cur) >= self.max_len:
                self._cur = None
                self.dropped += 1
            else:
                self._cur.append(b)
        return out


def key_frames(frames: list[Frame]) -> list[tuple[int, int]]:
    """(address, key) of the 4-byte key frames; longer frames are not key presses."""
    return [(f.address, f.key) for f in frames if f.is_key and 0x31 <= f.key <= 0x39]
