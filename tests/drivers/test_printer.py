"""Printer path over a pty: ticket bytes reach the simulated printer intact; status faults."""

from __future__ import annotations

import asyncio
import os
import time

from drivers.devices.printer import PrinterDevice
from drivers.link import SerialLink
from drivers.protocol.escpos_ticket import TicketInfo, build_ticket
from drivers.simulators.printer import PrinterSim, render_text
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize

TICKET = TicketInfo(
    "上海南京路支行", "个人业务", "A012", 3, 9, "2026-11-22T09:31:05+08:00", "https://bank.example/t/Zq3xYp9KfA2m"
)


def _dev(sim, **kw):
    health, results = [], []
    dev = PrinterDevice(
        "p1",
        SerialLink(sim.url, 19200),
        health_sink=lambda *a: health.append(a[2:]),
        result_sink=lambda *a: results.append(a),
        **kw,
    )
    return dev, health, results


async def test_ticket_reaches_printer(ptydir, tmp_path):
    sim = PrinterSim(os.path.join(ptydir, "prn"), baudrate=19200, out_dir=tmp_path).start()
    try:
        dev, health, results = _dev(sim)
        data = build_ticket(TICKET)
        assert len(data) <= 300
        assert await dev.print_job_bytes("t1", data) == ("printed", "")
        assert await asyncio.to_thread(sim.wait_tickets, 1, 3)
        got = sim.tickets[0]
        assert got == data
        toks = tokenize(got)
        tx = texts(toks)
        assert tx[0] == "上海南京路支行" and tx[1] == "个人业务"
        assert "A012" in tx and ("size", 0x33) in toks
        assert "前面 3 人" in tx and "预计等候 9 分钟" in tx and "2026-11-22 09:31" in tx
        assert qr_payload(toks) == TICKET.track_url
        assert results == [("t1", "printed", "")] and health[-1] == ("ok", "")
        assert "**A012**" in (tmp_path / "last-ticket.txt").read_text()
        assert "[QR https://bank.example/t/Zq3xYp9KfA2m]" in render_text(got)
    finally:
        sim.stop()


async def test_out_of_paper_fails_job(ptydir):
    sim = PrinterSim(os.path.join(ptydir, "prn")).start()
    try:
        dev, health, results = _dev(sim)
        sim.paper = "out"
        assert (await dev.print_job_bytes("t2", b"x"))[0] == "failed"
        assert results == [("t2", "failed", "out of paper")] and health[-1] == ("fault", "out of paper")
        assert sim.received == b""
        sim.paper = "near_end"
        assert (await dev.print_job_bytes("t3", b"y\n"))[0] == "printed"
        assert health[-1] == ("warning", "paper near end")
    finally:
        sim.stop()


async def test_mute_printer_offline_within_timeout(ptydir):
    sim = PrinterSim(os.path.join(ptydir, "prn")).start()
    sim.mute = True
    try:
        dev, health, results = _dev(sim, status_timeout=0.3)
        t = time.monotonic()
        status = await dev.check()
        assert status[0] == "offline" and time.monotonic() - t < 1.0
        assert health == [("offline", "no status answer")]
    finally:
        sim.stop()


async def test_no_port_is_offline(ptydir):
    dev = PrinterDevice("p1", SerialLink(os.path.join(ptydir, "nothing"), 9600))
    assert (await dev.check())[0] == "offline"


def test_ticket_rendered_as_png_for_a_person(tmp_path):
    """The simulator draws the ticket as it would come out on 80 mm paper."""
    from PIL import Image

    from drivers.protocol.escpos_ticket import TicketInfo, build_ticket
    from drivers.simulators.printer import PAPER_PX, render_png

    data = build_ticket(
        TicketInfo(
            "石景山支行",
            "个人业务",
            "A012",
            3,
            9,
            "2026-11-22T09:31:05+08:00",
            "http://127.0.0.1:8000/t/abcdefghijklmnopqrstuv",
        )
    )
    render_png(data, tmp_path / "t.png")
    image = Image.open(tmp_path / "t.png").convert("L")
    assert image.width == PAPER_PX and image.height > 500
    # the big number band and the QR are both drawn: dark pixels in the upper and lower half
    top = image.crop((0, 0, PAPER_PX, image.height // 2))
    bottom = image.crop((0, image.height // 2, PAPER_PX, image.height))
    assert top.getextrema()[0] == 0 and bottom.getextrema()[0] == 0
    assert bottom.histogram()[0] > 5000  # black pixels: a QR of 45 characters in 6-pixel modules


async def test_a_restarted_demo_printer_keeps_the_tickets_already_printed(ptydir, tmp_path):
    """The demo's paper of an earlier run is not overwritten: files go on from the highest number."""
    (tmp_path / "ticket-0001.txt").write_text("A001 of the first run", encoding="utf-8")
    (tmp_path / "ticket-0002.txt").write_text("A002 of the first run", encoding="utf-8")
    sim = PrinterSim(os.path.join(ptydir, "prn"), baudrate=19200, out_dir=tmp_path, png=False).start()
    try:
        dev, _health, _results = _dev(sim)
        assert await dev.print_job_bytes("t1", build_ticket(TICKET)) == ("printed", "")
        assert await asyncio.to_thread(sim.wait_tickets, 1, 3)
    finally:
        sim.stop()
    assert (tmp_path / "ticket-0001.txt").read_text(encoding="utf-8") == "A001 of the first run"
    assert (tmp_path / "ticket-0002.txt").read_text(encoding="utf-8") == "A002 of the first run"
    assert "**A012**" in (tmp_path / "ticket-0003.txt").read_text(encoding="utf-8")
