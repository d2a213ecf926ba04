"""Simulated devices for ``lobbyq demo``: one kiosk printer, a hall screen, a window screen
per counter, teller and evaluation pads per counter — all on pseudo-terminals.

Why in drivers: the demo must exercise the very same drivers as a branch, through real
bytes; only the far end of each serial line is simulated. The core wires this in with::

    devs = start_demo_devices(workdir, "sjm01", "kiosk1", [1, 2, 3, 4])
    # run the agent with devs.devices_file ...; print devs.describe(); devs.stop() on exit
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .control import ControlServer
from .keypads import KeypadBusSim
from .printer import PrinterSim
from .screen import ScreenSim


@dataclass
class DemoDevices:
    workdir: Path
    devices_file: Path
    printer: PrinterSim
    hall: ScreenSim
    windows: dict[int, ScreenSim]
    keypads: KeypadBusSim
    control: ControlServer
    counters: list[int] = field(default_factory=list)

    def describe(self) -> list[str]:
        w = self.workdir
        py = sys.executable
        lines = [
            f"devices file: {self.devices_file}",
            f"printer  (ESC/POS, {self.printer.url}): each ticket as text in {w / 'tickets'}/ "
            f"(latest: {w / 'tickets' / 'last-ticket.txt'}, drawn: {w / 'tickets' / 'last-ticket.png'})",
            f"hall screen (Onbon BX, {self.hall.url}): {self.hall.watch_file}",
        ]
        for n, s in self.windows.items():
            lines.append(f"window {n} screen (Candle board @0x{s.address:02X}, {s.url}): {s.watch_file}")
        lines += [
            f"watch all screens:  watch -n0.5 'tail -n+1 {w / 'screens'}/*.txt'",
            f"keypads (Modbus RTU, pymodbus server, {self.keypads.url}): teller pads {self.counters}, "
            f"evaluation pads {self.counters}",
            f"press a key:  {py} -m drivers.simulators.keypad_cli {self.control.path} press 1 call-next",
            "  keys: call-next recall skip start finish pause resume transfer N postpone",
            "rate (1 very satisfied … 4 unsatisfied):  "
            f"{py} -m drivers.simulators.keypad_cli {self.control.path} rate 1 4",
            f"pads' displays and lamps:  {py} -m drivers.simulators.keypad_cli {self.control.path} status",
        ]
        return lines

    def stop(self) -> None:
        simulators: list[Any] = [self.control, self.keypads, self.printer, self.hall, *self.windows.values()]
        for s in simulators:
            try:
                s.stop()
            except Exception:
                pass


def start_demo_devices(workdir: str | Path, branch: str, kiosk_name: str, counters: list[int]) -> DemoDevices:
    w = Path(workdir).resolve()
    dev = w / "dev"
    for d in (dev, w / "tickets", w / "screens"):
        d.mkdir(parents=True, exist_ok=True)
    printer = PrinterSim(dev / "printer", baudrate=19200, out_dir=w / "tickets").start()
    hall = ScreenSim(
        "onbon-bx", dev / "screen-hall", address=1, baudrate=9600, watch_file=w / "screens" / "hall.txt"
    ).start()
    windows = {
        n: ScreenSim(
            "candle", dev / f"screen-{n}", address=0x20 + n, baudrate=9600, watch_file=w / "screens" / f"window-{n}.txt"
        ).start()
        for n in counters
    }
    keypads = KeypadBusSim(dev / "keypads", list(counters), list(counters), baudrate=19200).start()
    control = ControlServer(str(w / "keypads.sock"), keypads).start()

    lines = [
        f'branch = "{branch}"',
        "",
        "[[printer]]",
        f'id = "{kiosk_name}-printer"',
        f'kiosk = "{kiosk_name}"',
        f'url = "{printer.url}"',
        "baudrate = 19200",
        "",
        "[[screen]]",
        'id = "hall"',
        'protocol = "onbon-bx"',
        f'url = "{hall.url}"',
        "address = 1",
        'shows = "hall"',
        "baudrate = 9600",
        "",
    ]
    for n, s in windows.items():
        lines += [
            "[[screen]]",
            f'id = "window-{n}"',
            'protocol = "candle"',
            f'url = "{s.url}"',
            f"address = {s.address}",
            f"shows = {n}",
            "baudrate = 9600",
            "",
        ]
    lines += [
        "[[keypad_bus]]",
        'id = "bus1"',
        'protocol = "modbus"',
        f'url = "{keypads.url}"',
        "baudrate = 19200",
        f"teller_pads = {list(counters)}",
        f"evaluation_pads = {list(counters)}",
        "",
    ]
    devices_file = w / "devices.toml"
    devices_file.write_text("\n".join(lines), encoding="utf-8")
    return DemoDevices(w, devices_file, printer, hall, windows, keypads, control, list(counters))
