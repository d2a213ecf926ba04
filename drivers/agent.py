"""The device agent: follows a branch's event stream, drives its devices, posts presses.

Why a separate process (or task): the drivers must work the same next to the server
(embedded by default) and on a PC in a branch far from it. Everything the agent knows
comes from the public API (docs/api.md, docs/stream.md): the stream, folded into a
``HallState`` by the rules of docs/state-fold.md and resumed from the last ``seq`` after
a drop; ``GET …/tickets/{id}`` for the QR link; keypad actions are POSTed as the agent.

Robustness rules: a device failure never stops the agent (each device runs in its own
task); keypad actions go through a persisted outbox (``AgentState``) and are retried on
connection errors, never on a 4xx; health is reported on change only (docs/devices.md).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import httpx

from app.rules.vocabulary import EventType, TicketStatus

from .config import DevicesConfig, load
from .devices.keypads import ModbusKeypadBus, QSystemKeypadBus
from .devices.printer import PrinterDevice
from .devices.screens import ADAPTERS, ScreenDevice
from .hall_state import APPLY, GAP, HallState
from .link import SerialLink
from .lobbyq_client import ApiRefused, LobbyqClient
from .protocol import candle
from .protocol.escpos_ticket import TicketInfo, build_ticket
from .protocol.keypad_map import (
    KEY_ACTION,
    RATINGS,
    REASON_EMPTY,
    REASON_ERROR,
    REASON_HOLD_S,
    Key,
    key_of,
    refusal_text,
)
from .state import AgentState

log = logging.getLogger("lobbyq.agent")

LAYOUT_PATIENCE_S = 10.0  # the server may still be starting (embedded, demo)


def quiet_libraries() -> None:
    """A missed keypad poll is routine on RS-485 and the bus reports it itself, but
    pymodbus logs each one at ERROR with a frame dump: silent unless LOBBYQ_LOG_LEVEL=debug."""
    debug = os.environ.get("LOBBYQ_LOG_LEVEL", "").lower() == "debug"
    logging.getLogger("pymodbus").setLevel(logging.NOTSET if debug else logging.CRITICAL + 1)


class Agent:
    def __init__(
        self,
        server_url: str,
        token: str,
        config: DevicesConfig,
        *,
        state_path: str | Path | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config
        self.branch = config.branch
        self.api = LobbyqClient(server_url, token, config.branch, client=client)
        if state_path is None and config.path not in ("", "<memory>"):
            state_path = str(config.path) + ".state.json"
        self.state = AgentState(state_path)
        self.hall = HallState()
        self.layout: dict = {}
        self.stop = asyncio.Event()
        self._outbox_wake = asyncio.Event()
        self._health_pending: dict[str, dict] = {}
        self._health_wake = asyncio.Event()
        self._printer_kiosks = {p.id: p.kiosk for p in config.printers}
        self._lamp_timers: dict[int, asyncio.TimerHandle] = {}
        self.connected = asyncio.Event()
        self.events_seen = 0
        self._bg: set[asyncio.Task] = set()  # keep fire-and-forget tasks referenced

        self.printers: list[tuple[str, PrinterDevice]] = []
        for p in config.printers:
            dev = PrinterDevice(
                p.id,
                SerialLink(p.url, p.baudrate, name=p.id),
                health_sink=self._health,
                result_sink=functools.partial(self._print_result, p.id),
            )
            self.printers.append((p.kiosk, dev))
        self.screens: list[tuple[str | int, ScreenDevice]] = []
        for s in config.screens:
            screen = ScreenDevice(
                s.id,
                ADAPTERS[s.protocol](s.address),
                SerialLink(s.url, s.baudrate, name=s.id),
                health_sink=self._health,
            )
            self.screens.append((s.shows, screen))
        self.modbus: list[ModbusKeypadBus] = []
        self.qsystem: list[QSystemKeypadBus] = []
        for k in config.keypad_buses:
            if k.protocol == "modbus":
                self.modbus.append(
                    ModbusKeypadBus(
                        k.id,
                        k.url,
                        k.baudrate,
                        k.teller_pads,
                        k.evaluation_pads,
                        state=self.state,
                        action_sink=self._action_queued,
                        health_sink=self._health,
                    )
                )
            else:
                self.qsystem.append(
                    QSystemKeypadBus(
                        k.id,
                        SerialLink(k.url, k.baudrate, name=k.id),
                        k.teller_pads,
                        action_sink=self._qsystem_key,
                        health_sink=self._health,
                    )
                )

    # ---------------------------------------------------------------- health
    def _health(self, device_id: str, kind: str, status: str, detail: str) -> None:
        body = {"kind": kind, "status": status, "detail": detail}
        if device_id in self._printer_kiosks:  # the kiosk page finds its own printer's faults by this
            body["kiosk"] = self._printer_kiosks[device_id]
        self._health_pending[device_id] = body
        self._health_wake.set()

    async def _health_worker(self) -> None:
        while not self.stop.is_set():
            await self._health_wake.wait()
            self._health_wake.clear()
            while self._health_pending:
                device_id, body = next(iter(self._health_pending.items()))
                await self.api.request_retrying("POST", f"{self.api.b}/devices/{device_id}/health", body, self.stop)
                if self._health_pending.get(device_id) is body:
                    del self._health_pending[device_id]

    # ---------------------------------------------------------------- keypads → API
    def _action_queued(self, action: dict) -> None:
        """The keypad bus already persisted the action in the outbox; wake the poster."""
        self._outbox_wake.set()

    def _qsystem_key(self, action: dict) -> None:
        n, k = action["counter"], action["key"]
        called = (self.hall.current(n) or {}).get("status") == TicketStatus.CALLED
        key = {
            candle.KEY_CALL: Key.RECALL if called else Key.CALL_NEXT,
            candle.KEY_START: Key.START,
            candle.KEY_NOSHOW_OR_FINISH: Key.NO_SHOW if called else Key.FINISH,
        }.get(k)
        if key is None:
            log.info("qsystem key %02X at counter %d has no lobbyq action (redirect needs a target)", k, n)
            return
        self.state.enqueue({"kind": "key", "counter": n, "key": int(key), "arg": 0})
        self._outbox_wake.set()

    def action_request(self, action: dict) -> tuple[str, dict | None] | None:
        n = action["counter"]
        base = f"{self.api.b}/counters/{n}"
        if action["kind"] == "rating":
            if action.get("score") not in RATINGS:  # the bus drops these; an old outbox may not have
                log.warning("rating %s on counter %s is no rating; nothing posted", action.get("score"), n)
                return None
            return f"{base}/evaluation", {"score": action["score"]}
        key = key_of(action.get("key", 0))
        if key is None:
            log.warning("unknown key code %s on counter %s; nothing posted", action.get("key"), n)
            return None
        body = {"reason": "keypad"} if key == Key.PAUSE else {"counter": action["arg"]} if key == Key.TRANSFER else None
        return f"{base}/{KEY_ACTION[key]}", body

    async def _outbox_worker(self) -> None:
        while not self.stop.is_set():
            if not self.state.outbox:
                await self._outbox_wake.wait()
                self._outbox_wake.clear()
                continue
            action = self.state.outbox[0]
            req = self.action_request(action)
            if req is not None:
                path, body = req
                r = await self.api.request_retrying(
                    "POST", path, body, self.stop, on_error=functools.partial(self._press_failed, action)
                )
                if r is None and self.stop.is_set():
                    return
                log.info("keypad %s → %s %s", action, path, r.status_code if r is not None else "refused")
                if r is not None:
                    self._press_answered(action, r.status_code)
            self.state.done(action["id"])

    def _pad_reason(self, counter: int, text: str | None, hold_s: float | None = REASON_HOLD_S) -> None:
        for bus in self.modbus:
            if text is None:
                bus.settled(counter)
            else:
                bus.refused(counter, text, hold_s)

    def _press_failed(self, action: dict, err: Exception) -> None:
        """The teller sees a refused press on the pad (docs/keypads.md): the refusal's
        reason for a 4xx; ERR while the server cannot be reached or fails (5xx), on every
        pad with a press still waiting, until that press is answered."""
        if isinstance(err, ApiRefused) and err.status < 500:
            if action["kind"] == "key":
                self._pad_reason(action["counter"], refusal_text(err.code))
            return
        for n in {a["counter"] for a in self.state.outbox if a.get("kind") == "key"}:
            self._pad_reason(n, REASON_ERROR, None)

    def _press_answered(self, action: dict, status: int) -> None:
        if action["kind"] != "key":
            return
        if status == 204:  # call next: nobody waits for this counter
            self._pad_reason(action["counter"], REASON_EMPTY)
        else:
            self._pad_reason(action["counter"], None)

    # ---------------------------------------------------------------- printing
    def _printer_for(self, kiosk: str | None) -> PrinterDevice | None:
        for k, dev in self.printers:
            if k == kiosk:
                return dev
        return None

    async def _print_result(self, device_id: str, ticket_id: str, status: str, detail: str) -> None:
        body = {"status": status, "device": device_id, "detail": detail}
        await self.api.request_retrying("POST", f"{self.api.b}/tickets/{ticket_id}/print", body, self.stop)

    async def print_ticket(self, data: dict, dev: PrinterDevice) -> None:
        tid = str(data["id"])
        ticket = data
        for attempt in range(3):
            try:
                ticket = {**data, **await self.api.ticket(tid)}
                break
            except (httpx.TransportError, ApiRefused) as e:
                log.warning("ticket %s fetch failed (%s), attempt %d", tid, e, attempt + 1)
                await asyncio.sleep(0.3 * (attempt + 1))
        if not self.layout:
            await self._load_layout()
        cats = {c.get("code"): c.get("name") for c in self.layout.get("categories", [])}
        track_url = ticket.get("track_url")
        if not track_url and ticket.get("track_token"):
            track_url = f"{self.api.server_url}/t/{ticket['track_token']}"
        info = TicketInfo(
            branch_name=self.layout.get("name", self.branch),
            category_name=cats.get(ticket.get("category"), ticket.get("category") or ""),
            number=str(ticket.get("number", "")),
            ahead=int(ticket.get("ahead") or 0),
            wait_minutes=ticket.get("wait_minutes"),
            issued_at=ticket.get("issued_at") or "",
            track_url=track_url,
            locale=self.layout.get("locale", "zh-CN"),
        )
        dev.submit(tid, build_ticket(info))

    async def _load_layout(self, quiet: bool = False) -> bool:
        try:
            self.layout = await self.api.layout()
            return True
        except (httpx.TransportError, ApiRefused, ValueError) as e:
            (log.debug if quiet else log.warning)("layout fetch failed: %s", e)
            return False

    async def _first_layout(self) -> None:
        """The layout (branch and category names for tickets) at start. Embedded, the
        agent starts before the server listens: retry quietly, warn only if it lasts."""
        delay, started, warned = 0.1, time.monotonic(), False
        while not self.stop.is_set() and not self.layout:
            late = time.monotonic() - started > LAYOUT_PATIENCE_S
            if await self._load_layout(quiet=warned or not late):
                return
            warned = warned or late
            await asyncio.sleep(delay)
            delay = min(5.0, delay * 2)

    def _spawn(self, coro) -> None:
        t = asyncio.create_task(coro)
        self._bg.add(t)
        t.add_done_callback(self._bg.discard)

    # ---------------------------------------------------------------- events
    def handle_event(self, ev: dict) -> str:
        """Fold one stream event into the hall and act on it; returns the seq verdict."""
        verdict = self.hall.apply(ev)
        if verdict != APPLY:
            return verdict
        t, d = ev.get("type"), ev.get("data") or {}
        self.events_seen += 1
        if t in (EventType.TICKET_ISSUED, EventType.TICKET_REPRINT):
            dev = self._printer_for(d.get("kiosk"))
            if dev is None and t == EventType.TICKET_REPRINT and self.printers:
                dev = self.printers[0][1]  # a reprint asked for at the desk: any printer will do
            if dev is not None:
                self._spawn(self.print_ticket(d, dev))
        elif t == EventType.TICKET_DONE and d.get("counter") is not None:
            self._lamp(int(d["counter"]), True)
        elif t == EventType.TICKET_EVALUATED and d.get("counter") is not None:
            self._lamp(int(d["counter"]), False)
        elif t == EventType.BRANCH_UPDATED:
            self._spawn(self._load_layout())
        self.render()
        return verdict

    def _lamp(self, counter: int, on: bool) -> None:
        for bus in self.modbus:
            bus.lamp(counter, on)
        old = self._lamp_timers.pop(counter, None)
        if old:
            old.cancel()
        if on:
            window = float((self.layout.get("policy") or {}).get("evaluation_window_s") or 30)
            self._lamp_timers[counter] = asyncio.get_running_loop().call_later(
                window, lambda: self._lamp(counter, False)
            )

    def render(self) -> None:
        """Push the hall to every screen and pad (devices drop unchanged content)."""
        for shows, dev in self.screens:
            dev.show(self.hall.hall_content() if shows == "hall" else self.hall.counter_content(int(shows)))
        for bus in self.modbus:
            for p in bus.pads:
                if p.kind == "teller":
                    bus.show(p.counter, self.hall.current_number(p.counter), self.hall.waiting(p.counter))
        for q in self.qsystem:
            for n in q.teller_pads:
                q.show(n, self.hall.current_number(n), blink=self.hall.counter_content(n).blink)

    async def _ticker(self) -> None:
        """Re-render every second so a window stops flashing when its time is up."""
        while not self.stop.is_set():
            await asyncio.sleep(1.0)
            self.render()

    async def _stream(self) -> None:
        import websockets

        delay = 0.2
        while not self.stop.is_set():
            url = self.api.stream_url(self.hall.seq)
            try:
                async with websockets.connect(url, open_timeout=5, ping_interval=20, max_size=2**24) as ws:
                    self.connected.set()
                    delay = 0.2
                    async for raw in ws:
                        msg = json.loads(raw)
                        typ = msg.get("type")
                        if typ == "ping":
                            continue
                        if typ == "snapshot":
                            self.hall.apply_snapshot(msg.get("state") or {}, msg.get("seq"))
                            self.render()
                            continue
                        if self.handle_event(msg) == GAP:
                            log.info("stream skipped past seq %s; resuming from it", self.hall.seq)
                            delay = 0.0
                            break
            except asyncio.CancelledError:
                raise
            except Exception as e:
                code = getattr(getattr(e, "rcvd", None), "code", None)
                if code in (4401, 4403):
                    log.error("stream refused (%s): check the agent token and branch", code)
                    delay = 10.0
                else:
                    log.info("stream dropped (%s); resuming after seq %s", e, self.hall.seq)
            self.connected.clear()
            if self.stop.is_set():
                break
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(5.0, max(0.2, delay * 2))

    # ---------------------------------------------------------------- run
    async def run(self, stop: asyncio.Event | None = None) -> None:
        if stop is not None:
            self.stop = stop
        quiet_libraries()
        tasks = [
            asyncio.create_task(c, name=n)
            for n, c in [
                ("layout", self._first_layout()),
                ("stream", self._stream()),
                ("outbox", self._outbox_worker()),
                ("health", self._health_worker()),
                ("ticker", self._ticker()),
            ]
        ]
        devices: list[PrinterDevice | ScreenDevice | ModbusKeypadBus | QSystemKeypadBus] = [
            *(dev for _, dev in self.printers),
            *(dev for _, dev in self.screens),
            *self.modbus,
            *self.qsystem,
        ]
        for dev in devices:
            tasks.append(asyncio.create_task(dev.run(self.stop), name=dev.id))
        if self.state.outbox:
            self._outbox_wake.set()
        try:
            await self.stop.wait()
        finally:
            for t in (*tasks, *self._bg):
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for bus in self.modbus:
                if bus.client:
                    bus.client.close()
            await self.api.close()


async def run_agent(
    server_url: str, token: str, config: DevicesConfig | str | Path, stop: asyncio.Event | None = None, **kw
) -> None:
    """Run the device agent until ``stop`` is set. ``config`` is a DevicesConfig or a path."""
    if not isinstance(config, DevicesConfig):
        config = load(config)
    await Agent(server_url, token, config, **kw).run(stop)


def main(server: str, token: str, devices_path: str) -> int:
    """Sync entry point for ``lobbyq agent --server URL --token T --devices FILE``."""
    from .config import DevicesFileError

    # force: python-escpos calls logging.basicConfig() on import, which would win
    level = os.environ.get("LOBBYQ_LOG_LEVEL", "info").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO), force=True, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        config = load(devices_path)
    except DevicesFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_agent(server, token, config))
    except KeyboardInterrupt:
        pass
    return 0
