"""Keypads against pymodbus's own server over a pty pair (independent peer)."""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from drivers.devices.keypads import ModbusKeypadBus, QSystemKeypadBus
from drivers.protocol import candle
from drivers.protocol import keypad_map as km
from drivers.protocol.keypad_map import Key
from drivers.simulators.keypads import KeypadBusSim, QSystemPadSim
from drivers.state import AgentState
from tests.support.polling import until as _until


def until(pred, timeout=3.0, step=0.02):
    return _until(pred, timeout, step)


class Harness:
    def __init__(self, ptydir, tellers=(1, 2), evals=(1, 2), state_path=None):
        self.sim = KeypadBusSim(os.path.join(ptydir, "bus"), list(tellers), list(evals), baudrate=19200).start()
        self.actions: list[dict] = []
        self.health: dict[str, str] = {}
        self.state_path = state_path
        self.stop = asyncio.Event()
        self.bus = None

    def start_bus(self):
        self.stop = asyncio.Event()
        self.bus = ModbusKeypadBus(
            "bus1",
            self.sim.url,
            19200,
            list(self.sim.tellers),
            list(self.sim.evals),
            state=AgentState(self.state_path),
            action_sink=self.actions.append,
            health_sink=lambda i, k, s, d: self.health.__setitem__(i, s),
        )
        self.task = asyncio.create_task(self.bus.run(self.stop))
        return self.bus

    async def stop_bus(self):
        self.stop.set()
        await asyncio.wait_for(self.task, 3)

    async def polls(self, n=3):
        start = self.bus.polls
        assert await until(lambda: self.bus.polls >= start + n)


@pytest.fixture
async def h(ptydir):
    hh = Harness(ptydir, state_path=os.path.join(ptydir, "state.json"))
    hh.start_bus()
    await hh.polls(2)
    yield hh
    await hh.stop_bus()
    hh.sim.stop()


async def test_press_seen_once(h):
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) == 1)
    await h.polls(5)
    assert h.actions == [{"kind": "key", "counter": 1, "key": 1, "arg": 0, "id": 1}] or [
        {k: v for k, v in a.items() if k != "id"} for a in h.actions
    ] == [{"kind": "key", "counter": 1, "key": 1, "arg": 0}]


async def test_transfer_arg_and_rating_and_outputs(h):
    h.sim.press(2, Key.TRANSFER, 3)
    h.sim.rate(1, 4)
    assert await until(lambda: len(h.actions) == 2)
    got = sorted((a["kind"], a["counter"], a.get("key"), a.get("arg"), a.get("score")) for a in h.actions)
    assert got == [("key", 2, 8, 3, None), ("rating", 1, None, None, 4)]
    h.bus.show(1, "A012", 7)
    h.bus.lamp(2, True)
    assert await until(
        lambda: h.sim.tellers[1].text == "A012" and h.sim.tellers[1].waiting == 7 and h.sim.evals[2].lamp
    )
    h.sim.rate(2, 1)
    assert await until(lambda: not h.sim.evals[2].lamp)  # rated: lamp cleared


async def test_missed_poll_and_duplicate_reply(h):
    h.sim.drop_next_reply()  # the poll right after the press gets no answer
    h.sim.press(1, Key.RECALL)
    assert await until(lambda: len(h.actions) == 1)
    h.sim.duplicate_next_reply()
    await h.polls(5)
    h.sim.duplicate_next_reply()
    h.sim.press(2, Key.START)
    assert await until(lambda: len(h.actions) == 2)
    await h.polls(5)
    assert [(a["counter"], a["key"]) for a in h.actions] == [(1, 2), (2, 4)]


async def test_restart_neither_loses_nor_replays(h):
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) == 1)
    await h.stop_bus()
    h.sim.press(1, Key.FINISH)  # pressed while the agent restarts
    h.start_bus()
    assert await until(lambda: len(h.actions) == 2)
    await h.polls(5)
    assert [a["key"] for a in h.actions] == [1, 5]  # the old press not replayed, the new one not lost


# ---- restarts (docs/keypads.md "Pad, agent and server restarts")
def _keys(h):
    return [(a["counter"], a.get("key"), a.get("score")) for a in h.actions]


async def test_pad_restart_counter_zero_with_stale_key_calls_nobody(h):
    """A pad power-cycles: its counter reads 0 while its key register still holds 1 (call
    next). That is a restart, not 65,535 presses: nothing is acted on."""
    h.sim.press(1, Key.CALL_NEXT)
    h.sim.press(1, Key.START)
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) >= 1)
    await h.polls(3)
    seen = list(h.actions)
    h.sim.power_cycle(1, keep_last=True)
    await h.polls(8)
    assert h.actions == seen, h.actions
    assert h.bus.state.counters["bus1/1"] == 0  # the counter is learned afresh


async def test_normal_press_after_pad_restart_acted_on_once(h):
    h.sim.press(1, Key.CALL_NEXT)
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) >= 1)
    await h.polls(3)
    n = len(h.actions)
    h.sim.power_cycle(1, keep_last=True)
    await h.polls(4)
    h.sim.press(1, Key.FINISH)  # the pad's first press since its restart: counter 1
    assert await until(lambda: len(h.actions) > n)
    await h.polls(5)
    assert _keys(h)[n:] == [(1, Key.FINISH, None)]


@pytest.mark.parametrize("value", [3, 4000, 65000])
async def test_counter_lower_or_implausibly_far_ahead_is_a_restart(h, value):
    """Lower than the last counter (a wrap would mean thousands of presses), or more than
    ``MAX_PRESSES_BETWEEN_POLLS`` ahead: the pad restarted with a stale value."""
    for _ in range(5):
        h.sim.press(1, Key.RECALL)
    assert await until(lambda: h.bus.state.counters.get("bus1/1") == 5)
    n = len(h.actions)
    h.sim.set_counter(1, value)
    await h.polls(6)
    assert len(h.actions) == n, h.actions
    assert h.bus.state.counters["bus1/1"] == value


async def test_a_few_presses_between_polls_act_once_on_the_last(h):
    """Up to MAX_PRESSES_BETWEEN_POLLS new presses seen at once: the last key, once."""
    h.sim.set_counter(1, 65533)  # close to the wrap, while the agent keeps polling
    await h.polls(4)
    n = len(h.actions)
    assert n <= 1
    h.sim.set_counter(1, 65533 + km.MAX_PRESSES_BETWEEN_POLLS - 1)
    h.sim.press(1, Key.START)  # wraps: MAX_PRESSES_BETWEEN_POLLS presses in all
    assert await until(lambda: len(h.actions) > n)
    await h.polls(4)
    assert _keys(h)[n:] == [(1, Key.START, None)]


async def test_agent_restart_does_not_act_on_a_stale_press(ptydir):
    """The agent restarts (its state file is fresh) while the pads restarted too (a branch
    PC feeding the bus): the key register still holds the call-next acted on before, the
    counter is back at 0. And an agent with no state at all learns the counters."""
    hh = Harness(ptydir, state_path=os.path.join(ptydir, "state.json"))
    try:
        hh.start_bus()
        await hh.polls(2)
        hh.sim.press(1, Key.CALL_NEXT)
        hh.sim.rate(1, 2)
        assert await until(lambda: len(hh.actions) == 2)
        await hh.stop_bus()
        hh.sim.power_cycle(1, keep_last=True)
        hh.sim.power_cycle(1, keep_last=True, kind="eval")
        hh.start_bus()
        await hh.polls(8)
        assert len(hh.actions) == 2, hh.actions
        await hh.stop_bus()

        hh.sim.press(2, Key.CALL_NEXT)  # pressed while no agent ran, and no state file
        os.remove(os.path.join(ptydir, "state.json"))
        hh.start_bus()
        await hh.polls(8)
        assert len(hh.actions) == 2, hh.actions
    finally:
        await hh.stop_bus()
        hh.sim.stop()


async def test_key_zero_unknown_key_and_rating_zero_never_acted_on(h):
    h.sim.press(1, 0)
    h.sim.press(2, 42)
    h.sim.rate(1, 0)
    h.sim.rate(2, 9)
    await h.polls(8)
    assert h.actions == []
    assert all(h.bus.state.counters[k] == 1 for k in ("bus1/1", "bus1/2", "bus1/101", "bus1/102"))
    h.sim.press(1, Key.CALL_NEXT)
    h.sim.rate(1, 1)
    assert await until(lambda: len(h.actions) == 2)
    assert sorted(_keys(h), key=str) == [(1, 1, None), (1, None, 1)]


async def test_silent_pad_faults_others_served(h):
    h.sim.silence(2)
    assert await until(lambda: h.health.get("bus1-teller-2") == "fault")
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) == 1, timeout=1.0)
    h.sim.silence(2, False)
    assert await until(lambda: h.health.get("bus1-teller-2") == "ok", timeout=4)


# ---- QSystem pads
@settings(max_examples=60, deadline=None)
@given(hs.binary(max_size=40))
def test_qsystem_garbage_never_acts(data):
    """Random bytes with no valid 4-byte key frame → no action, no crash."""
    frames = candle.FrameReader().feed(data)
    bus = QSystemKeypadBus("q", _DummyLink(), [1, 2, 3])
    got = asyncio.run(bus.feed(data))
    expected = [(a, k) for a, k in candle.key_frames(frames) if a in (1, 2, 3) and k in bus.KEYS]
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(
    hs.lists(
        hs.sampled_from(
            [
                b"\x01\x02\x31\x07",
                b"\x01\x02\x31",
                b"\x07",
                b"\x01",
                b"\xff\x00",
                b"\x01\x02\x31\x32\x07",
                b"\x02\x31\x07",
            ]
        ),
        max_size=12,
    )
)
def test_qsystem_truncated_frames(chunks):
    data = b"".join(chunks)
    bus = QSystemKeypadBus("q", _DummyLink(), [2])
    got = asyncio.run(bus.feed(data))
    assert all(g == (2, 0x31) for g in got)
    assert len(got) <= data.count(b"\x01\x02\x31\x07")


class _DummyLink:
    def on_health(self, cb):
        pass


async def test_qsystem_pad_over_pty(ptydir):
    from drivers.link import SerialLink

    sim = QSystemPadSim(os.path.join(ptydir, "qs")).start()
    actions = []
    bus = QSystemKeypadBus("qs", SerialLink(sim.url, 19200), [3], action_sink=actions.append)
    stop = asyncio.Event()
    task = asyncio.create_task(bus.run(stop))
    try:
        assert await until(lambda: bus.link.is_open)
        sim.send_raw(b"\x01\x03\x31")  # truncated
        sim.press(3, candle.KEY_CALL)
        sim.press(9, candle.KEY_CALL)  # not our pad
        assert await until(lambda: len(actions) == 1)
        assert actions[0] == {"kind": "qsystem", "counter": 3, "key": 0x31}
        bus.show(3, "A012", blink=True)
        assert await until(lambda: sim.display.get(3) == "012")
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
        sim.stop()


async def test_bus_unplugged_and_back(h):
    h.sim.unplug()
    await asyncio.sleep(0.8)
    h.sim.replug()
    t = asyncio.get_running_loop().time()
    await asyncio.sleep(0.3)
    h.sim.press(1, Key.CALL_NEXT)
    assert await until(lambda: len(h.actions) == 1, timeout=3.0)
    assert asyncio.get_running_loop().time() - t < 3.0
    assert await until(lambda: h.health.get("bus1-teller-1") == "ok")


def test_sim_line_is_raw_no_echo(ptydir):
    """The simulated bus never echoes a request back (both pty ends raw): a request for a
    unit nobody answers gets silence, not its own bytes. (The demo's old 'recv: <request>'
    dumps were pymodbus's process-wide frame log of the simulated pads' side.)"""
    import termios

    import serial

    sim = KeypadBusSim(os.path.join(ptydir, "bus"), [1], [1]).start()
    try:
        for fd in (sim._relay.hs, sim._relay.hm, sim._relay.ss):
            assert not termios.tcgetattr(fd)[3] & (termios.ECHO | termios.ICANON)
        with serial.Serial(sim.url, 19200, timeout=0.3) as port:
            port.write(bytes.fromhex("0904000000013180"))  # unit 9: no such pad
            assert port.read(64) == b""
            port.timeout = 2.0
            port.write(bytes.fromhex("01040000000131ca"))  # unit 1, input register 0
            assert port.read(7) == bytes.fromhex("0104020000b930")
    finally:
        sim.stop()
