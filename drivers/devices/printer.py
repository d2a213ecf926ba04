"""Kiosk ticket printer: its own print queue, so a slow or broken printer delays nobody.

A printer that does not answer its status query in time is offline, never "paper OK";
one out of paper fails the job visibly instead of swallowing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..link import LinkDown, SerialLink
from ..protocol import status as st
from .health import Health, HealthSink

log = logging.getLogger(__name__)

# (job_id, "printed" | "failed", detail)
ResultSink = Callable[[str, str, str], Awaitable[None] | None]


@dataclass
class PrintJob:
    job_id: str
    data: bytes


class PrinterDevice:
    def __init__(
        self,
        device_id: str,
        link: SerialLink,
        *,
        status_timeout: float = 0.3,
        idle_poll_s: float = 5.0,
        health_sink: HealthSink | None = None,
        result_sink: ResultSink | None = None,
    ) -> None:
        self.id, self.link = device_id, link
        self.status_timeout, self.idle_poll_s = status_timeout, idle_poll_s
        self.health = Health(device_id, "printer", health_sink)
        self.result_sink = result_sink
        self.queue: asyncio.Queue[PrintJob] = asyncio.Queue()
        self.printed = 0

    def submit(self, job_id: str, data: bytes) -> None:
        self.queue.put_nowait(PrintJob(job_id, data))

    async def _query(self, cmd: bytes) -> int | None:
        """One DLE EOT query; None when no valid status byte arrives in time."""
        try:
            raw = await self.link.transact(cmd, lambda b: len(b) >= 1, max_bytes=1, timeout=self.status_timeout)
        except LinkDown:
            return None
        if len(raw) == 1 and st.valid(raw[0]):
            return raw[0]
        return None

    async def read_status(self) -> st.PrinterStatus | None:
        """Printer online + paper, or None = offline (no answer within the timeout)."""
        if not self.link.is_open and not await self.link.open_once():
            return None
        b1 = await self._query(st.DLE_EOT_PRINTER)
        if b1 is None:
            return None
        b4 = await self._query(st.DLE_EOT_PAPER)
        if b4 is None:
            return None
        return st.PrinterStatus(st.parse_printer(b1), st.parse_paper(b4))

    async def check(self) -> tuple[str, str]:
        s = await self.read_status()
        status, detail = ("offline", "no status answer") if s is None else s.health
        await self.health.set(status, detail)
        return status, detail

    async def _report(self, job: PrintJob, result: str, detail: str) -> None:
        if self.result_sink is None:
            return
        try:
            r = self.result_sink(job.job_id, result, detail)
            if asyncio.iscoroutine(r):
                await r
        except Exception:
            log.exception("print result sink failed")

    async def print_job(self, job: PrintJob) -> tuple[str, str]:
        status, detail = await self.check()
        if status in ("fault", "offline"):
            await self._report(job, "failed", detail)
            return "failed", detail
        try:
            await self.link.write(job.data)
        except LinkDown as e:
            await self.health.set("offline", str(e))
            await self._report(job, "failed", "port lost while printing")
            return "failed", str(e)
        self.printed += 1
        await self._report(job, "printed", "")
        return "printed", ""

    async def print_job_bytes(self, job_id: str, data: bytes) -> tuple[str, str]:
        return await self.print_job(PrintJob(job_id, data))

    async def run(self, stop: asyncio.Event) -> None:
        await self.link.open_once()
        while not stop.is_set():
            try:
                job = await asyncio.wait_for(self.queue.get(), self.idle_poll_s)
            except TimeoutError:
                await self.check()  # paper/offline noticed between tickets too
                continue
            await self.print_job(job)
        await self.link.close()
