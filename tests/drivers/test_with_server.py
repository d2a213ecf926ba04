"""The drivers against the REAL server: a ``lobbyq serve`` subprocess (SQLite), the device
agent (in-process, as a ``lobbyq agent`` subprocess, or embedded in the server with
``LOBBYQ_DEVICES``), and the simulators on ptys. Everything the fake server only promised
(issue → print, print result → ``print_failed``, fault → alert, keypad → call, finish →
lamp, rating 4 → alert) is checked here through the real API.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from drivers.agent import Agent
from drivers.config import load
from drivers.protocol.keypad_map import Key
from drivers.simulators.keypads import KeypadBusSim
from drivers.simulators.printer import PrinterSim
from drivers.simulators.screen import ScreenSim
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize
from tests.support.polling import until as _until
from tests.support.server import LobbyqServer, lobbyq_command


def until(pred, timeout=6.0, step=0.02):
    return _until(pred, timeout, step)


pytestmark = pytest.mark.slow

B = "sjm01"
API = f"/api/v1/branches/{B}"


async def until_eq(fn, want, timeout=6.0):
    """Poll the async ``fn()`` until it returns ``want``; the last value otherwise."""
    end = time.monotonic() + timeout
    while True:
        got = await fn()
        if got == want or time.monotonic() > end:
            return got
        await asyncio.sleep(0.05)


class Rig:
    """Simulated devices on ptys and the devices file that names them."""

    def __init__(self, tmp: Path, ptydir: str) -> None:
        self.prn = PrinterSim(os.path.join(ptydir, "prn"), baudrate=19200).start()
        self.hall = ScreenSim("onbon-bx", os.path.join(ptydir, "hall"), address=1).start()
        self.win1 = ScreenSim("candle", os.path.join(ptydir, "win1"), address=0x21).start()
        self.pads = KeypadBusSim(os.path.join(ptydir, "bus"), [1, 2], [1, 2], baudrate=19200).start()
        self.devices_file = tmp / "devices.toml"
        self.devices_file.write_text(
            f'''branch = "{B}"
[[printer]]
id = "kiosk1-printer"
kiosk = "kiosk1"
url = "{self.prn.url}"
baudrate = 19200
[[screen]]
id = "hall"
protocol = "onbon-bx"
url = "{self.hall.url}"
address = 1
shows = "hall"
[[screen]]
id = "window-1"
protocol = "candle"
url = "{self.win1.url}"
address = 33
shows = 1
[[keypad_bus]]
id = "bus1"
protocol = "modbus"
url = "{self.pads.url}"
baudrate = 19200
teller_pads = [1, 2]
evaluation_pads = [1, 2]
''',
            encoding="utf-8",
        )

    def stop(self) -> None:
        for s in (self.prn, self.hall, self.win1, self.pads):
            s.stop()


@pytest.fixture
def rig(tmp_path, ptydir):
    r = Rig(tmp_path, ptydir)
    yield r
    r.stop()


def _server(tmp_path, env=None) -> LobbyqServer:
    return LobbyqServer(f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}", log_dir=tmp_path, env=env or {})


@pytest.fixture
def server(tmp_path):
    s = _server(tmp_path).start()
    s.put_branch()
    yield s
    s.stop()


@asynccontextmanager
async def agent_in_process(server: LobbyqServer, rig: Rig, token: str | None = None):
    token = token or server.token("agent", B, "agent")
    agent = Agent(server.url, token, load(rig.devices_file))
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        assert await until(agent.connected.is_set), "agent never followed the stream"
        assert await until(lambda: all(b.polls >= 2 for b in agent.modbus)), "keypad bus never polled"
        yield agent
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


class AgentProcess:
    """``lobbyq agent`` as a subprocess, so it can be killed -9 like a crashed branch PC."""

    def __init__(self, server: LobbyqServer, token: str, devices_file: Path, log_path: Path, env=None) -> None:
        self.env = env or {}
        self.args = [
            *lobbyq_command(),
            "agent",
            "--server",
            server.url,
            "--token",
            token,
            "--devices",
            str(devices_file),
        ]
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> AgentProcess:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.args,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
        )
        log.close()
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def get(c: httpx.AsyncClient, path: str) -> dict:
    r = await c.get(path)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------ printer


async def test_printer_end_to_end(server, rig):
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    async with kiosk, mgr, agent_in_process(server, rig):
        r = await kiosk.post(f"{API}/tickets", json={"category": "personal"})
        assert r.status_code == 201, r.text
        t1 = r.json()
        assert await asyncio.to_thread(rig.prn.wait_tickets, 1, 6), "no ticket reached the printer"
        raw = rig.prn.tickets[0]
        toks = tokenize(raw)
        words = texts(toks)
        assert words[:2] == ["石景山支行", "个人业务"], words
        assert t1["number"] in words
        assert ("size", 0x33) in toks  # the number at 4×4
        assert qr_payload(toks) == t1["track_url"]
        assert ("cut",) in toks
        assert len(raw) <= 300, len(raw)
        assert await until(lambda: _printed(mgr, t1["id"], False))

        # out of paper: the next ticket fails visibly, the manager sees an alert
        rig.prn.paper = "out"
        t2 = (await kiosk.post(f"{API}/tickets", json={"category": "personal"})).json()
        assert await until(lambda: _printed(mgr, t2["id"], True)), "ticket not marked print_failed"
        alerts = await until(lambda: _alerts(mgr, "device.fault"))
        assert [a["data"]["device"] for a in alerts] == ["kiosk1-printer"], [a["data"] for a in alerts]
        assert alerts[0]["data"]["detail"] == "out of paper", alerts
        assert len(rig.prn.tickets) == 1  # nothing went to a printer without paper

        # paper back: the manager reprints, the ticket comes out and is no longer failed
        rig.prn.paper = "ok"
        r = await mgr.post(f"{API}/tickets/{t2['id']}/reprint")
        assert r.status_code == 200, r.text
        assert await asyncio.to_thread(rig.prn.wait_tickets, 2, 6), "reprint never reached the printer"
        toks2 = tokenize(rig.prn.tickets[1])
        assert t2["number"] in texts(toks2) and qr_payload(toks2) == t2["track_url"]
        assert await until(lambda: _printed(mgr, t2["id"], False)), "reprinted ticket still print_failed"


async def test_manager_ticket_printed_at_the_chosen_kiosk(server, rig):
    """A green ticket the lobby manager issues comes out of the printer of the kiosk the
    manager chose (the layout's first by default), with its QR, as a kiosk's own does."""
    from app.sample_branch import SAMPLE_BRANCH

    server.put_branch({**SAMPLE_BRANCH, "kiosks": ["kiosk1", "kiosk2"]})
    mgr = server.async_client(server.token("manager", B, "mgr"))
    async with mgr, agent_in_process(server, rig):
        r = await mgr.post(f"{API}/tickets", json={"category": "personal", "priority": "green"})
        assert r.status_code == 201, r.text
        green = r.json()
        assert await asyncio.to_thread(rig.prn.wait_tickets, 1, 6), "the manager's ticket was not printed"
        toks = tokenize(rig.prn.tickets[0])
        assert texts(toks)[:2] == ["石景山支行", "个人业务"] and green["number"] in texts(toks)
        assert qr_payload(toks) == green["track_url"]
        assert await until(lambda: _printed(mgr, green["id"], False))

        # Chosen explicitly: the same printer; another kiosk's printer is not this one.
        r = await mgr.post(f"{API}/tickets", json={"category": "wealth", "priority": "vip", "kiosk": "kiosk1"})
        vip = r.json()
        assert await asyncio.to_thread(rig.prn.wait_tickets, 2, 6), "the chosen kiosk's printer printed nothing"
        toks = tokenize(rig.prn.tickets[1])
        assert vip["number"] in texts(toks) and qr_payload(toks) == vip["track_url"]
        r = await mgr.post(f"{API}/tickets", json={"category": "personal", "priority": "green", "kiosk": "kiosk2"})
        assert r.status_code == 201 and r.json()["kiosk"] == "kiosk2", r.text
        await asyncio.sleep(1.0)
        assert len(rig.prn.tickets) == 2, "kiosk1's printer printed kiosk2's ticket"


async def _printed(c: httpx.AsyncClient, ticket_id: str, failed: bool) -> bool:
    t = await get(c, f"{API}/tickets/{ticket_id}")
    return t.get("print_failed") is failed


async def _alerts(c: httpx.AsyncClient, kind: str) -> list[dict]:
    return [a for a in (await get(c, f"{API}/alerts?status=open"))["alerts"] if a["type"] == kind]


# ------------------------------------------------------------------ keypads


async def _called_at(c: httpx.AsyncClient, counter: int) -> str | None:
    st = await get(c, f"{API}/state")
    for k in st["counters"]:
        if k["number"] == counter and k.get("current"):
            return k["current"]["number"]
    return None


async def keypad_walk(server: LobbyqServer, rig: Rig, kiosk, teller, mgr) -> None:
    """Ticket → teller opens counter 1 → call next → finish (lamp) → rate 4 (alert, lamp off)."""
    t = (await kiosk.post(f"{API}/tickets", json={"category": "personal"})).json()
    r = await teller.post(f"{API}/counters/1/open")
    assert r.status_code == 200, r.text
    rig.pads.press(1, Key.CALL_NEXT)
    assert await until_eq(lambda: _called_at(mgr, 1), t["number"]) == t["number"]
    assert await until(lambda: rig.win1.text == t["number"]), rig.win1.text
    assert await until(lambda: t["number"] in rig.hall.text), rig.hall.text
    assert await until(lambda: rig.pads.tellers[1].text.strip() == t["number"]), rig.pads.tellers[1].text
    rig.pads.press(1, Key.FINISH)
    assert await until(lambda: rig.pads.evals[1].lamp), "evaluation lamp (unit 101, coil 0) never lit"
    assert (await get(mgr, f"{API}/tickets/{t['id']}"))["status"] == "done"
    rig.pads.rate(1, 4)
    alerts = await until(lambda: _alerts(mgr, "evaluation.unsatisfied"))
    assert alerts, "no evaluation.unsatisfied alert"
    data = alerts[0]["data"]
    assert data["ticket_number"] == t["number"] and data["counter"] == 1 and data["teller"] == "teller1", data
    assert await until(lambda: not rig.pads.evals[1].lamp)
    assert (await get(mgr, f"{API}/tickets/{t['id']}"))["score"] == 4


async def test_keypads_end_to_end(server, rig):
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    teller = server.async_client(server.token("teller", B, "teller1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    async with kiosk, teller, mgr, agent_in_process(server, rig) as agent:
        await keypad_walk(server, rig, kiosk, teller, mgr)
        assert not agent.state.outbox


async def test_refused_press_shows_the_reason_on_the_pad(server, rig):
    """Issue #10 item 2: the pad's text registers (10–13) read why a press was refused:
    call next on a closed counter → CLOSED; nobody waiting (204) → EMPTY; finish with no
    customer → NONE; call next over a called customer → BUSY; on a paused counter → PAUSED."""
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    teller = server.async_client(server.token("teller", B, "teller1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    pad = rig.pads.tellers[1]
    async with kiosk, teller, mgr, agent_in_process(server, rig):
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until(lambda: pad.text == "CLOSED"), pad.text
        assert await _called_at(mgr, 1) is None
        assert (await teller.post(f"{API}/counters/1/open")).status_code == 200
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until(lambda: pad.text == "EMPTY"), pad.text
        rig.pads.press(1, Key.FINISH)
        assert await until(lambda: pad.text == "NONE"), pad.text
        t = (await kiosk.post(f"{API}/tickets", json={"category": "personal"})).json()
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until(lambda: pad.text == t["number"]), pad.text
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until(lambda: pad.text == "BUSY"), pad.text
        assert await until(lambda: pad.text == t["number"], 8), pad.text  # the reason is shown for a while
        assert (await teller.post(f"{API}/counters/1/pause", json={"reason": "break"})).status_code == 200
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until(lambda: pad.text == "PAUSED"), pad.text


async def test_embedded_agent_walk(tmp_path, rig):
    """``LOBBYQ_DEVICES`` on ``lobbyq serve``: the same agent inside the server process."""
    s = _server(tmp_path, env={"LOBBYQ_DEVICES": str(rig.devices_file)})
    s.start()
    try:
        s.put_branch()  # the agent started before the branch existed: it must catch up
        kiosk = s.async_client(s.token("kiosk", B, "kiosk1"))
        teller = s.async_client(s.token("teller", B, "teller1"))
        mgr = s.async_client(s.token("manager", B, "mgr"))
        async with kiosk, teller, mgr:
            # the embedded agent is up once it has baselined the pads and written their text
            assert await until(lambda: rig.pads.requests > 10, 15)
            await asyncio.sleep(0.5)
            t = (await kiosk.post(f"{API}/tickets", json={"category": "personal"})).json()
            assert await asyncio.to_thread(rig.prn.wait_tickets, 1, 8), s.log_tail()
            assert qr_payload(tokenize(rig.prn.tickets[0])) == t["track_url"]
            assert (await teller.post(f"{API}/counters/1/open")).status_code == 200
            rig.pads.press(1, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 1), t["number"], 8) == t["number"], s.log_tail()
            assert await until(lambda: rig.win1.text == t["number"])
            rig.pads.press(1, Key.FINISH)
            assert await until(lambda: rig.pads.evals[1].lamp)
            rig.pads.rate(1, 4)
            assert await until(lambda: _alerts(mgr, "evaluation.unsatisfied"))
            assert await until(lambda: not rig.pads.evals[1].lamp)
        # a clean console: no pymodbus hex dumps, no warning for a server still starting
        log = s.log_path.read_text(errors="replace")
        assert "pymodbus" not in log and ">>>>>" not in log, log[-3000:]
        assert "layout fetch failed" not in log, log[-3000:]
    finally:
        s.stop()


# ------------------------------------------------------------------ restarts


async def _calls(c: httpx.AsyncClient) -> list[tuple[str, int]]:
    evs = (await get(c, f"{API}/events?after=0"))["events"]
    return [(e["data"]["number"], e["data"]["counter"]) for e in evs if e["type"] == "ticket.called"]


async def _status(c: httpx.AsyncClient, ticket: dict) -> str:
    return (await get(c, f"{API}/tickets/{ticket['id']}"))["status"]


async def _bus_ok(c: httpx.AsyncClient) -> bool:
    devs = {d["id"]: d["status"] for d in (await get(c, f"{API}/devices"))["devices"]}
    return devs.get("bus1") == "ok" and devs.get("bus1-teller-1") == "ok"


async def _open_two_counters(server, kiosk, mgr):
    tickets = [(await kiosk.post(f"{API}/tickets", json={"category": "personal"})).json() for _ in range(4)]
    for n in (1, 2):
        async with server.async_client(server.token("teller", B, f"teller{n}")) as t:
            assert (await t.post(f"{API}/counters/{n}/open")).status_code == 200
    return tickets


async def test_agent_killed_mid_run_loses_and_replays_nothing(server, rig, tmp_path):
    """kill -9 of a ``lobbyq agent`` process right after a press, and presses made while it
    is dead: after the restart each press has acted exactly once."""
    token = server.token("agent", B, "agent")
    proc = AgentProcess(server, token, rig.devices_file, tmp_path / "agent.log").start()
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    try:
        async with kiosk, mgr:
            a1, a2, a3, a4 = await _open_two_counters(server, kiosk, mgr)
            assert await until(lambda: _bus_ok(mgr), 15), proc.log()
            rig.pads.press(1, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 1), a1["number"]) == a1["number"], proc.log()

            # killed right after a press: seen or not, posted or not, it acts once
            rig.pads.press(2, Key.CALL_NEXT)
            await asyncio.sleep(0.05)
            proc.kill()
            rig.pads.press(1, Key.FINISH)  # pressed while no agent runs
            await asyncio.sleep(1.0)
            proc.start()
            assert await until_eq(lambda: _status(mgr, a1), "done", 30) == "done", proc.log()[-3000:]
            assert await until_eq(lambda: _called_at(mgr, 2), a2["number"], 10) == a2["number"], proc.log()
            rig.pads.press(1, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 1), a3["number"], 10) == a3["number"], proc.log()

            # once more, killed while idle and started again: nothing replayed
            proc.kill()
            proc.start()
            assert await until(lambda: rig.pads.requests > 0 and _bus_ok(mgr), 10)
            await asyncio.sleep(2.0)  # several poll cycles of the new process
            assert await _calls(mgr) == [(a1["number"], 1), (a2["number"], 2), (a3["number"], 1)]
            assert await _status(mgr, a4) == "waiting"
            # the screens show the final state
            assert await until(lambda: rig.win1.text == a3["number"]), rig.win1.text
            assert await until(lambda: rig.hall.text.startswith(a3["number"])), rig.hall.text
            assert await until(lambda: rig.pads.tellers[1].text.strip() == a3["number"])
            assert await until(lambda: rig.pads.tellers[2].text.strip() == a2["number"])
    finally:
        proc.kill()


async def test_pads_restarted_call_nobody(server, rig):
    """Issue #10 item 1 against the real server: the demo (agent and pads) restarted within
    the state file's 120 s, the pads' counters back at 0 with the last key (call next) and
    the last rating still in their registers: nobody is called, no stale rating is
    posted. The same for a pad restarting under a running agent. The next real press
    acts once."""
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    console = server.async_client(server.token("agent", B, "console"))  # finishes as the console would
    async with kiosk, mgr, console:
        a1, a2, a3, a4 = await _open_two_counters(server, kiosk, mgr)
        async with agent_in_process(server, rig):
            rig.pads.press(1, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 1), a1["number"]) == a1["number"]
            rig.pads.press(2, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 2), a2["number"]) == a2["number"]
            for n in (1, 2):
                assert (await console.post(f"{API}/counters/{n}/finish")).status_code == 200
            rig.pads.rate(1, 2)
            assert await until(lambda: _scored(mgr, a1, 2))
        # the pads' last key is still "call next", no customer at either counter
        rig.pads.power_cycle(1, keep_last=True)
        rig.pads.power_cycle(1, keep_last=True, kind="eval")
        async with agent_in_process(server, rig) as agent:
            await asyncio.sleep(1.5)  # many poll cycles
            rig.pads.power_cycle(2, keep_last=True)  # a pad restarting under the agent
            await asyncio.sleep(1.0)
            assert await _calls(mgr) == [(a1["number"], 1), (a2["number"], 2)]
            assert await _status(mgr, a3) == "waiting"
            assert not agent.state.outbox
            rig.pads.press(1, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 1), a3["number"]) == a3["number"]
            rig.pads.press(2, Key.CALL_NEXT)
            assert await until_eq(lambda: _called_at(mgr, 2), a4["number"]) == a4["number"]
            await asyncio.sleep(0.5)
            assert await _calls(mgr) == [(a1["number"], 1), (a2["number"], 2), (a3["number"], 1), (a4["number"], 2)]
        evs = (await get(mgr, f"{API}/events?after=0"))["events"]
        assert [e["data"].get("score") for e in evs if e["type"] == "ticket.evaluated"] == [2]


async def _scored(c: httpx.AsyncClient, ticket: dict, score: int) -> bool:
    return (await get(c, f"{API}/tickets/{ticket['id']}")).get("score") == score


async def test_server_killed_mid_run(server, rig):
    """kill -9 of ``lobbyq serve`` while a press is made, then a restart on the same
    database and port: the held press acts once, the stream resumes, screens catch up."""
    kiosk = server.async_client(server.token("kiosk", B, "kiosk1"))
    mgr = server.async_client(server.token("manager", B, "mgr"))
    async with kiosk, mgr, agent_in_process(server, rig) as agent:
        a1, a2, a3, _ = await _open_two_counters(server, kiosk, mgr)
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until_eq(lambda: _called_at(mgr, 1), a1["number"]) == a1["number"]
        assert await until(lambda: rig.win1.text == a1["number"])

        await server.akill()
        rig.pads.press(1, Key.FINISH)
        rig.pads.press(2, Key.CALL_NEXT)
        assert await until(lambda: len(agent.state.outbox) >= 1)  # held while the server is away
        # the tellers see their presses are not through (issue #10 item 2)
        assert await until(lambda: rig.pads.tellers[1].text == "ERR" == rig.pads.tellers[2].text), [
            rig.pads.tellers[n].text for n in (1, 2)
        ]
        await asyncio.sleep(1.0)
        await server.astart()

        assert await until_eq(lambda: _status(mgr, a1), "done", 15) == "done"
        assert await until_eq(lambda: _called_at(mgr, 2), a2["number"], 10) == a2["number"]
        assert await until(lambda: rig.pads.evals[1].lamp, 10)  # ticket.done came over the resumed stream
        rig.pads.press(1, Key.CALL_NEXT)
        assert await until_eq(lambda: _called_at(mgr, 1), a3["number"], 10) == a3["number"]
        await asyncio.sleep(1.0)
        assert await _calls(mgr) == [(a1["number"], 1), (a2["number"], 2), (a3["number"], 1)]
        assert not agent.state.outbox
        assert await until(lambda: rig.win1.text == a3["number"]), rig.win1.text
        assert await until(lambda: rig.hall.text.startswith(a3["number"])), rig.hall.text
        assert await until(lambda: rig.pads.tellers[2].text.strip() == a2["number"])
        assert await until(lambda: rig.pads.tellers[1].text.strip() == a3["number"])
