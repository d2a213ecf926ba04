"""The kiosk ticket as ESC/POS bytes, built with python-escpos's ``Dummy`` printer.

Why this shape: a ticket must stay ≤ 300 bytes so it prints in ~0.3 s at 9600 baud, so
the QR is the printer's native ``GS ( k`` (≈ 40 bytes + URL), never an image (3–12 KB).
Chinese is sent explicitly as ``FS &`` + GB18030 + ``FS .`` because python-escpos's own
encoder picks no Chinese code page. ASCII-only lines go through ``Dummy.text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
from escpos.printer import Dummy

FS_KANJI_ON = b"\x1c\x26"
FS_KANJI_OFF = b"\x1c\x2e"
GS_SIZE = b"\x1d\x21"
MAX_TICKET_BYTES = 300


@dataclass
class TicketInfo:
    branch_name: str
    category_name: str
    number: str
    ahead: int
    wait_minutes: int | None  # the server's rounding (ticket JSON `wait_minutes`), printed as is
    issued_at: datetime | str
    track_url: str | None
    locale: str = "zh-CN"


def _is_ascii(s: str) -> bool:
    return all(ord(c) < 0x80 for c in s)


def _line(p: Dummy, s: str) -> None:
    """One line of text; non-ASCII goes as FS & + GB18030 + FS ."""
    if _is_ascii(s):
        p.text(s + "\n")
    else:
        p._raw(FS_KANJI_ON + s.encode("gb18030") + FS_KANJI_OFF + b"\n")


def _time_str(t: datetime | str) -> str:
    if isinstance(t, str):
        try:
            return datetime.fromisoformat(t).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return t[:16]
    return t.strftime("%Y-%m-%d %H:%M")


def build_ticket(t: TicketInfo, qr_size: int = 5) -> bytes:
    p = Dummy()
    p.hw("INIT")
    p.set(align="center")
    _line(p, t.branch_name)
    _line(p, t.category_name)
    p.set(custom_size=True, width=4, height=4)
    p.text(t.number + "\n")
    p.set(custom_size=True, width=1, height=1)
    minutes = t.wait_minutes
    if t.locale.startswith("zh"):
        _line(p, f"前面 {t.ahead} 人")
        if minutes is not None:
            _line(p, f"预计等候 {minutes} 分钟")
    else:
        _line(p, f"{t.ahead} ahead")
        if minutes is not None:
            _line(p, f"Est. wait {minutes} min")
    _line(p, _time_str(t.issued_at))
    if t.track_url:
        p.qr(t.track_url, ec=QR_ECLEVEL_M, size=qr_size, model=QR_MODEL_2, native=True)
    p.cut(feed=False)
    return p.output
