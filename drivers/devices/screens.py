"""LED call screens: one adapter interface, three wire protocols (docs/protocols.md).

Latest content wins: a slow serial screen must never work through a backlog of stale
frames, so the device keeps only what it should show now and sends that when the line is
free (at most one frame per ``min_interval``), and again after a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from ..link import LinkDown, SerialLink
from ..protocol import alpha, candle, onbon
from .health import Health, HealthSink, reopen

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    number: str
    counter: int


@dataclass(frozen=True)
class ScreenContent:
    """What a screen should show, independent of protocol."""

    kind: str  # "hall" | "counter"
    calls: tuple[Call, ...] = ()  # hall: latest first
    number: str = ""  # counter: current number ("" = none)
    state: str = "open"  # counter: open | paused | closed
    blink: bool = False  # counter: a new call
    call_seq: int = 0  # counter: changes on every call/recall, so a recall of the same number is re-shown


class Adapter:
    """Renders content to one wire frame; says whether and how the screen replies."""

    reply = False

    def __init__(self, address: int) -> None:
        self.address = address

    def render(self, c: ScreenContent) -> bytes:
        raise NotImplementedError

    def reply_done(self, buf: bytes) -> bool:
        return True

    def reply_ok(self, buf: bytes) -> bool:
        return True

    def probe(self) -> bytes | None:
        return None


class OnbonAdapter(Adapter):
    """Chinese text in GB2312 in a dynamic area; the controller ACKs each frame."""

    reply = True
    hall_lines = 3

    def text(self, c: ScreenContent) -> str:
        if c.kind == "hall":
            return "\n".join(f"{k.number} 请到{k.counter}号窗口" for k in c.calls[: self.hall_lines])
        if c.state == "paused":
            return "暂停服务"
        if c.state == "closed":
            return ""
        return c.number

    def render(self, c: ScreenContent) -> bytes:
        multi = c.kind == "hall" and len(c.calls) > 1
        # display mode 02 "quick type" draws attention to a new call; 01 static otherwise
        return onbon.dynamic_area(self.text(c), self.address, multi_line=multi, display_mode=2 if c.blink else 1)

    def reply_done(self, buf: bytes) -> bool:
        return len(buf) > 8 and buf.endswith(b"\x5a")

    def reply_ok(self, buf: bytes) -> bool:
        try:
            frames = onbon.FrameReader().feed(buf)
            return any(onbon.decode_frame(f).is_ack for f in frames)
        except onbon.OnbonError:
            return False

    def probe(self) -> bytes:
        return onbon.ping(self.address)


class AlphaAdapter(Adapter):
    """ASCII sign: hall lines 'A012 -> 3'; paused 'PAUSED'; new call flashes."""

    def text(self, c: ScreenContent) -> str:
        if c.kind == "hall":
            return "  ".join(f"{k.number} -> {k.counter}" for k in c.calls[:3])
        if c.state == "paused":
            return "PAUSED"
        if c.state == "closed":
            return " "
        return c.number

    def render(self, c: ScreenContent) -> bytes:
        return alpha.write_text(
            self.text(c), address=self.address, mode=alpha.MODE_FLASH if c.blink else alpha.MODE_HOLD
        )


class CandleAdapter(Adapter):
    """Candle/QSystem window board: 7 cp1251 cells; no Chinese, so paused shows '-- --'."""

    cells = 7

    def text(self, c: ScreenContent) -> str:
        if c.kind == "hall":
            k = c.calls[0] if c.calls else None
            s = f"{k.number} >{k.counter}" if k else ""
        elif c.state == "paused":
            s = "-- --"
        elif c.state == "closed":
            s = ""
        else:
            s = c.number
        return s[: self.cells].ljust(self.cells)

    def render(self, c: ScreenContent) -> bytes:
        # blink N times (0x21 + N) on a new call, steady otherwise
        return candle.board_text(self.address, self.text(c), 0x21 + 5 if c.blink else candle.BLINK_NONE)


ADAPTERS = {"onbon-bx": OnbonAdapter, "alpha": AlphaAdapter, "candle": CandleAdapter}


class ScreenDevice:
    def __init__(
        self,
        device_id: str,
        adapter: Adapter,
        link: SerialLink,
        *,
        min_interval: float = 0.2,
        debounce: float = 0.02,
        probe_interval: float = 0.25,
        refresh_s: float = 30.0,
        reply_timeout: float = 0.5,
        health_sink: HealthSink | None = None,
    ) -> None:
        self.id, self.adapter, self.link = device_id, adapter, link
        self.min_interval, self.debounce = min_interval, debounce
        self.probe_interval, self.refresh_s, self.reply_timeout = probe_interval, refresh_s, reply_timeout
        self.health = Health(device_id, "screen", health_sink)
        self.content: ScreenContent | None = None
        self.sent: ScreenContent | None = None
        self._dirty = asyncio.Event()
        self.frames_sent = 0
        self._last_send = 0.0
        link.on_health(self._on_link)

    def _on_link(self, up: bool, detail: str) -> None:
        if up:
            self.sent = None  # reconnect: resend the full state
            self._dirty.set()

    def show(self, content: ScreenContent) -> None:
        """Latest state wins: never blocks, never queues."""
        self.content = content
        if content != self.sent:
            self._dirty.set()

    async def _send(self, content: ScreenContent) -> bool:
        frame = self.adapter.render(content)
        try:
            if self.adapter.reply:
                reply = await self.link.transact(frame, self.adapter.reply_done, timeout=self.reply_timeout)
                if not self.adapter.reply_ok(reply):
                    await self.health.set("offline", "no reply from screen")
                    return False
            else:
                await self.link.write(frame)
        except LinkDown as e:
            await self.health.set("offline", str(e))
            return False
        self.frames_sent += 1
        self.sent = content
        await self.health.set("ok")
        return True

    async def _probe(self) -> None:
        """Notice a vanished port while idle: a non-blocking read raises on hangup."""
        try:
            probe = self.adapter.probe()
            if probe is not None and self.sent is None:
                await self.link.transact(probe, self.adapter.reply_done, timeout=self.reply_timeout)
            else:
                await self.link.read(256, 0)
        except LinkDown as e:
            await self.health.set("offline", str(e))

    async def run(self, stop: asyncio.Event) -> None:
        last_refresh = time.monotonic()
        while not stop.is_set():
            if not self.link.is_open:
                await reopen(self.link, self.health, stop)
                continue
            try:
                await asyncio.wait_for(self._dirty.wait(), self.probe_interval)
            except TimeoutError:
                if time.monotonic() - last_refresh > self.refresh_s and self.sent is not None:
                    self.sent = None  # periodic full refresh (a power-cycled screen forgets)
                    self._dirty.set()
                    last_refresh = time.monotonic()
                    continue
                await self._probe()
                continue
            wait = self._last_send + self.min_interval - time.monotonic()
            await asyncio.sleep(max(self.debounce, wait))
            self._dirty.clear()
            content = self.content
            if content is None or content == self.sent:
                continue
            self._last_send = time.monotonic()
            if not await self._send(content):
                self._dirty.set()
                await asyncio.sleep(0.1)
        await self.link.close()
