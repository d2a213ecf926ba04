"""Screens over ptys: every protocol decodes and verifies; bursts coalesce; reconnect resends."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from drivers.devices.screens import ADAPTERS, Call, ScreenContent, ScreenDevice
from drivers.link import SerialLink
from drivers.simulators.screen import ScreenSim
from tests.support.polling import until as _until


def until(pred, timeout=3.0, step=0.02):
    return _until(pred, timeout, step)


def _screen(ptydir, protocol, baud=9600, address=1, pace_sim=True, **kw):
    sim = ScreenSim(
        protocol, os.path.join(ptydir, protocol), address=address, baudrate=baud if pace_sim else None
    ).start()
    health = []
    dev = ScreenDevice(
        "s1", ADAPTERS[protocol](address), SerialLink(sim.url, baud), health_sink=lambda *a: health.append(a[2]), **kw
    )
    return sim, dev, health


EXPECT = {
    "onbon-bx": ("A012 请到3号窗口", "A012", "暂停服务"),
    "alpha": ("A012 -> 3", "A012", "PAUSED"),
    "candle": ("A012 >3", "A012", "-- --"),
}


@pytest.mark.parametrize("protocol", list(EXPECT))
async def test_protocol_end_to_end(ptydir, protocol):
    sim, dev, health = _screen(ptydir, protocol, baud=19200, address=0x23, pace_sim=False)
    stop = asyncio.Event()
    task = asyncio.create_task(dev.run(stop))
    try:
        hall, counter, paused = EXPECT[protocol]
        dev.show(ScreenContent("hall", calls=(Call("A012", 3),)))
        assert await until(lambda: sim.text == hall), sim.text
        dev.show(ScreenContent("counter", number="A012", blink=True))
        assert await until(lambda: sim.text == counter and sim.blink), sim.text
        dev.show(ScreenContent("counter", number="A012", state="paused"))
        assert await until(lambda: sim.text == paused), sim.text
        assert sim.bad_frames == 0 and health[-1] == "ok"
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
        sim.stop()


@pytest.mark.parametrize("protocol", ["onbon-bx", "candle"])
async def test_burst_coalesces_on_paced_link(ptydir, protocol):
    sim, dev, _ = _screen(ptydir, protocol, baud=9600, address=0x21)
    stop = asyncio.Event()
    task = asyncio.create_task(dev.run(stop))
    try:
        assert await until(lambda: dev.link.is_open)
        calls: list[Call] = []
        for i in range(1, 101):  # 100 calls in 1 s
            calls.insert(0, Call(f"A{i:03d}", i % 4 + 1))
            dev.show(ScreenContent("hall", calls=tuple(calls[:3])))
            await asyncio.sleep(0.01)
        want = (
            "\n".join(f"{c.number} 请到{c.counter}号窗口" for c in calls[:3]) if protocol == "onbon-bx" else "A100 >1"
        )
        assert await until(lambda: sim.text == want, 2.0), (sim.text, want)
        await asyncio.sleep(0.3)
        assert sim.frames <= 10, sim.frames
        assert sim.text == want and sim.bad_frames == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
        sim.stop()


@pytest.mark.parametrize("protocol", ["onbon-bx", "alpha"])
async def test_port_disappears_and_comes_back(ptydir, protocol):
    sim, dev, health = _screen(ptydir, protocol, baud=19200)
    stop = asyncio.Event()
    task = asyncio.create_task(dev.run(stop))
    try:
        dev.show(ScreenContent("counter", number="A007"))
        assert await until(lambda: sim.text == "A007")
        sim.port.disappear()
        assert await until(lambda: "offline" in health, 2.0)
        dev.show(ScreenContent("counter", number="A008"))  # changes while unplugged
        sim.port.reappear()
        t = time.monotonic()
        sim.text = ""  # a replugged screen has forgotten everything
        assert await until(lambda: sim.text == "A008", 2.0)
        assert time.monotonic() - t < 2.0 and health[-1] == "ok"
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
        sim.stop()
