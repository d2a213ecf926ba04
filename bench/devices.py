"""Device benchmarks (prints figures, never asserts timing).

1. Key press → API action latency with 16 teller pads on one Modbus RTU bus at 19200
   baud. The bus is pymodbus's own server behind a relay that paces bytes at the line
   rate; the agent is the real ``drivers.agent.Agent``; the API side is a minimal FastAPI
   endpoint recording the arrival time. In the same run: the bare HTTP round trip to the
   same endpoint, for the ratio.
2. Bytes and line time of a typical ticket at 9600 and 19200 baud.

    .venv/bin/python bench/devices.py [--presses 120]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request, WebSocket  # noqa: E402

from drivers.agent import Agent  # noqa: E402
from drivers.config import parse  # noqa: E402
from drivers.protocol.escpos_ticket import TicketInfo, build_ticket  # noqa: E402
from drivers.protocol.keypad_map import Key  # noqa: E402
from drivers.simulators.keypads import KeypadBusSim  # noqa: E402

PADS = 16
BAUD = 19200


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def minimal_api(arrivals: dict[int, list[float]]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/branches/{b}")
    async def layout(b: str):
        return {"code": b, "name": "bench", "locale": "en", "categories": [], "counters": [], "policy": {}}

    @app.get("/api/v1/branches/{b}/state")
    async def state(b: str):
        return {"seq": 0, "counters": []}

    @app.post("/api/v1/branches/{b}/counters/{n}/{action}")
    async def act(b: str, n: int, action: str, request: Request):
        arrivals.setdefault(n, []).append(time.monotonic())
        return {}

    @app.post("/api/v1/branches/{b}/devices/{d}/health")
    async def health(b: str, d: str):
        return {}

    @app.websocket("/api/v1/branches/{b}/stream")
    async def stream(ws: WebSocket, b: str):
        await ws.accept()
        await ws.send_json({"type": "snapshot", "seq": 0, "state": {"counters": []}})
        while True:
            await asyncio.sleep(5)
            await ws.send_json({"type": "ping"})

    return app


def serve(app) -> tuple[str, uvicorn.Server]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


async def keypad_latency(presses: int) -> None:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    arrivals: dict[int, list[float]] = {}
    url, server = serve(minimal_api(arrivals))
    tmp = tempfile.mkdtemp(prefix="lq-bench-")
    sim = KeypadBusSim(os.path.join(tmp, "bus"), list(range(1, PADS + 1)), [], baudrate=BAUD).start()
    conf = parse(
        f'branch = "bench"\n[[keypad_bus]]\nid = "bus1"\nprotocol = "modbus"\nurl = "{sim.url}"\n'
        f"baudrate = {BAUD}\nteller_pads = {list(range(1, PADS + 1))}\n"
    )
    stop = asyncio.Event()
    agent = Agent(url, "t", conf, state_path=os.path.join(tmp, "state.json"))
    task = asyncio.create_task(agent.run(stop))
    bus = agent.modbus[0]
    while bus.polls < 3:
        await asyncio.sleep(0.05)
    t0, p0 = time.monotonic(), bus.polls
    await asyncio.sleep(2.0)
    cycle = (time.monotonic() - t0) / max(1, bus.polls - p0)

    lat: list[float] = []
    rnd = random.Random(4)
    for _ in range(presses):
        n = rnd.randint(1, PADS)
        before = len(arrivals.get(n, []))
        t = time.monotonic()
        sim.press(n, Key.RECALL)
        while len(arrivals.get(n, [])) == before:
            await asyncio.sleep(0.002)
            if time.monotonic() - t > 5:
                break
        lat.append(arrivals[n][-1] - t)
        await asyncio.sleep(rnd.uniform(0.0, 0.1))
    lost = presses - sum(len(v) for v in arrivals.values())

    async with httpx.AsyncClient(base_url=url) as c:
        rt = []
        for _ in range(100):
            t = time.monotonic()
            await c.post("/api/v1/branches/bench/counters/1/recall")
            rt.append(time.monotonic() - t)
    stop.set()
    await asyncio.wait_for(task, 5)
    sim.stop()
    server.should_exit = True

    ms = lambda x: f"{x * 1000:.1f} ms"  # noqa: E731
    print(f"keypads: {PADS} teller pads, Modbus RTU {BAUD} baud (paced), {presses} presses, lost {lost}")
    print(f"  poll cycle over the whole bus: {ms(cycle)}")
    print(f"  press → API action  p50 {ms(statistics.median(lat))}  p99 {ms(pct(lat, 99))}  max {ms(max(lat))}")
    print(f"  bare HTTP round trip p50 {ms(statistics.median(rt))}  p99 {ms(pct(rt, 99))}")
    print(f"  ratio press→action / bare round trip (p50): {statistics.median(lat) / statistics.median(rt):.0f}x")


def ticket_bytes() -> None:
    t = TicketInfo(
        "上海南京路支行",
        "个人业务",
        "A012",
        12,
        1260,
        "2026-11-22T09:31:05+08:00",
        "https://lobbyq.example.com/t/Zq3xYp9KfA2mQ7rT",
    )
    data = build_ticket(t)
    en = build_ticket(
        TicketInfo(
            "Nanjing Road Branch",
            "Personal banking",
            "A012",
            12,
            1260,
            "2026-11-22T09:31:05+08:00",
            "https://lobbyq.example.com/t/Zq3xYp9KfA2mQ7rT",
            locale="en",
        )
    )
    print(
        f"ticket (zh-CN, native QR of a {len(t.track_url)}-char URL): {len(data)} bytes; "
        f"line time {len(data) * 10 / 9600 * 1000:.0f} ms at 9600, {len(data) * 10 / 19200 * 1000:.0f} ms at 19200"
    )
    print(
        f"ticket (en): {len(en)} bytes; line time {len(en) * 10 / 9600 * 1000:.0f} ms at 9600, "
        f"{len(en) * 10 / 19200 * 1000:.0f} ms at 19200"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presses", type=int, default=120)
    a = ap.parse_args()
    ticket_bytes()
    asyncio.run(keypad_latency(a.presses))


if __name__ == "__main__":
    main()
