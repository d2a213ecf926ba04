"""A tiny stand-in for the lobbyq server (the contract of docs/api.md and docs/stream.md only), recording requests.

Runs uvicorn in a background thread on a free port; ``restart()`` really closes the
socket so the agent sees connection errors, as with a server restart.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI, Request, Response, WebSocket, WebSocketDisconnect


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat()


class FakeLobbyq:
    def __init__(self, branch="sjm01", counters=(1, 2), token="agent-token"):
        self.branch, self.token = branch, token
        self.requests: list[tuple[str, str, dict | None, float]] = []
        self.events: list[dict] = []
        self.tickets: dict[str, dict] = {}
        self.counters = {
            n: {
                "number": n,
                "name": f"{n}号窗口",
                "serves": ["P"],
                "state": "open",
                "pause_reason": None,
                "teller": "t",
                "waiting": 0,
                "current": None,
            }
            for n in counters
        }
        self.waiting: list[str] = []
        self.seq_n = 0
        self.port = _free_port()
        self._subs: list[asyncio.Queue] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.app = self._build()

    # ---------------------------------------------------------------- domain
    def layout(self):
        return {
            "code": self.branch,
            "name": "上海南京路支行",
            "timezone": "Asia/Shanghai",
            "locale": "zh-CN",
            "categories": [{"code": "P", "name": "个人业务", "prefix": "A"}],
            "counters": [{"number": n, "name": c["name"], "serves": c["serves"]} for n, c in self.counters.items()],
            "policy": {"evaluation_window_s": 2},
        }

    def state(self):
        return {
            "seq": self.seq_n,
            "branch": self.branch,
            "name": "上海南京路支行",
            "date": "2026-11-22",
            "categories": [{"code": "P", "name": "个人业务", "prefix": "A", "waiting": len(self.waiting)}],
            "counters": list(self.counters.values()),
            "waiting": [self.tickets[t] for t in self.waiting],
            "recent_calls": [],
        }

    def emit(self, type_: str, data: dict) -> dict:
        with self._lock:
            self.seq_n += 1
            ev = {"seq": self.seq_n, "type": type_, "at": _now(), "branch": self.branch, "data": data}
            self.events.append(ev)
        if self._loop:
            for q in list(self._subs):
                self._loop.call_soon_threadsafe(q.put_nowait, ev)
        return ev

    def issue(self, kiosk="kiosk1") -> dict:
        n = len(self.tickets) + 1
        tid = f"t{n:04d}"
        t = {
            "id": tid,
            "number": f"A{n:03d}",
            "category": "P",
            "priority": "normal",
            "status": "waiting",
            "issued_at": "2026-11-22T09:31:05+08:00",
            "queued_at": "2026-11-22T09:31:05+08:00",
            "counter": None,
            "kiosk": kiosk,
            "ahead": len(self.waiting),
            "estimated_wait_s": 300 * len(self.waiting),
            "wait_minutes": 5 * len(self.waiting),
        }
        self.tickets[tid] = t
        self.waiting.append(tid)
        for c in self.counters.values():
            c["waiting"] = len(self.waiting)
        self.emit("ticket.issued", dict(t))
        return t

    def _counter_action(self, n: int, action: str, body: dict | None):
        c = self.counters[n]
        cur = c["current"]
        if action == "call-next":
            if not self.waiting:
                return 204, None
            t = self.tickets[self.waiting.pop(0)]
            t.update(status="called", counter=n)
            c["current"] = t
            for cc in self.counters.values():
                cc["waiting"] = len(self.waiting)
            self.emit("ticket.called", dict(t))
            return 200, t
        if action == "evaluation":
            self.emit("ticket.evaluated", {"id": "x", "counter": n, "score": body["score"]})
            return 200, {}
        if action in ("pause", "resume"):
            c["state"] = "paused" if action == "pause" else "open"
            c["pause_reason"] = (body or {}).get("reason")
            self.emit(f"counter.{action}d", {k: v for k, v in c.items()})
            return 200, c
        if cur is None:
            return 409, {"message": f"counter {n} has no customer to {action}", "code": "no_customer"}
        if action == "recall":
            self.emit("ticket.recalled", dict(cur))
        elif action == "start":
            cur["status"] = "serving"
            self.emit("ticket.serving", dict(cur))
        elif action == "finish":
            cur["status"] = "done"
            c["current"] = None
            self.emit("ticket.done", dict(cur))
        elif action == "skip":
            cur["status"] = "no_show"
            c["current"] = None
            self.emit("ticket.no_show", dict(cur))
        return 200, cur

    # ---------------------------------------------------------------- http
    def _build(self) -> FastAPI:
        app = FastAPI()
        b = "/api/v1/branches/{branch}"

        def rec(request: Request, body):
            self.requests.append((request.method, request.url.path, body, time.monotonic()))

        def auth(request: Request) -> bool:
            return request.headers.get("authorization") == f"Bearer {self.token}"

        @app.get(b)
        async def layout(branch: str, request: Request):
            rec(request, None)
            return self.layout()

        @app.get(b + "/state")
        async def state(branch: str, request: Request):
            rec(request, None)
            return self.state()

        @app.get(b + "/tickets/{tid}")
        async def ticket(branch: str, tid: str, request: Request):
            rec(request, None)
            t = self.tickets.get(tid)
            if t is None:
                return Response(status_code=404)
            return {**t, "track_token": f"tok{tid}", "track_url": f"https://q.example/t/tok{tid}"}

        @app.post(b + "/counters/{n}/{action}")
        async def counter(branch: str, n: int, action: str, request: Request):
            body = await request.json() if await request.body() else None
            rec(request, body)
            if not auth(request):
                return Response(status_code=401)
            status, out = self._counter_action(n, action, body)
            if status == 204:
                return Response(status_code=204)
            from fastapi.responses import JSONResponse

            return JSONResponse(out, status_code=status)

        @app.post(b + "/devices/{dev}/health")
        async def health(branch: str, dev: str, request: Request):
            rec(request, await request.json())
            return {"ok": True}

        @app.post(b + "/tickets/{tid}/print")
        async def printed(branch: str, tid: str, request: Request):
            rec(request, await request.json())
            return {"ok": True}

        @app.websocket(b + "/stream")
        async def stream(ws: WebSocket, branch: str):
            if ws.query_params.get("token") != self.token:
                await ws.close(code=4401)
                return
            await ws.accept()
            q: asyncio.Queue = asyncio.Queue()
            self._subs.append(q)
            try:
                after = ws.query_params.get("after")
                if after is None or int(after) < (self.events[0]["seq"] - 1 if self.events else 0):
                    await ws.send_json({"type": "snapshot", "seq": self.seq_n, "state": self.state()})
                    last = self.seq_n
                else:
                    last = int(after)
                    for ev in list(self.events):
                        if ev["seq"] > last:
                            await ws.send_json(ev)
                            last = ev["seq"]
                while True:
                    try:
                        ev = await asyncio.wait_for(q.get(), 1.0)
                    except TimeoutError:
                        await ws.send_json({"type": "ping"})
                        continue
                    if ev["seq"] > last:
                        await ws.send_json(ev)
                        last = ev["seq"]
            except (WebSocketDisconnect, RuntimeError):
                pass
            finally:
                if q in self._subs:
                    self._subs.remove(q)

        return app

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeLobbyq:
        cfg = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(cfg)

        def run():
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self._server.serve())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(5)
        self._loop = None
        self._subs.clear()

    def posts(self, suffix: str) -> list[tuple]:
        return [r for r in self.requests if r[0] == "POST" and r[1].endswith(suffix)]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
