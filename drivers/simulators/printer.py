"""Simulated ESC/POS kiosk printer: stores bytes, answers DLE EOT 1/4, renders tickets.

Why: lets the whole print path run against real bytes, including "out of paper" and a
printer that never answers (``mute``), with a human-readable rendering for the demo.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from ..protocol import status as st
from .pty_port import PtyPort


def parse_ticket(data: bytes) -> list[tuple[str, str, bool]]:
    """The printed lines of a ticket as (kind, text, big): kind is "text", "qr" (text =
    payload) or "cut". Text runs are GB18030 in FS & mode; GS ! marks big type."""
    out: list[tuple[str, str, bool]] = []
    line = ""
    i, n, kanji, big = 0, len(data), False, False
    while i < n:
        b = data[i]
        if b == 0x1B and i + 1 < n:
            i += 2 if data[i + 1] == 0x40 else 3
        elif b == 0x1D and i + 1 < n:
            c = data[i + 1]
            if c == 0x21:
                big = data[i + 2] != 0
                i += 3
            elif c == 0x28 and i + 4 < n:
                ln = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + ln]
                if body[1:2] == b"P":
                    out.append(("qr", body[3:].decode("utf-8", "replace"), False))
                i += 5 + ln
            elif c == 0x56:
                i += 4 if i + 2 < n and data[i + 2] in (0x41, 0x42) else 3
                out.append(("cut", "", False))
            else:
                i += 2
        elif b == 0x1C and i + 1 < n:
            kanji = data[i + 1] == 0x26
            i += 2
        elif b == 0x0A:
            out.append(("text", line, big))
            line = ""
            i += 1
        elif b == 0x10 and i + 2 < n and data[i + 1] == 0x04:
            i += 3
        else:
            j = i
            while j < n and data[j] >= 0x20:
                j += 1
            j = max(j, i + 1)
            line += data[i:j].decode("gb18030" if kanji else "latin-1", "replace")
            i = j
    if line:
        out.append(("text", line, big))
    return out


def render_text(data: bytes) -> str:
    """Readable rendering of a ticket: big text marked, QR payload shown as [QR url], cut
    as a line of scissors."""
    out = []
    for kind, text, big in parse_ticket(data):
        if kind == "qr":
            out.append(f"[QR {text}]")
        elif kind == "cut":
            out.append("-" * 10 + " 8< " + "-" * 10)
        else:
            out.append(f"**{text}**" if big and text else text)
    return "\n".join(out)


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PAPER_PX = 576  # 80 mm paper at 203 dpi


def render_png(data: bytes, path: str | Path) -> None:
    """The ticket as a person would see it on 80 mm paper: text, big number, scannable QR.
    Chinese needs a CJK font (Debian's fonts-noto-cjk); without one, text is skipped."""
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    def font(size: int):
        return ImageFont.truetype(str(CJK_FONT), size) if CJK_FONT.exists() else ImageFont.load_default()

    pieces: list[Image.Image] = []
    for kind, text, big in parse_ticket(data):
        if kind == "qr":
            pieces.append(qrcode.make(text, box_size=6, border=2).get_image().convert("L"))
        elif kind == "text" and text:
            f = font(96 if big else 28)
            height = 110 if big else 40
            piece = Image.new("L", (PAPER_PX, height), 255)
            ImageDraw.Draw(piece).text((PAPER_PX // 2, height // 2), text, font=f, fill=0, anchor="mm")
            pieces.append(piece)
        elif kind == "text":
            pieces.append(Image.new("L", (PAPER_PX, 16), 255))
    page = Image.new("L", (PAPER_PX, sum(p.height for p in pieces) + 40), 255)
    y = 20
    for piece in pieces:
        page.paste(piece, ((PAPER_PX - piece.width) // 2, y))
        y += piece.height
    page.save(path)


def _highest_ticket_file(out_dir: Path) -> int:
    numbers = [int(m.group(1)) for f in out_dir.glob("ticket-*.txt") if (m := _TICKET_FILE.fullmatch(f.name))]
    return max(numbers, default=0)


_TICKET_FILE = re.compile(r"ticket-(\d+)\.txt")


class PrinterSim:
    def __init__(
        self, link_path: str | Path, baudrate: int | None = None, out_dir: str | Path | None = None, png: bool = True
    ) -> None:
        self.port = PtyPort(link_path, self._on_data, baudrate, name="printer")
        self.received = bytearray()  # print data (DLE EOT queries removed)
        self.paper = "ok"
        self.online = True
        self.mute = False  # never answers status
        self.out_dir = Path(out_dir) if out_dir else None
        self.png = png  # also draw last-ticket.png in out_dir
        self.tickets: list[bytes] = []
        # A restarted demo keeps the paper already printed: files go on from the highest number.
        self._first_file = _highest_ticket_file(self.out_dir) + 1 if self.out_dir else 1
        self._pending = bytearray()
        self._cond = threading.Condition()

    @property
    def url(self) -> str:
        return self.port.url

    def start(self) -> PrinterSim:
        self.port.start()
        return self

    def stop(self) -> None:
        self.port.stop()

    def _on_data(self, data: bytes) -> bytes | None:
        reply = bytearray()
        buf = self._pending + data
        self._pending = bytearray()
        i = 0
        while i < len(buf):
            if buf[i] == 0x10:
                if len(buf) - i < 3:
                    self._pending = buf[i:]
                    break
                if buf[i + 1] == 0x04 and buf[i + 2] in (1, 4):
                    if not self.mute:
                        reply.append(st.printer_byte(self.online) if buf[i + 2] == 1 else st.paper_byte(self.paper))
                    i += 3
                    continue
            with self._cond:
                self.received.append(buf[i])
                # a full cut ends a ticket
                if self.received.endswith(b"\x1dVB\x00") or self.received.endswith(b"\x1dV\x00"):
                    self._ticket_done()
            i += 1
        return bytes(reply) or None

    def _ticket_done(self) -> None:
        start = sum(len(t) for t in self.tickets)
        t = bytes(self.received[start:])
        self.tickets.append(t)
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            number = self._first_file + len(self.tickets) - 1
            (self.out_dir / f"ticket-{number:04d}.txt").write_text(render_text(t), encoding="utf-8")
            (self.out_dir / "last-ticket.txt").write_text(render_text(t), encoding="utf-8")
            if self.png:
                render_png(t, self.out_dir / "last-ticket.png")
        self._cond.notify_all()

    def wait_tickets(self, n: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.tickets) >= n, timeout)
