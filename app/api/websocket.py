"""``WS /api/v1/branches/{b}/stream``: snapshot or exact replay, then live (docs/stream.md)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..errors import Forbidden, Unauthorized
from ..events.feeds import NoBranch, TooSlow, pump
from ..services.auth import authenticate, forget_tokens
from ..services.context import Context

router = APIRouter(tags=["stream"])

CLOSE_BAD_TOKEN = 4401
CLOSE_OTHER_BRANCH = 4403
CLOSE_NO_BRANCH = 4404
CLOSE_TOO_SLOW = 4408


# A page offers these two subprotocols to keep its token out of the URL (and so out of
# proxies' logs): ``lobbyq.v1``, which the server picks, and ``bearer.<token>``, never echoed.
PROTOCOL = "lobbyq.v1"
BEARER = "bearer."


def _token(websocket: WebSocket) -> tuple[str, str | None]:
    """The stream's token, from the offered subprotocols or else ``?token=``, and the
    subprotocol to answer with."""
    offered = websocket.scope.get("subprotocols") or []
    in_header = next((p.removeprefix(BEARER) for p in offered if p.startswith(BEARER)), None)
    token = in_header if in_header is not None else websocket.query_params.get("token", "")
    return token, PROTOCOL if PROTOCOL in offered else None


@router.websocket("/api/v1/branches/{b}/stream")
async def stream(websocket: WebSocket, b: str) -> None:
    ctx = websocket.app.state.ctx
    hub = websocket.app.state.hub
    token, protocol = _token(websocket)
    await websocket.accept(subprotocol=protocol)
    try:
        who = await authenticate(ctx, token or None)
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
    sockets: OpenSockets = websocket.app.state.sockets
    sockets.add(websocket, token)
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        if sender in done and isinstance(sender.exception(), TooSlow):
            await websocket.close(CLOSE_TOO_SLOW, "too slow: reconnect with after=<last seq>")
    except Exception:
        pass
    finally:
        sockets.discard(websocket)
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


class OpenSockets:
    """The open streams and their tokens: a revoked or expired token closes its own streams
    at once on a revocation's wake-up, and within ``LOBBYQ_TOKEN_RECHECK_S`` otherwise."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._open: dict[WebSocket, str] = {}
        self._checking: set[asyncio.Task[None]] = set()

    def add(self, websocket: WebSocket, token: str) -> None:
        self._open[websocket] = token

    def discard(self, websocket: WebSocket) -> None:
        self._open.pop(websocket, None)

    def tokens_changed(self, _key: str, _seq: int) -> None:
        """The bus says a token changed somewhere: forget what this worker knew, check again."""
        forget_tokens(self.ctx)
        task = asyncio.ensure_future(self.recheck())
        self._checking.add(task)
        task.add_done_callback(self._checking.discard)

    async def recheck(self) -> None:
        for websocket, token in list(self._open.items()):
            try:
                await authenticate(self.ctx, token)
            except Unauthorized as refusal:
                self.discard(websocket)
                try:
                    await websocket.close(CLOSE_BAD_TOKEN, refusal.message)
                except Exception:  # the connection went meanwhile
                    pass

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.ctx.settings.token_recheck_s)
            except TimeoutError:
                await self.recheck()
