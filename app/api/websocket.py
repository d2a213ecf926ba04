"""``WS /api/v1/branches/{b}/stream``: snapshot or exact replay, then live (docs/stream.md)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..errors import Forbidden, Unauthorized
from ..events.feeds import NoBranch, TooSlow, pump
from ..services.auth import authenticate

router = APIRouter(tags=["stream"])

CLOSE_BAD_TOKEN = 4401
CLOSE_OTHER_BRANCH = 4403
CLOSE_NO_BRANCH = 4404
CLOSE_TOO_SLOW = 4408


@router.websocket("/api/v1/branches/{b}/stream")
async def stream(websocket: WebSocket, b: str) -> None:
    ctx = websocket.app.state.ctx
    hub = websocket.app.state.hub
    await websocket.accept()
    try:
        who = await authenticate(ctx, websocket.query_params.get("token"))
        who.require(b)
    except Unauthorized as refusal:
        return await websocket.close(CLOSE_BAD_TOKEN, refusal.message)
    except Forbidden as refusal:
        return await websocket.close(CLOSE_OTHER_BRANCH, refusal.message)
    after_text = websocket.query_params.get("after", "")
    if after_text and not after_text.isdigit():
        return await websocket.close(1008, "after must be a non-negative integer")
    try:
        feed = await hub.feed(b)
    except NoBranch as refusal:
        return await websocket.close(CLOSE_NO_BRANCH, str(refusal))
    after = int(after_text) if after_text else None

    sender = asyncio.create_task(pump(hub, feed, websocket.send_text, after))
    receiver = asyncio.create_task(_drain(websocket))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        if sender in done and isinstance(sender.exception(), TooSlow):
            await websocket.close(CLOSE_TOO_SLOW, "too slow: reconnect with after=<last seq>")
    except Exception:
        pass
    finally:
        for task in (sender, receiver):
            task.cancel()
        await asyncio.gather(sender, receiver, return_exceptions=True)


async def _drain(websocket: WebSocket) -> None:
    """Read what the client sends (pongs) so a closed connection is noticed at once."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except WebSocketDisconnect:
        return
