"""Benchmark of the live stream (issue #3): time from the API's answer to receipt at
every websocket client, with 200 and 1,000 clients on one worker, and with 4 workers
fanning out through Redis; the effect of one stalled client; and server memory per idle
connection (5,000 connections, permessage-deflate off).

In the same run the bare stack (bench/bare_stream.py: a FastAPI websocket broadcast
with no database) is measured the same way, and the ratio printed.

    .venv/bin/python -m bench.fanout                   # everything
    .venv/bin/python -m bench.fanout --quick           # 200 clients only

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

from bench.core import ROOT, Server, env_for, free_port, reset, uvicorn_command

PG_URL = os.environ.get("LOBBYQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LOBBYQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
EVENTS = 30


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_of_group(pid: int) -> int:
    """Resident memory (bytes) of a process and its children (uvicorn workers)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().split()
            if int(stat[4]) != os.getpgid(pid):  # same process group
                continue
            total += int((proc / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError, ProcessLookupError):
            continue
    return total


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


async def measure(ws_url: str, send_event, key_of, clients: int, stalled: bool = False) -> dict:
    """Connect ``clients`` screens, fire EVENTS events one by one, time each arrival.

    ``send_event`` returns a key once the API has answered; ``key_of`` finds that key in
    a received message, so arrival is timed against the moment of the answer."""
    received: dict[str, list[float]] = {}
    sockets = []
    for _ in range(clients):
        sockets.append(await websockets.connect(ws_url, compression=None, max_size=2**24, open_timeout=60))
    for ws in sockets:  # the snapshot
        json.loads(await ws.recv())
    stall = None
    if stalled:
        host, port = ws_url.split("//")[1].split("/")[0].split(":")
        reader, stall = await asyncio.open_connection(host, int(port))
        path = "/" + ws_url.split("//")[1].split("/", 1)[1]
        stall.write(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    async def listen(ws) -> None:
        while True:
            message = json.loads(await ws.recv())
            key = key_of(message)
            if key is not None:
                received.setdefault(key, []).append(time.perf_counter())

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    answered: dict[str, float] = {}
    for _ in range(EVENTS):
        key = await send_event()
        answered[key] = time.perf_counter()
        await asyncio.sleep(0.05)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(len(received.get(s, [])) < clients for s in answered):
        await asyncio.sleep(0.05)
    for task in listeners:
        task.cancel()
    for ws in sockets:
        await ws.close()
    if stall:
        stall.close()
    latencies = [t - answered[s] for s, times in received.items() if s in answered for t in times]
    if os.environ.get("BENCH_PER_EVENT"):
        print("per-event max ms:", [round((max(received[k]) - answered[k]) * 1000) for k in answered if k in received])
    missing = clients * len(answered) - len(latencies)
    return {"p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99), "max": max(latencies) * 1000, "missing": missing}


async def lobbyq_run(server: Server, admin: str, clients: int, stalled: bool = False) -> dict:
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}) as c:
        from app.sample_branch import SAMPLE_BRANCH

        # Queue alerts off: the burst of tickets must not add alert events to what is measured.
        layout = {**SAMPLE_BRANCH, "policy": {**SAMPLE_BRANCH["policy"], "alert_queue_length": None}}
        await c.put("/api/v1/branches/sjm01", json=layout)
        display = (await c.post("/api/v1/tokens", json={"role": "display", "branch": "sjm01"})).json()["token"]
        manager = (await c.post("/api/v1/tokens", json={"role": "manager", "branch": "sjm01"})).json()["token"]
        h = {"Authorization": f"Bearer {manager}"}

        async def send_event() -> str:
            r = await c.post("/api/v1/branches/sjm01/tickets", json={"category": "corporate"}, headers=h)
            return r.json()["id"]

        def key_of(message: dict) -> str | None:
            return message["data"]["id"] if message.get("type") == "ticket.issued" else None

        ws_url = server.url.replace("http", "ws") + f"/api/v1/branches/sjm01/stream?token={display}"
        return await measure(ws_url, send_event, key_of, clients, stalled)


async def bare_run(server: Server, clients: int, stalled: bool = False) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as c:

        async def send_event() -> str:
            return str((await c.post("/event")).json()["seq"])

        def key_of(message: dict) -> str | None:
            return str(message["seq"]) if message.get("type") == "ticket.issued" else None

        return await measure(server.url.replace("http", "ws") + "/ws", send_event, key_of, clients, stalled)


async def idle_memory(server: Server, admin: str, connections: int) -> float:
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}) as c:
        display = (await c.post("/api/v1/tokens", json={"role": "display", "branch": "sjm01"})).json()["token"]
    url = server.url.replace("http", "ws") + f"/api/v1/branches/sjm01/stream?token={display}"
    before = rss_of_group(server.proc.pid)
    sockets = []
    for _ in range(connections):
        sockets.append(await websockets.connect(url, compression=None, open_timeout=60))
        await sockets[-1].recv()
    await asyncio.sleep(1)
    after = rss_of_group(server.proc.pid)
    for ws in sockets:
        await ws.close()
    return (after - before) / connections


def start_lobbyq(url: str, workers: int, redis: str | None) -> tuple[Server, str]:
    env = env_for(url)
    if redis:
        env["LOBBYQ_REDIS_URL"] = redis
    lobbyq = str(Path(sys.executable).with_name("lobbyq"))
    subprocess.run([lobbyq, "db", "upgrade"], env=env, check=True, capture_output=True)
    admin = (
        subprocess.run(
            [lobbyq, "token", "create", "--role", "admin"], env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    return Server([lobbyq, "serve", "--port", str(port), "--workers", str(workers)], env, port), admin


def start_bare(workers: int) -> Server:
    port = free_port()
    command = uvicorn_command("bench.bare_stream:create", port, workers, "--ws-per-message-deflate", "false")
    return Server(command, {**os.environ, "PYTHONPATH": str(ROOT)}, port)


def row(name: str, ours: dict, bare: dict) -> None:
    ratio = bare["p99"] / ours["p99"] if ours["p99"] else float("nan")
    print(
        f"{name:34} {ours['p50']:7.1f} {ours['p99']:7.1f} {ours['max']:7.1f} {ours['missing']:5d} | "
        f"{bare['p50']:7.1f} {bare['p99']:7.1f} | {ratio:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--clients", type=int, nargs="*", help="client counts to try (default 200 1000)")
    args = parser.parse_args()
    raise_fd_limit()
    sizes = args.clients or ([200] if args.quick else [200, 1000])
    print(
        f"{'clients':34} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} | "
        f"{'bare50':>7} {'bare99':>7} | bare99/p99"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/fanout.db"
        server, admin = start_lobbyq(url, 1, None)
        bare = start_bare(1)
        try:
            for n in sizes:
                row(
                    f"{n} clients, 1 worker (SQLite)",
                    asyncio.run(lobbyq_run(server, admin, n)),
                    asyncio.run(bare_run(bare, n)),
                )
            row(
                f"{sizes[0]} clients + 1 stalled, 1 worker",
                asyncio.run(lobbyq_run(server, admin, sizes[0], stalled=True)),
                asyncio.run(bare_run(bare, sizes[0], stalled=True)),
            )
            if not args.quick:
                per = asyncio.run(idle_memory(server, admin, args.idle))
                print(
                    f"\nidle connections: {args.idle}, server memory per connection: {per / 1024:.1f} KiB "
                    f"({per * args.idle / 2**20:.0f} MiB in all)"
                )
        finally:
            server.stop()
            bare.stop()
    if not args.quick:
        reset(PG_URL, ROOT)
        server, admin = start_lobbyq(PG_URL, 4, REDIS_URL)
        bare = start_bare(1)  # a bare broadcast reaches only its own worker's clients: one worker
        try:
            print()
            for n in sizes:
                row(
                    f"{n} clients, 4 workers + Redis (PG)",
                    asyncio.run(lobbyq_run(server, admin, n)),
                    asyncio.run(bare_run(bare, n)),
                )
        finally:
            server.stop()
            bare.stop()


if __name__ == "__main__":
    main()
