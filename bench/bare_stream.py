"""The bare stack under the stream, for bench/fanout.py: a FastAPI websocket endpoint
and a POST that hands one message to every connected client through a per-client queue.
No auth, no database, no replay: what lobbyq's stream costs is measured against this."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import FastAPI, WebSocket, WebSocketDisconnect


def create() -> FastAPI:
    app = FastAPI()
    clients: set[asyncio.Queue] = set()
    seq = 0

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)
        clients.add(queue)
        await websocket.send_text(json.dumps({"type": "snapshot", "seq": seq}))

        async def drain():
            try:
                while True:
                    await websocket.receive_text()
            except WebSocketDisconnect:
                pass

        reader = asyncio.create_task(drain())
        try:
            while not reader.done():
                text = await queue.get()
                await websocket.send_text(text)
        except Exception:
            pass
        finally:
            clients.discard(queue)
            reader.cancel()

    @app.post("/event")
    async def event() -> dict:
        nonlocal seq
        seq += 1
        # As large as lobbyq's ticket.issued envelope (~600 bytes), so clients decode as much.
        text = json.dumps(
            {
                "seq": seq,
                "type": "ticket.issued",
                "at": time.time(),
                "data": {"number": f"A{seq:03d}", "padding": "x" * 520},
            }
        )
        for queue in list(clients):
            try:
                queue.put_nowait(text)
            except asyncio.QueueFull:
                clients.discard(queue)
        return {"seq": seq}

    return app
