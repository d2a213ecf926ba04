"""Simulated RS-485 keypad bus: teller and evaluation pads served by pymodbus's own server.

Why pymodbus's server: it is an independent Modbus RTU implementation (framing, CRC,
exceptions), so the host driver is tested against a peer we did not write. The pads'
registers (docs/keypads.md) live in plain Python objects; pymodbus calls our ``action`` hook on
every access and we sync the registers from/to the pad model there.

Topology: host ⇄ [pty "bus"] ⇄ relay ⇄ [pty] ⇄ pymodbus server. The relay is the wire:
it paces bytes at the line rate, can silence a pad (drop requests to its unit id, as a
dead pad on a real bus), duplicate replies, and unplug/replug the host side.
"""

from __future__ import annotations

import asyncio
import functools
import os
import select
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import SimData, SimDevice
from pymodbus.simulator.simutils import DataType

from ..protocol import keypad_map as km


@dataclass
class TellerPad:
    counter: int
    key_counter: int = 0
    last_key: int = 0
    arg: int = 0
    text_regs: list[int] = field(default_factory=lambda: km.pack_text(""))
    waiting: int = 0

    @property
    def text(self) -> str:
        return km.unpack_text(self.text_regs)


@dataclass
class EvalPad:
    counter: int
    lamp: bool = False
    rating_counter: int = 0
    last_rating: int = 0


def _blocks(n: int = 16):
    return (
        [SimData(0, count=n, values=False, datatype=DataType.BITS)],
        [SimData(0, count=n, values=False, datatype=DataType.BITS)],
        [SimData(0, count=n, values=0, datatype=DataType.REGISTERS)],
        [SimData(0, count=n, values=0, datatype=DataType.REGISTERS)],
    )


class _Relay:
    """Byte pump between the host pty and the server pty, paced at the line rate."""

    def __init__(self, host_link: Path, baudrate: int | None) -> None:
        self.host_link, self.baudrate = host_link, baudrate
        self.muted: set[int] = set()
        self.duplicate_next_reply = False
        self.drop_next_reply = False
        self.garbage_before_reply = b""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.hm: int | None = None
        self.hs: int | None = None
        m, s = os.openpty()
        tty.setraw(m)
        tty.setraw(s)
        self.sm, self.ss = m, s
        self.server_path = os.ttyname(s)
        self._plug()

    def _plug(self) -> None:
        m, s = os.openpty()
        tty.setraw(m)
        tty.setraw(s)
        tmp = self.host_link.with_name(self.host_link.name + ".tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.ttyname(s), tmp)
        os.replace(tmp, self.host_link)
        self.hm, self.hs = m, s

    def unplug(self) -> None:
        with self._lock:
            for fd in (self.hm, self.hs):
                if fd is not None:
                    os.close(fd)
            self.hm = self.hs = None

    def replug(self) -> None:
        with self._lock:
            self._plug()

    def _pace(self, n: int) -> None:
        if self.baudrate:
            time.sleep(n * 10 / self.baudrate)

    def run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                fds = [fd for fd in (self.hm, self.sm) if fd is not None]
            try:
                r, _, _ = select.select(fds, [], [], 0.05)
            except (OSError, ValueError):
                continue
            for fd in r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if fd == self.hm:
                    self._pace(len(data))
                    if data and data[0] in self.muted:
                        continue  # a dead pad: nobody answers
                    try:
                        os.write(self.sm, data)
                    except OSError:
                        continue  # shutting down
                else:
                    self._pace(len(data))
                    with self._lock:
                        if self.hm is None:
                            continue
                        if self.drop_next_reply:
                            self.drop_next_reply = False
                            continue
                        out = self.garbage_before_reply + data
                        self.garbage_before_reply = b""
                        if self.duplicate_next_reply:
                            self.duplicate_next_reply = False
                            out += data
                        try:
                            os.write(self.hm, out)
                        except OSError:
                            pass

    def stop(self) -> None:
        self._stop.set()
        self.unplug()
        for fd in (self.sm, self.ss):
            os.close(fd)


class KeypadBusSim:
    def __init__(
        self,
        link_path: str | Path,
        teller_pads: list[int],
        evaluation_pads: list[int],
        baudrate: int = 19200,
        pace: bool = True,
    ) -> None:
        self.link_path = Path(link_path)
        self.baudrate = baudrate
        self.tellers = {n: TellerPad(n) for n in teller_pads}
        self.evals = {n: EvalPad(n) for n in evaluation_pads}
        self._lock = threading.Lock()
        self._relay = _Relay(self.link_path, baudrate if pace else None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: ModbusSerialServer | None = None
        self._threads: list[threading.Thread] = []
        self.requests = 0
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return str(self.link_path)

    # ---- keys (what a person does)
    def press(self, counter: int, key: int, arg: int = 0) -> None:
        with self._lock:
            p = self.tellers[counter]
            p.key_counter = (p.key_counter + 1) & 0xFFFF
            p.last_key, p.arg = int(key), arg

    def rate(self, counter: int, score: int) -> None:
        with self._lock:
            e = self.evals[counter]
            e.rating_counter = (e.rating_counter + 1) & 0xFFFF
            e.last_rating = score

    # ---- power (a pad restarts on its own, or with the branch PC that feeds the bus)
    def power_cycle(self, counter: int, keep_last: bool = False, kind: str = "teller") -> None:
        """The pad of ``counter`` restarts: its press counter starts again at 0. A pad whose
        firmware keeps its other registers (``keep_last``) still shows the last key (or
        rating) it saw, which must not be taken for a new press."""
        with self._lock:
            if kind == "teller":
                p = self.tellers[counter]
                p.key_counter = 0
                if not keep_last:
                    p.last_key = p.arg = 0
                p.text_regs = km.pack_text("")
                p.waiting = 0
            else:
                e = self.evals[counter]
                e.rating_counter = 0
                e.lamp = False
                if not keep_last:
                    e.last_rating = 0

    def set_counter(self, counter: int, value: int, kind: str = "teller") -> None:
        """Set a pad's press counter as its firmware would after a restart that kept a stale
        value (any number, lower or far higher than the last one read)."""
        with self._lock:
            if kind == "teller":
                self.tellers[counter].key_counter = value & 0xFFFF
            else:
                self.evals[counter].rating_counter = value & 0xFFFF

    # ---- faults
    def silence(self, unit: int, silent: bool = True) -> None:
        (self._relay.muted.add if silent else self._relay.muted.discard)(unit)

    def duplicate_next_reply(self) -> None:
        self._relay.duplicate_next_reply = True

    def drop_next_reply(self) -> None:
        self._relay.drop_next_reply = True

    def unplug(self) -> None:
        self._relay.unplug()

    def replug(self) -> None:
        self._relay.replug()

    # ---- pymodbus hook: registers <-> pad model
    async def _teller_action(self, counter, fc, start, address, count, regs, values):
        self.requests += 1
        p = self.tellers[counter]
        with self._lock:
            if fc == 4:
                regs[km.IR_KEY_COUNTER : km.IR_KEY_ARG + 1] = [p.key_counter, p.last_key, p.arg]
            elif fc in (6, 16) and values is not None:
                for i, v in enumerate(values):
                    a = address + i
                    if km.HR_TEXT <= a < km.HR_TEXT + km.HR_TEXT_COUNT:
                        p.text_regs[a - km.HR_TEXT] = int(v)
                    elif a == km.HR_WAITING:
                        p.waiting = int(v)
        return None

    async def _eval_action(self, counter, fc, start, address, count, regs, values):
        self.requests += 1
        e = self.evals[counter]
        with self._lock:
            if fc == 4:
                regs[0:2] = [e.rating_counter, e.last_rating]
            elif fc in (5, 15) and values is not None and address == km.COIL_LAMP:
                e.lamp = bool(values[0])
        return None

    def _devices(self) -> list[SimDevice]:
        devs = [
            SimDevice(km.teller_unit(n), simdata=_blocks(), action=functools.partial(self._teller_action, n))
            for n in self.tellers
        ]
        devs += [
            SimDevice(km.eval_unit(n), simdata=_blocks(), action=functools.partial(self._eval_action, n))
            for n in self.evals
        ]
        return devs

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def main():
            self._server = ModbusSerialServer(
                self._devices(), port=self._relay.server_path, baudrate=self.baudrate, ignore_missing_devices=True
            )
            task = asyncio.create_task(self._server.serve_forever())
            await asyncio.sleep(0.1)
            self._ready.set()
            await task

        try:
            loop.run_until_complete(main())
        except Exception:
            pass

    def start(self) -> KeypadBusSim:
        for target, name in ((self._relay.run, "keypad-relay"), (self._serve, "keypad-server")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        self._ready.wait(3)
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            fut = asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop)
            try:
                fut.result(2)
            except Exception:
                pass
        self._relay.stop()
        for t in self._threads:
            t.join(1)


class QSystemPadSim:
    """QSystem RS-485 pads on one pty: ``press`` sends ``01 addr key 07``; display and LED
    frames from the host are decoded and kept per address."""

    def __init__(self, link_path: str | Path, baudrate: int | None = None) -> None:
        from ..protocol import candle
        from .pty_port import PtyPort

        self._candle = candle
        self.reader = candle.FrameReader()
        self.port = PtyPort(link_path, self._on_data, baudrate, name="qsystem-pads")
        self.display: dict[int, str] = {}
        self.led: dict[int, int] = {}

    @property
    def url(self) -> str:
        return self.port.url

    def start(self) -> QSystemPadSim:
        self.port.start()
        return self

    def stop(self) -> None:
        self.port.stop()

    def press(self, address: int, key: int) -> None:
        self.port.write(self._candle.key_frame(address, key))

    def send_raw(self, data: bytes) -> None:
        self.port.write(data)

    def _on_data(self, data: bytes) -> None:
        for f in self.reader.feed(data):
            if f.is_key:
                self.led[f.address] = f.key
            else:
                self.display[f.address] = f.text
        return None
