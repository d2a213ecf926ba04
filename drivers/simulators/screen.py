"""Simulated LED screens (Onbon BX, Alpha, Candle): decode, verify, keep the text.

Why: an independent receiver that checks CRC/checksums and framing of every frame the
driver sends; bad frames are counted, never shown. ``baudrate`` paces reception at the
line rate, so coalescing is measured against a realistic slow line.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..protocol import alpha, candle, onbon
from .pty_port import PtyPort


class ScreenSim:
    def __init__(
        self,
        protocol: str,
        link_path: str | Path,
        address: int = 1,
        baudrate: int | None = None,
        watch_file: str | Path | None = None,
    ) -> None:
        self.protocol, self.address = protocol, address
        self.port = PtyPort(link_path, self._on_data, baudrate, name=f"screen-{protocol}")
        self.text = ""
        self.blink = False
        self.frames = 0
        self.bad_frames = 0
        self.history: list[str] = []
        self.watch_file = Path(watch_file) if watch_file else None
        self._cond = threading.Condition()
        readers: dict[str, Any] = {
            "onbon-bx": onbon.FrameReader,
            "alpha": alpha.FrameReader,
            "candle": candle.FrameReader,
        }
        self._reader = readers[protocol]()

    @property
    def url(self) -> str:
        return self.port.url

    def start(self) -> ScreenSim:
        self.port.start()
        return self

    def stop(self) -> None:
        self.port.stop()

    def _show(self, text: str, blink: bool = False) -> None:
        with self._cond:
            self.text, self.blink = text, blink
            self.frames += 1
            self.history.append(text)
            self._cond.notify_all()
        if self.watch_file:
            self.watch_file.write_text(text + ("  (blinking)" if blink else "") + "\n", encoding="utf-8")

    def _on_data(self, data: bytes) -> bytes | None:
        replies = b""
        if self.protocol == "onbon-bx":
            for raw in self._reader.feed(data):
                try:
                    f = onbon.decode_frame(raw)
                except onbon.OnbonError:
                    self.bad_frames += 1
                    continue
                if f.dst not in (self.address, 0xFFFE, 0xFFFF):
                    continue
                text = f.text()
                if text is not None:
                    self._show(text, len(f.payload) > 23 and f.payload[23] == 2)
                elif f.group_cmd == onbon.CMD_CLEAR:
                    self._show("")
                if f.data[2] == onbon.REPLY_REQUIRED:
                    replies += onbon.ack(dst=f.src, src=self.address)
        elif self.protocol == "alpha":
            before = self._reader.errors
            for f in self._reader.feed(data):
                if f.address in (0, self.address):
                    self._show(f.text, f.mode == alpha.MODE_FLASH)
            self.bad_frames += self._reader.errors - before
        else:
            for f in self._reader.feed(data):
                if f.address == self.address and not f.is_key:
                    self._show(f.text.rstrip(), f.blink != candle.BLINK_NONE)
        return replies or None

    def wait_text(self, pred, timeout: float = 3.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: pred(self.text), timeout)
