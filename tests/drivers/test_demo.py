"""The demo rig: devices start, the devices file is valid, the agent drives them."""

from __future__ import annotations

import asyncio

from drivers.agent import Agent
from drivers.config import load
from drivers.simulators.demo import start_demo_devices
from drivers.simulators.keypad_cli import send
from tests.drivers.fake_server import FakeLobbyq
from tests.support.polling import until as _until


def until(pred, timeout=5.0, step=0.02):
    return _until(pred, timeout, step)


async def test_demo_devices_walk(tmp_path):
    devs = start_demo_devices(tmp_path, "sjm01", "kiosk1", [1, 2])
    fake = FakeLobbyq(counters=(1, 2)).start()
    stop = asyncio.Event()
    try:
        conf = load(devs.devices_file)
        assert [s.id for s in conf.screens] == ["hall", "window-1", "window-2"]
        assert any("keypad_cli" in line for line in devs.describe())
        agent = Agent(fake.url, fake.token, conf)
        task = asyncio.create_task(agent.run(stop))
        assert await until(lambda: agent.connected.is_set() and agent.modbus[0].polls >= 2)
        fake.issue("kiosk1")
        assert await until(lambda: (tmp_path / "tickets" / "last-ticket.txt").exists())
        assert "A001" in (tmp_path / "tickets" / "last-ticket.txt").read_text()
        sock = str(devs.control.path)
        assert (await asyncio.to_thread(send, sock, "press 2 call-next")).startswith("ok")
        assert await until(
            lambda: (
                "A001" in (tmp_path / "screens" / "window-2.txt").read_text()
                if (tmp_path / "screens" / "window-2.txt").exists()
                else False
            )
        )
        assert await until(
            lambda: (
                "A001 请到2号窗口" in (tmp_path / "screens" / "hall.txt").read_text()
                if (tmp_path / "screens" / "hall.txt").exists()
                else False
            )
        )
        assert "pad2 'A001'" in await asyncio.to_thread(send, sock, "status")
        # the pads power-cycle: the stale "call next" in pad 2's key register calls nobody
        assert (await asyncio.to_thread(send, sock, "restart 2")).startswith("ok")
        polls = agent.modbus[0].polls
        assert await until(lambda: agent.modbus[0].polls > polls + 10)
        assert len(fake.posts("/counters/2/call-next")) == 1
        # a refused press: the pad's text says why
        assert (await asyncio.to_thread(send, sock, "press 1 recall")).startswith("ok")
        assert await until(lambda: "pad1 'NONE'" in send(sock, "status"))
        stop.set()
        await asyncio.wait_for(task, 5)
    finally:
        stop.set()
        fake.stop()
        devs.stop()
