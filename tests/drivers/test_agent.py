"""The agent end to end: fake lobbyq server (contract only) + device simulators on ptys."""

from __future__ import annotations

import asyncio
import os

import pytest

from drivers.agent import Agent
from drivers.config import parse
from drivers.protocol import keypad_map as km
from drivers.protocol.keypad_map import Key
from drivers.simulators.keypads import KeypadBusSim
from drivers.simulators.printer import PrinterSim
from drivers.simulators.screen import ScreenSim
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize
from tests.drivers.fake_server import FakeLobbyq
from tests.support.polling import until as _until


def until(pred, timeout=4.0, step=0.02):
    return _until(pred, timeout, step)


@pytest.fixture
async def rig(ptydir):
    fake = FakeLobbyq().start()
    prn = PrinterSim(os.path.join(ptydir, "prn")).start()
    hall = ScreenSim("onbon-bx", os.path.join(ptydir, "hall")).start()
    win1 = ScreenSim("candle", os.path.join(ptydir, "win1"), address=0x21).start()
    pads = KeypadBusSim(os.path.join(ptydir, "bus"), [1, 2], [1, 2], baudrate=19200).start()
    conf = parse(f'''branch = "sjm01"
[[printer]]
id = "kiosk1-printer"
kiosk = "kiosk1"
url = "{prn.url}"
baudrate = 19200
[[screen]]
id = "hall"
protocol = "onbon-bx"
url = "{hall.url}"
shows = "hall"
[[screen]]
id = "win1"
protocol = "candle"
url = "{win1.url}"
address = 33
shows = 1
[[keypad_bus]]
id = "bus1"
protocol = "modbus"
url = "{pads.url}"
teller_pads = [1, 2]
evaluation_pads = [1, 2]
''')
    state_path = os.path.join(ptydir, "agent-state.json")
    stop = asyncio.Event()
    agent = Agent(fake.url, fake.token, conf, state_path=state_path)
    task = asyncio.create_task(agent.run(stop))
    assert await until(lambda: agent.connected.is_set())
    assert await until(lambda: all(b.polls >= 2 for b in agent.modbus))
    r = type("Rig", (), dict(fake=fake, prn=prn, hall=hall, win1=win1, pads=pads, agent=agent))
    yield r
    stop.set()
    await asyncio.wait_for(task, 5)
    for s in (prn, hall, win1, pads):
        s.stop()
    fake.stop()


async def test_ticket_printed_and_reported(rig):
    rig.fake.issue("kiosk1")
    rig.fake.issue("kiosk-other")  # another kiosk's ticket: not ours
    assert await asyncio.to_thread(rig.prn.wait_tickets, 1, 4)
    toks = tokenize(rig.prn.tickets[0])
    assert texts(toks)[:2] == ["上海南京路支行", "个人业务"] and "A001" in texts(toks)
    assert qr_payload(toks) == "https://q.example/t/tokt0001"
    assert len(rig.prn.tickets[0]) <= 300
    assert await until(lambda: rig.fake.posts("/tickets/t0001/print"))
    assert rig.fake.posts("/tickets/t0001/print")[0][2] == {
        "status": "printed",
        "device": "kiosk1-printer",
        "detail": "",
    }
    await asyncio.sleep(0.3)
    assert len(rig.prn.tickets) == 1
    # reprint
    rig.fake.emit("ticket.reprint", dict(rig.fake.tickets["t0001"]))
    assert await asyncio.to_thread(rig.prn.wait_tickets, 2, 4)


async def test_out_of_paper_reported(rig):
    rig.prn.paper = "out"
    rig.fake.issue("kiosk1")
    assert await until(lambda: rig.fake.posts("/tickets/t0001/print"))
    assert rig.fake.posts("/tickets/t0001/print")[0][2]["status"] == "failed"
    assert await until(
        lambda: any(
            r[2] == {"kind": "printer", "status": "fault", "detail": "out of paper", "kiosk": "kiosk1"}
            for r in rig.fake.posts("/devices/kiosk1-printer/health")
        )
    )


async def test_keypad_walk_call_finish_rate(rig):
    rig.fake.issue("kiosk1")
    rig.fake.issue("kiosk1")
    rig.pads.press(1, Key.CALL_NEXT)
    assert await until(lambda: rig.fake.posts("/counters/1/call-next"))
    assert await until(lambda: rig.hall.text == "A001 请到1号窗口"), rig.hall.text
    assert await until(lambda: rig.win1.text == "A001" and rig.win1.blink)
    assert await until(lambda: rig.pads.tellers[1].text == "A001" and rig.pads.tellers[1].waiting == 1)
    rig.pads.press(1, Key.PAUSE)
    assert await until(lambda: rig.win1.text == "-- --")
    assert rig.fake.posts("/counters/1/pause")[0][2] == {"reason": "keypad"}
    rig.pads.press(1, Key.RESUME)
    assert await until(lambda: rig.win1.text == "A001")
    rig.pads.press(1, Key.FINISH)
    assert await until(lambda: rig.pads.evals[1].lamp)
    rig.pads.rate(1, 4)
    assert await until(lambda: rig.fake.posts("/counters/1/evaluation"))
    assert rig.fake.posts("/counters/1/evaluation")[0][2] == {"score": 4}
    assert await until(lambda: not rig.pads.evals[1].lamp)
    # each press posted exactly once
    await asyncio.sleep(0.3)
    assert len(rig.fake.posts("/counters/1/call-next")) == 1 and len(rig.fake.posts("/counters/1/finish")) == 1


async def test_lamp_times_out(rig):
    rig.fake.issue("kiosk1")
    rig.pads.press(2, Key.CALL_NEXT)
    assert await until(lambda: rig.fake.posts("/counters/2/call-next"))
    rig.pads.press(2, Key.FINISH)
    assert await until(lambda: rig.pads.evals[2].lamp)
    assert await until(lambda: not rig.pads.evals[2].lamp, 4)  # policy window 2 s


async def test_press_survives_server_restart(rig):
    rig.fake.issue("kiosk1")
    await asyncio.sleep(0.2)
    rig.fake.stop()
    rig.pads.press(1, Key.CALL_NEXT)
    # the press is held while the server is away, and the teller's pad says so
    assert await until(lambda: rig.pads.tellers[1].text == "ERR"), rig.pads.tellers[1].text
    await asyncio.sleep(1.0)
    assert rig.pads.tellers[1].text == "ERR"  # until the press is answered, not a few seconds
    rig.fake.start()
    assert await until(lambda: rig.fake.posts("/counters/1/call-next"), 8)
    assert await until(lambda: rig.pads.tellers[1].text == "A001", 8), rig.pads.tellers[1].text
    # stream resumed from the last seq: the call reaches the screen
    assert await until(lambda: rig.win1.text == "A001", 8)
    await asyncio.sleep(0.3)
    assert len(rig.fake.posts("/counters/1/call-next")) == 1


async def test_refused_press_not_retried(rig):
    rig.pads.press(2, Key.RECALL)  # nothing to recall: 409
    assert await until(lambda: rig.fake.posts("/counters/2/recall"))
    await asyncio.sleep(0.5)
    assert len(rig.fake.posts("/counters/2/recall")) == 1 and not rig.agent.state.outbox


async def test_refusal_shown_on_the_pad_then_the_number_again(rig):
    """409 no_customer → NONE, 204 on call next → EMPTY, each for a few seconds; an
    accepted press shows the number at once."""
    rig.pads.press(2, Key.RECALL)
    assert await until(lambda: rig.pads.tellers[2].text == "NONE"), rig.pads.tellers[2].text
    rig.pads.press(2, Key.CALL_NEXT)
    assert await until(lambda: rig.pads.tellers[2].text == "EMPTY"), rig.pads.tellers[2].text
    assert rig.pads.tellers[1].text == ""  # the other pad is not concerned
    assert await until(lambda: rig.pads.tellers[2].text == "", km.REASON_HOLD_S + 2)
    rig.pads.press(2, Key.FINISH)
    assert await until(lambda: rig.pads.tellers[2].text == "NONE")
    rig.fake.issue("kiosk1")
    rig.pads.press(2, Key.CALL_NEXT)
    assert await until(lambda: rig.pads.tellers[2].text == "A001"), rig.pads.tellers[2].text


async def test_rating_zero_or_unknown_key_never_posted(rig):
    rig.pads.rate(1, 0)
    rig.pads.press(2, 0)
    await asyncio.sleep(0.5)
    rig.pads.rate(1, 3)
    assert await until(lambda: rig.fake.posts("/counters/1/evaluation"))
    await asyncio.sleep(0.3)
    assert [r[2] for r in rig.fake.posts("/counters/1/evaluation")] == [{"score": 3}]
    assert not [r for r in rig.fake.requests if "/counters/2/" in r[1]]


def test_old_outbox_score_zero_or_key_zero_not_posted():
    """An outbox written by an older agent may hold them: they are dropped, not posted."""
    agent = Agent("http://127.0.0.1:9", "t", parse('branch = "sjm01"\n'))
    assert agent.action_request({"kind": "rating", "counter": 1, "score": 0}) is None
    assert agent.action_request({"kind": "key", "counter": 1, "key": 0, "arg": 0}) is None
    assert agent.action_request({"kind": "rating", "counter": 1, "score": 2}) == (
        "/api/v1/branches/sjm01/counters/1/evaluation",
        {"score": 2},
    )
