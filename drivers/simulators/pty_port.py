"""A pseudo-terminal endpoint: the simulator's side of a serial line.

Why a symlink: the slave's /dev/pts/N changes when a pty is recreated; a stable link
lets a test unplug (``disappear``) and replug (``reappear``) the port, and the driver
reconnects by the same URL, exactly like a USB adapter coming back.
Pacing: with ``baudrate`` set, received bytes are consumed at the line rate
(10 bits/byte), so a host that floods the line sees it back up.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path


class PtyPort:
    def __init__(
        self,
        link_path: str | Path,
        on_data: Callable[[bytes], bytes | None],
        baudrate: int | None = None,
        name: str = "",
    ) -> None:
        self.link_path = Path(link_path)
        self.on_data = on_data
        self.baudrate = baudrate
        self.name = name or self.link_path.name
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.rx_bytes = 0

    @property
    def url(self) -> str:
        return str(self.link_path)

    def _create(self) -> None:
        m, s = os.openpty()
        tty.setraw(s)
        tty.setraw(m)
        os.set_blocking(m, False)
        tmp = self.link_path.with_name(self.link_path.name + ".tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.ttyname(s), tmp)
        os.replace(tmp, self.link_path)
        self._master, self._slave = m, s

    def start(self) -> PtyPort:
        self.link_path.parent.mkdir(parents=True, exist_ok=True)
        self._create()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"sim-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            m = self._master
            if m is None:
                time.sleep(0.02)
                continue
            try:
                r, _, _ = select.select([m], [], [], 0.05)
                if not r:
                    continue
                data = os.read(m, 1 if self.baudrate else 4096)
            except OSError:
                time.sleep(0.02)
                continue
            if not data:
                continue
            self.rx_bytes += len(data)
            if self.baudrate:
                time.sleep(len(data) * 10 / self.baudrate)
            try:
                reply = self.on_data(data)
            except Exception:  # a simulator bug must not kill the line
                import traceback

                traceback.print_exc()
                reply = None
            if reply:
                self.write(reply)

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._master is None:
                return
            try:
                os.write(self._master, data)
            except OSError:
                pass

    def disappear(self) -> None:
        """Unplug: close both ends; the host's next I/O fails."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._master = self._slave = None
        try:
            self.link_path.unlink()
        except FileNotFoundError:
            pass

    def reappear(self) -> None:
        with self._lock:
            self._create()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=1)
        self.disappear()
