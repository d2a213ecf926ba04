"""Onbon BX-5K/5MK/6K font-card protocol, version 0x02.

Why here: the most common controller of Chinese LED strip screens. A frame is
``A5×8 | escaped(header + data + CRC16/ARC LE) | 5A``. The CRC covers DstAddr through
the end of Data and is computed *before* escaping; escaping covers the CRC too.
Reference frames: docs/protocols.md (Onbon).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PREAMBLE = b"\xa5" * 8
END = 0x5A
SRC_PC = 0x8000
DEVICE_ANY = 0xFE
VERSION = 0x02
REPLY_REQUIRED = 0x01
REPLY_NONE = 0x02

# command group/cmd pairs
CMD_ACK = (0xA0, 0x00)
CMD_NACK = (0xA0, 0x01)
CMD_STATUS = (0xA1, 0x02)
CMD_PING = (0xA2, 0x00)
CMD_DYNAMIC_AREA = (0xA3, 0x06)
CMD_CLEAR = (0xA3, 0x10)

_ESC = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
_UNESC = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}


class OnbonError(ValueError):
    """A frame that is malformed, wrongly escaped or fails its CRC."""


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC: poly 0x8005 reflected, init 0, no xorout (check 0xBB3D)."""
    crc = 0
    for b in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ b) & 0xFF]
    return crc


def escape(body: bytes) -> bytes:
    return b"".join(_ESC.get(b, bytes((b,))) for b in body)


def unescape(body: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(body):
        b = body[i]
        if b in (0xA6, 0x5B):
            if i + 1 >= len(body) or (b, body[i + 1]) not in _UNESC:
                raise OnbonError(f"bad escape at {i}")
            out.append(_UNESC[(b, body[i + 1])])
            i += 2
        elif b in (0xA5, 0x5A):
            raise OnbonError(f"unescaped 0x{b:02X} at {i}")
        else:
            out.append(b)
            i += 1
    return bytes(out)


def build_frame(data: bytes, dst: int = 1, src: int = SRC_PC, device_type: int = DEVICE_ANY) -> bytes:
    """Wrap a data field (group, cmd, reply, 2 reserved, payload) in a full wire frame."""
    header = struct.pack("<HH", dst, src) + b"\x00" * 6 + bytes((device_type, VERSION)) + struct.pack("<H", len(data))
    body = header + data
    return PREAMBLE + escape(body + struct.pack("<H", crc16_arc(body))) + bytes((END,))


def command(group_cmd: tuple[int, int], payload: bytes = b"", dst: int = 1, reply: int = REPLY_REQUIRED) -> bytes:
    return build_frame(bytes(group_cmd) + bytes((reply, 0, 0)) + payload, dst=dst)


def ping(dst: int = 1) -> bytes:
    return command(CMD_PING, dst=dst)


def status_query(dst: int = 1) -> bytes:
    return command(CMD_STATUS, dst=dst)


def clear_screen(dst: int = 1) -> bytes:
    return command(CMD_CLEAR, dst=dst)


def dynamic_area(
    text: str,
    dst: int = 1,
    *,
    area_id: int = 0,
    x: int = 0,
    y: int = 0,
    width: int = 0x10,
    height: int = 0x20,
    run_mode: int = 0,
    timeout_s: int = 2,
    display_mode: int = 1,
    speed: int = 0,
    stay: int = 0x0A,
    multi_line: bool = False,
    reply: int = REPLY_REQUIRED,
) -> bytes:
    """A3 06: replace dynamic area ``area_id`` with GB2312 ``text`` (static by default)."""
    raw = text.encode("gb2312", errors="replace")
    area = (
        bytes((0,))  # area type
        + struct.pack("<HHHH", x, y, width, height)
        + bytes((area_id, 0, run_mode))
        + struct.pack("<H", timeout_s)
        + bytes((0, 0, 0))  # sound off, no extra params, alignment
        + bytes((2 if multi_line else 1, 1, display_mode, 0, speed, stay))
        + struct.pack("<I", len(raw))
        + raw
    )
    payload = bytes((0, 1)) + struct.pack("<H", len(area)) + area
    return command(CMD_DYNAMIC_AREA, payload, dst=dst, reply=reply)


@dataclass(frozen=True)
class Frame:
    dst: int
    src: int
    device_type: int
    version: int
    data: bytes

    @property
    def group_cmd(self) -> tuple[int, int]:
        return (self.data[0], self.data[1])

    @property
    def payload(self) -> bytes:
        return self.data[5:]

    @property
    def is_ack(self) -> bool:
        return self.group_cmd == CMD_ACK

    def text(self) -> str | None:
        """Text of an A3 06 frame's first area (GB2312), else None."""
        if self.group_cmd != CMD_DYNAMIC_AREA:
            return None
        p = self.payload
        ndel = p[0]
        off = 1 + (ndel if ndel not in (0, 0xFF) else 0)
        nareas = p[off]
        if nareas < 1:
            return ""
        area = p[off + 3 :]
        (tlen,) = struct.unpack_from("<I", area, 23)
        return area[27 : 27 + tlen].decode("gb2312", errors="replace")


def decode_frame(raw: bytes) -> Frame:
    """Decode one complete frame (preamble, escaped body, 5A); verifies length and CRC."""
    if not raw.startswith(b"\xa5") or raw[-1] != END:
        raise OnbonError("not framed by A5 … 5A")
    body = unescape(raw.lstrip(b"\xa5")[:-1])
    if len(body) < 16:
        raise OnbonError("frame too short")
    dst, src = struct.unpack_from("<HH", body, 0)
    device_type, version = body[10], body[11]
    (dlen,) = struct.unpack_from("<H", body, 12)
    if len(body) != 14 + dlen + 2:
        raise OnbonError(f"length field {dlen} does not match frame")
    (crc,) = struct.unpack_from("<H", body, 14 + dlen)
    if crc != crc16_arc(body[: 14 + dlen]):
        raise OnbonError("CRC mismatch")
    return Frame(dst, src, device_type, version, body[14 : 14 + dlen])


def ack(dst: int = SRC_PC, src: int = 1, nack: bool = False) -> bytes:
    """Controller's reply (used by the simulator): src/dst swapped, A0 00 or A0 01."""
    data = bytes(CMD_NACK if nack else CMD_ACK) + b"\x00\x00\x00"
    return build_frame(data, dst=dst, src=src)


class FrameReader:
    """Splits a byte stream into frames; garbage between frames is skipped."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while True:
            start = self._buf.find(b"\xa5")
            if start < 0:
                self._buf.clear()
                break
            del self._buf[:start]
            end = self._buf.find(bytes((END,)))
            if end < 0:
                break
            out.append(bytes(self._buf[: end + 1]))
            del self._buf[: end + 1]
        return out
