"""A line-based control socket so a person (or the CLI) can press simulated keys.

Why: the demo's simulators run inside the ``lobbyq demo`` process; a UNIX socket lets a
second terminal press keys without sharing memory. Commands (one per line):
``press COUNTER KEY [ARG]`` (KEY a number 1–9 or a name like call-next), ``rate COUNTER
SCORE``, ``restart COUNTER`` (the counter's pads power-cycle: counters back to 0, last
key and rating kept, docs/keypads.md), ``status``. Each answers one line starting with ``ok`` or ``error``.
"""

from __future__ import annotations

import os
import socket
import threading

from ..protocol.keypad_map import KEY_ACTION, Key

KEY_NAMES = {name: k for k, name in KEY_ACTION.items()} | {
    "call": Key.CALL_NEXT,
    "next": Key.CALL_NEXT,
    "no-show": Key.NO_SHOW,
    "noshow": Key.NO_SHOW,
}


def parse_key(s: str) -> Key:
    if s.isdigit():
        return Key(int(s))
    return KEY_NAMES[s.lower()]


class ControlServer:
    def __init__(self, path: str, bus) -> None:
        self.path, self.bus = path, bus
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="keypad-control", daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def handle(self, line: str) -> str:
        parts = line.split()
        try:
            if parts[0] == "press":
                n, key = int(parts[1]), parse_key(parts[2])
                self.bus.press(n, key, int(parts[3]) if len(parts) > 3 else 0)
                return f"ok pressed {key.name.lower()} on teller pad {n}"
            if parts[0] == "rate":
                self.bus.rate(int(parts[1]), int(parts[2]))
                return f"ok rated {parts[2]} on evaluation pad {parts[1]}"
            if parts[0] == "restart":
                n = int(parts[1])
                self.bus.power_cycle(n, keep_last=True)
                if n in self.bus.evals:
                    self.bus.power_cycle(n, keep_last=True, kind="eval")
                return f"ok pads of counter {n} restarted (press counters 0, last key kept)"
            if parts[0] == "status":
                t = "; ".join(f"pad{n} '{p.text}' waiting={p.waiting}" for n, p in self.bus.tellers.items())
                e = "; ".join(f"eval{n} lamp={'ON' if p.lamp else 'off'}" for n, p in self.bus.evals.items())
                return f"ok {t} | {e}"
        except (IndexError, KeyError, ValueError) as err:
            return f"error {err!r}: usage press N KEY [ARG] | rate N SCORE | restart N | status"
        return "error unknown command"

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                f = conn.makefile("rw")
                for line in f:
                    if line.strip():
                        f.write(self.handle(line.strip()) + "\n")
                        f.flush()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
