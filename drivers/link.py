"""One serial port, named by a pyserial URL (``/dev/tty…``, ``rfc2217://``, ``socket://``,
a pty), shared by one device driver: opening, timeouts, one writer at a time (a
transaction is a write and its reply), reconnecting and health, none of it blocking the
event loop.

A write returns only when its bytes could have left the wire, as a real UART's would, so
a pty or a network serial server does not hide the line rate the screens' coalescing
relies on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import time
from collections.abc import Awaitable, Callable

import serial

if sys.platform == "win32":  # pragma: no cover

    class _TermiosError(Exception):
        pass

else:
    from termios import error as _TermiosError


log = logging.getLogger(__name__)

HealthCallback = Callable[[bool, str], Awaitable[None] | None]


class LinkDown(ConnectionError):
    """The port is not open (or just failed); the caller may retry after reconnect."""


class SerialLink:
    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        *,
        name: str = "",
        timeout: float = 0.2,
        write_timeout: float = 2.0,
        backoff_min: float = 0.05,
        backoff_max: float = 1.0,
        pace: bool = True,
        bits_per_byte: int = 10,
    ) -> None:
        self.url, self.baudrate, self.name = url, baudrate, name or url
        self.timeout, self.write_timeout = timeout, write_timeout
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self.pace, self.bits_per_byte = pace, bits_per_byte
        self._port: serial.SerialBase | None = None
        self._lock = asyncio.Lock()
        self._health_cbs: list[HealthCallback] = []
        self._up_event = asyncio.Event()
        self.last_error = ""
        self.opens = 0
        self.bytes_written = 0

    # ---- health
    def on_health(self, cb: HealthCallback) -> None:
        """cb(up, detail) on every open and every failure."""
        self._health_cbs.append(cb)

    async def _emit(self, up: bool, detail: str) -> None:
        for cb in self._health_cbs:
            try:
                r = cb(up, detail)
                if asyncio.iscoroutine(r):
                    await r
            except Exception:  # a health listener must never break the link
                log.exception("health callback failed")

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def line_time(self, nbytes: int) -> float:
        return nbytes * self.bits_per_byte / self.baudrate

    # ---- open / close
    def _open_sync(self) -> serial.SerialBase:
        return serial.serial_for_url(
            self.url, baudrate=self.baudrate, timeout=self.timeout, write_timeout=self.write_timeout, exclusive=None
        )

    async def open_once(self) -> bool:
        try:
            port = await asyncio.to_thread(self._open_sync)
        except (serial.SerialException, OSError, ValueError, _TermiosError) as e:
            self.last_error = str(e)
            return False
        self._port = port
        self.opens += 1
        self._up_event.set()
        await self._emit(True, "")
        return True

    async def connect(self, stop: asyncio.Event | None = None) -> bool:
        """Open, retrying with jittered exponential backoff until open or ``stop`` is set."""
        delay = self.backoff_min
        while not self.is_open:
            if await self.open_once():
                return True
            if stop is not None and stop.is_set():
                return False
            await asyncio.sleep(delay * (0.5 + random.random() / 2))
            delay = min(self.backoff_max, delay * 2)
        return True

    async def _fail(self, err: Exception | str) -> None:
        self.last_error = str(err)
        port, self._port = self._port, None
        self._up_event.clear()
        if port is not None:
            try:
                await asyncio.to_thread(port.close)
            except Exception:
                pass
            log.warning("link %s down: %s", self.name, err)
            await self._emit(False, str(err))

    async def close(self) -> None:
        port, self._port = self._port, None
        self._up_event.clear()
        if port is not None:
            await asyncio.to_thread(port.close)

    # ---- I/O (all raise LinkDown when the port is gone)
    def _require(self) -> serial.SerialBase:
        if self._port is None:
            raise LinkDown(f"{self.name}: not open ({self.last_error})")
        return self._port

    def _write_sync(self, port: serial.SerialBase, data: bytes) -> None:
        start = time.monotonic()
        port.write(data)
        port.flush()
        if self.pace:
            rest = self.line_time(len(data)) - (time.monotonic() - start)
            if rest > 0:
                time.sleep(rest)

    def _read_sync(self, port: serial.SerialBase, n: int, timeout: float) -> bytes:
        port.timeout = timeout
        return port.read(n)

    def _read_until_sync(self, port, done: Callable[[bytes], bool], max_bytes: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while len(buf) < max_bytes and not done(bytes(buf)):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            port.timeout = min(left, 0.05)
            chunk = port.read(max(1, min(port.in_waiting, max_bytes - len(buf))))
            buf += chunk
        return bytes(buf)

    async def _io(self, fn, *args):
        port = self._require()
        try:
            return await asyncio.to_thread(fn, port, *args)
        except (serial.SerialException, OSError, _TermiosError) as e:
            await self._fail(e)
            raise LinkDown(f"{self.name}: {e}") from e

    async def write(self, data: bytes) -> None:
        async with self._lock:
            await self._io(self._write_sync, data)
            self.bytes_written += len(data)

    async def read(self, n: int, timeout: float) -> bytes:
        async with self._lock:
            return await self._io(self._read_sync, n, timeout)

    async def transact(
        self,
        data: bytes,
        done: Callable[[bytes], bool],
        *,
        max_bytes: int = 256,
        timeout: float = 0.5,
        flush_input: bool = True,
    ) -> bytes:
        """Write a request and read its reply until ``done(buf)`` or ``timeout``; the lock
        is held throughout so no other writer interleaves."""
        async with self._lock:
            if flush_input:
                await self._io(lambda p: p.reset_input_buffer())
            await self._io(self._write_sync, data)
            self.bytes_written += len(data)
            return await self._io(self._read_until_sync, done, max_bytes, timeout)

    async def mark_down(self, detail: str) -> None:
        """Called by a device that decided its peer is gone (e.g. no reply): reopen later."""
        async with self._lock:
            await self._fail(detail)
