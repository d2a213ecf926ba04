"""Alpha Sign Communications Protocol (9708-8061): Write TEXT file with checksum.

Why: the common protocol of ASCII LED signs. A frame is ``00×5 SOH type addr STX 'A'
label ESC position mode text ETX checksum EOT``; the checksum is four uppercase hex
digits of the 16-bit sum from STX through ETX inclusive. Reference: docs/protocols.md (Alpha).
"""

from __future__ import annotations

from dataclasses import dataclass

SYNC = b"\x00" * 5
SOH, STX, ETX, EOT, ESC = 0x01, 0x02, 0x03, 0x04, 0x1B
TYPE_ALL = b"Z"
POS_FILL, POS_MIDDLE, POS_TOP, POS_BOTTOM = 0x30, 0x20, 0x22, 0x26
MODE_ROTATE, MODE_HOLD, MODE_FLASH = 0x61, 0x62, 0x63


class AlphaError(ValueError):
    """A frame with a bad structure or checksum."""


def checksum(stx_to_etx: bytes) -> bytes:
    return b"%04X" % (sum(stx_to_etx) & 0xFFFF)


def write_text(
    text: str,
    address: int = 0,
    label: str = "A",
    position: int = POS_FILL,
    mode: int = MODE_HOLD,
    sign_type: bytes = TYPE_ALL,
) -> bytes:
    """Write TEXT file ``label``; text outside ASCII is replaced with '?' (ASCII signs)."""
    body = (
        bytes((STX, 0x41))
        + label.encode("ascii")
        + bytes((ESC, position, mode))
        + text.encode("ascii", errors="replace")
        + bytes((ETX,))
    )
    return SYNC + bytes((SOH,)) + sign_type + b"%02X" % address + body + checksum(body) + bytes((EOT,))


@dataclass(frozen=True)
class TextFrame:
    sign_type: bytes
    address: int
    label: str
    position: int
    mode: int
    text: str


def decode(raw: bytes) -> TextFrame:
    """Decode one Write TEXT frame (with or without leading sync NULs); checks the sum."""
    raw = raw.lstrip(b"\x00")
    if len(raw) < 14 or raw[0] != SOH or raw[-1] != EOT:
        raise AlphaError("not framed by SOH … EOT")
    stx = raw.find(bytes((STX,)))
    etx = raw.rfind(bytes((ETX,)))
    if stx != 4 or etx < stx:
        raise AlphaError("STX/ETX misplaced")
    body = raw[stx : etx + 1]
    if raw[etx + 1 : etx + 5] != checksum(body) or len(raw) != etx + 6:
        raise AlphaError("checksum mismatch")
    if body[1] != 0x41 or body[3] != ESC:
        raise AlphaError("not a Write TEXT frame")
    return TextFrame(
        raw[1:2], int(raw[2:4], 16), chr(body[2]), body[4], body[5], body[6:-1].decode("ascii", errors="replace")
    )


class FrameReader:
    """Splits a stream at EOT; frames that fail to decode are counted, not raised."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.errors = 0

    def feed(self, data: bytes) -> list[TextFrame]:
        self._buf += data
        out = []
        while (end := self._buf.find(bytes((EOT,)))) >= 0:
            chunk = bytes(self._buf[: end + 1])
            del self._buf[: end + 1]
            soh = chunk.rfind(bytes((SOH,)), 0, len(chunk) - 1)
            try:
                out.append(decode(chunk[soh:] if soh >= 0 else chunk))
            except (AlphaError, ValueError):
                self.errors += 1
        return out
