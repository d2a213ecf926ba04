"""Teller and evaluation keypads on an RS-485 bus: Modbus RTU (polled) and QSystem.

A pad counts its presses and the host acts when the count changes (docs/keypads.md), so a
missed poll, a repeated reply or an agent restart (the count is kept in ``AgentState``)
neither loses nor replays a press. A pad seen afresh is taken as handled: a "call next"
pressed while no agent ran would call a customer nobody is waiting for. A counter that goes
back, or jumps further than a person presses between two polls, is a pad that restarted:
re-learned, never acted on (the key register may still hold a key nobody pressed).

A teller pad's text shows the current number, or for a few seconds why its last press
was refused (``keypad_map.REFUSAL_TEXT``), so the teller at the pad learns it too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pymodbus.client import AsyncModbusSerialClient
from pymodbus.exceptions import ModbusException

from ..link import LinkDown, SerialLink
from ..protocol import candle
from ..protocol import keypad_map as km
from ..state import AgentState
from .health import Health, HealthSink, reopen

log = logging.getLogger(__name__)

# action dicts: {"kind": "key", "counter": n, "key": k, "arg": a} | {"kind": "rating", "counter": n, "score": s}
ActionSink = Callable[[dict], Awaitable[None] | None]


@dataclass
class PadOutput:
    """What the host wants a pad to show; written only when it changes."""

    text: str | None = None
    waiting: int | None = None
    lamp: bool | None = None
    written: tuple = ()
    reason: str | None = None  # why the last press was refused, shown instead of the text
    reason_until: float | None = None  # monotonic; None: until the press is settled


@dataclass
class _Pad:
    unit: int
    counter: int  # counter (window) number
    kind: str  # "teller" | "eval"
    health: Health
    misses: int = 0
    last_try: float = 0.0
    out: PadOutput = field(default_factory=PadOutput)


class ModbusKeypadBus:
    def __init__(
        self,
        bus_id: str,
        url: str,
        baudrate: int,
        teller_pads,
        evaluation_pads,
        *,
        state: AgentState | None = None,
        action_sink: ActionSink | None = None,
        health_sink: HealthSink | None = None,
        timeout: float = 0.15,
        poll_interval: float = 0.01,
        fault_after: int = 3,
        dead_poll_s: float = 2.0,
    ) -> None:
        self.id, self.url, self.baudrate = bus_id, url, baudrate
        self.state = state or AgentState(None)
        self.action_sink = action_sink
        self.timeout, self.poll_interval = timeout, poll_interval
        self.fault_after, self.dead_poll_s = fault_after, dead_poll_s
        self.pads: list[_Pad] = []
        for n in teller_pads:
            self.pads.append(
                _Pad(km.teller_unit(n), n, "teller", Health(f"{bus_id}-teller-{n}", "keypad", health_sink))
            )
        for n in evaluation_pads:
            self.pads.append(_Pad(km.eval_unit(n), n, "eval", Health(f"{bus_id}-eval-{n}", "keypad", health_sink)))
        self.bus_health = Health(bus_id, "keypad", health_sink)
        self.client: AsyncModbusSerialClient | None = None
        self.polls = 0
        self._wake = asyncio.Event()

    # ---- outputs from the agent
    def _pad(self, kind: str, counter: int) -> _Pad | None:
        return next((p for p in self.pads if p.kind == kind and p.counter == counter), None)

    def show(self, counter: int, text: str, waiting: int) -> None:
        p = self._pad("teller", counter)
        if p:
            p.out.text, p.out.waiting = text, waiting
            self._wake.set()

    def refused(self, counter: int, text: str, hold_s: float | None = km.REASON_HOLD_S) -> None:
        """Show why a press of this counter's pad was refused (``km.refusal_text``) instead
        of the current number, for ``hold_s`` or, with None, until ``settled``."""
        p = self._pad("teller", counter)
        if p:
            p.out.reason = text
            p.out.reason_until = None if hold_s is None else time.monotonic() + hold_s
            self._wake.set()

    def settled(self, counter: int) -> None:
        """A press of this counter's pad was accepted: back to the current number."""
        p = self._pad("teller", counter)
        if p and p.out.reason is not None:
            self._clear_reason(p)
            self._wake.set()

    @staticmethod
    def _clear_reason(p: _Pad) -> None:
        p.out.reason = p.out.reason_until = None

    def _shown_text(self, p: _Pad) -> str | None:
        o = p.out
        if o.reason is not None and o.reason_until is not None and time.monotonic() >= o.reason_until:
            self._clear_reason(p)
        if o.reason is not None:
            return o.reason
        if o.text is None and o.written:
            return ""  # a reason was shown before the agent had any number to show
        return o.text

    def lamp(self, counter: int, on: bool) -> None:
        p = self._pad("eval", counter)
        if p:
            p.out.lamp = on
            self._wake.set()

    def _key(self, p: _Pad) -> str:
        return f"{self.id}/{p.unit}"

    # ---- bus I/O
    async def _connect(self) -> bool:
        if self.client is None:
            self.client = AsyncModbusSerialClient(
                self.url,
                baudrate=self.baudrate,
                timeout=self.timeout,
                retries=0,
                reconnect_delay=0,
                reconnect_delay_max=0,
            )
        if self.client.connected:
            return True
        try:
            ok = await self.client.connect()
        except Exception as e:  # pragma: no cover - depends on pyserial errors
            log.debug("connect %s: %s", self.url, e)
            ok = False
        if not ok:  # "ok" is set once a pad answers, so a dead bus does not flap
            await self.bus_health.set("offline", f"cannot open {self.url}")
        if ok:
            for p in self.pads:
                p.out.written = ()  # port came back: rewrite everything
        return ok

    async def _call(self, coro):
        try:
            r = await coro
        except (TimeoutError, ModbusException, OSError) as e:
            return None, str(e)
        if r is None or r.isError():
            return None, f"error reply {r}"
        return r, ""

    async def _read(self, p: _Pad, count: int) -> list[int] | None:
        assert self.client is not None  # connected before any poll
        r, _ = await self._call(self.client.read_input_registers(0, count=count, device_id=p.unit))
        p.last_try = time.monotonic()
        if r is None or len(r.registers) < count:
            p.misses += 1
            if p.misses >= self.fault_after:
                await p.health.set("fault", f"pad unit {p.unit} not answering")
            return None
        p.misses = 0
        await p.health.set("ok")
        return list(r.registers[:count])

    async def _poll_pad(self, p: _Pad) -> None:
        """Read only the press count; on a change, read count, key and argument in one go
        so that they belong together."""
        regs = await self._read(p, 1)
        if regs is None:
            return
        last = self.state.counters.get(self._key(p))
        if last is not None and regs[0] != last:
            regs = await self._read(p, 3 if p.kind == "teller" else 2)
            if regs is None:
                return
        if last is None or regs[0] != last:
            await self._on_registers(p, regs)
        await self._write_outputs(p)

    async def _on_registers(self, p: _Pad, regs: list[int]) -> None:
        """Act on a change of the pad's counter (docs/keypads.md, "Pad, agent and server
        restarts"): a few new presses act once on the last key; a counter that went back or
        jumped ahead is a pad restart, re-learned without acting; no key, no action."""
        key = self._key(p)
        cur = regs[0]
        last = self.state.counters.get(key)
        if last is None:
            self.state.record(key, cur, None)  # first sight: baseline
            return
        presses = km.new_presses(last, cur)
        if presses == 0:
            return
        if presses is None:
            log.warning(
                "pad %s restarted (press counter %d after %d): counter re-learned, last key not acted on",
                key,
                cur,
                last,
            )
            self.state.record(key, cur, None)
            return
        if presses > 1:  # only the last key is known: act on it once
            log.warning("pad %s: %d presses between polls, acting on the last one only", key, presses)
        action: dict | None
        if p.kind == "teller":
            k = km.key_of(regs[1])
            action = None if k is None else {"kind": "key", "counter": p.counter, "key": int(k), "arg": regs[2]}
            what = "key code"
        else:
            ok = regs[1] in km.RATINGS
            action = {"kind": "rating", "counter": p.counter, "score": regs[1]} if ok else None
            what = "rating"
            if ok:
                p.out.lamp = False  # rated: lamp off at once
        if action is None:
            log.warning("pad %s: %s %d is no key of the map; press counted, nothing done", key, what, regs[1])
        elif p.kind == "teller":
            self._clear_reason(p)  # a new press: the last refusal is old news
        self.state.record(key, cur, action)
        if action is not None and self.action_sink:
            r = self.action_sink(action)
            if asyncio.iscoroutine(r):
                await r

    async def _write_outputs(self, p: _Pad) -> None:
        assert self.client is not None  # connected before any poll
        o = p.out
        want: tuple
        text = self._shown_text(p) if p.kind == "teller" else None
        if text is not None:
            want = ("t", text, o.waiting or 0)
            if o.written != want:
                regs = km.pack_text(text) + [max(0, min(0xFFFF, o.waiting or 0))]
                r, _ = await self._call(self.client.write_registers(km.HR_TEXT, regs, device_id=p.unit))
                if r is not None:
                    o.written = want
        if p.kind == "eval" and o.lamp is not None:
            want = ("l", o.lamp)
            if o.written != want:
                r, _ = await self._call(self.client.write_coil(km.COIL_LAMP, o.lamp, device_id=p.unit))
                if r is not None:
                    o.written = want

    async def poll_once(self) -> None:
        now = time.monotonic()
        tried = answered = 0
        for p in self.pads:
            if p.misses >= self.fault_after and now - p.last_try < self.dead_poll_s:
                continue  # a silent pad is tried now and then, so it cannot slow the others
            tried += 1
            await self._poll_pad(p)
            answered += p.misses == 0
        self.polls += 1
        if answered:
            await self.bus_health.set("ok")
        elif tried:
            # nobody on the bus answers: the adapter may have been unplugged and come
            # back under the same name; reopen the port by URL
            await self._reopen("no pad answering")

    async def _reopen(self, detail: str) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        await self.bus_health.set("offline", detail)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not await self._connect():
                await asyncio.sleep(0.3)
                continue
            try:
                await self.poll_once()
            except Exception as e:  # a transport error must not end the bus task
                log.warning("bus %s: %s", self.id, e)
                await self._reopen(str(e))
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            except TimeoutError:
                pass
            self._wake.clear()
        if self.client:
            self.client.close()


class QSystemKeypadBus:
    """QSystem pads (docs/protocols.md): key frames in, a 3-character display out; the pad
    address is the counter number. The agent maps the keys: what they mean depends on
    whether the counter's ticket is called or serving."""

    KEYS = (candle.KEY_CALL, candle.KEY_START, candle.KEY_REDIRECT, candle.KEY_NOSHOW_OR_FINISH)

    def __init__(
        self,
        bus_id: str,
        link: SerialLink,
        teller_pads,
        *,
        action_sink: ActionSink | None = None,
        health_sink: HealthSink | None = None,
    ) -> None:
        self.id, self.link = bus_id, link
        self.teller_pads = set(teller_pads)
        self.action_sink = action_sink
        self.health = Health(bus_id, "keypad", health_sink)
        self.reader = candle.FrameReader()
        self.out: dict[int, tuple[str, bool]] = {}
        self.written: dict[int, tuple[str, bool]] = {}
        link.on_health(lambda up, d: self.written.clear() if up else None)

    def show(self, counter: int, text: str, waiting: int = 0, blink: bool = False) -> None:
        if counter in self.teller_pads:
            self.out[counter] = (text[-3:].rjust(3), blink)

    async def feed(self, data: bytes) -> list[tuple[int, int]]:
        keys = [
            (a, k) for a, k in candle.key_frames(self.reader.feed(data)) if a in self.teller_pads and k in self.KEYS
        ]
        for addr, k in keys:
            action = {"kind": "qsystem", "counter": addr, "key": k}
            if self.action_sink:
                r = self.action_sink(action)
                if asyncio.iscoroutine(r):
                    await r
        return keys

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not self.link.is_open:
                await reopen(self.link, self.health, stop)
                continue
            await self.health.set("ok")
            try:
                data = await self.link.read(64, 0.05)
                if data:
                    await self.feed(data)
                for counter, (text, blink) in list(self.out.items()):
                    if self.written.get(counter) != (text, blink):
                        await self.link.write(
                            candle.board_text(counter, text, candle.BLINK_ALWAYS if blink else candle.BLINK_NONE)
                        )
                        self.written[counter] = (text, blink)
            except LinkDown as e:
                await self.health.set("offline", str(e))
        await self.link.close()
