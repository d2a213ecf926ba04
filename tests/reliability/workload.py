"""The reliability suite's random mixed workload: 32 concurrent clients (kiosks, tellers,
managers, customers) against real ``lobbyq serve`` processes, recording every request as
acknowledged (2xx, with its answer), refused (4xx: nothing happened) or unknown (no
answer, or a 5xx: it may or may not have happened). tests/reliability/checks.py holds the
final state and the event log to what was recorded."""

from __future__ import annotations

import asyncio
import copy
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.sample_branch import SAMPLE_BRANCH

BRANCH = "sjm01"
API = f"/api/v1/branches/{BRANCH}"
COUNTERS = 8
LOAD_S = 12.0  # each scenario's load: long enough for a few thousand requests, short for CI
CATEGORIES = ("personal", "corporate", "fx", "wealth")


def layout() -> dict:
    """The sample branch with eight counters that serve every category, so calls race."""
    out = copy.deepcopy(SAMPLE_BRANCH)
    out["counters"] = [{"number": n, "name": f"{n}号窗口", "serves": list(CATEGORIES)} for n in range(1, COUNTERS + 1)]
    return out


@dataclass
class Op:
    """One request of the workload and what became of it."""

    client: str
    kind: str  # issue, call-next, call, recall, start, finish, skip, postpone, transfer, ...
    path: str
    counter: int | None = None
    ticket: str | None = None  # the ticket it names (None for call-next, issue)
    status: int | None = None  # None: no answer
    body: Any = None
    at: float = field(default_factory=time.monotonic)  # when it was sent

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def unknown(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class Record:
    """Everything the clients did, shared by all of them (one event loop, no lock needed)."""

    ops: list[Op] = field(default_factory=list)
    tickets: dict[str, dict] = field(default_factory=dict)  # id -> the issue answer
    postponed: set[str] = field(default_factory=set)
    no_shows: set[str] = field(default_factory=set)

    def acked(self, *kinds: str) -> list[Op]:
        return [o for o in self.ops if o.acknowledged and (not kinds or o.kind in kinds)]

    def unknown(self, *kinds: str) -> list[Op]:
        return [o for o in self.ops if o.unknown and (not kinds or o.kind in kinds)]

    def server_errors(self) -> list[Op]:
        return [o for o in self.ops if o.status is not None and o.status >= 500]


class Client:
    """One simulated device or person: its own HTTP connection and token (none for a
    customer), and the nodes it may use: one that gives no answer, it leaves for the next."""

    def __init__(self, name: str, token: str, urls: list[str], record: Record, index: int = 0):
        self.name = name
        self.token = token
        self.urls = urls
        self.at = index % len(urls)
        self.record = record
        self.http = self._connect()

    def _connect(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.AsyncClient(base_url=self.urls[self.at], headers=headers, timeout=20.0)

    async def post(self, kind: str, path: str, *, counter=None, ticket=None, json=None) -> Op:
        op = Op(self.name, kind, path, counter=counter, ticket=ticket)
        self.record.ops.append(op)
        try:
            r = await self.http.post(path, json=json)
        except httpx.HTTPError:
            await self._fail_over()
            return op
        op.status = r.status_code
        if r.content:
            try:
                op.body = r.json()
            except ValueError:
                op.body = r.text
        if r.status_code >= 500:
            await asyncio.sleep(0.05)
        return op

    async def _fail_over(self) -> None:
        """No answer: a new connection, to the next node when there are several."""
        await self.http.aclose()
        self.at = (self.at + 1) % len(self.urls)
        self.http = self._connect()
        await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        await self.http.aclose()


async def kiosk(c: Client, rng: random.Random, stop: asyncio.Event) -> None:
    while not stop.is_set():
        category = rng.choice(CATEGORIES)
        op = await c.post("issue", f"{API}/tickets", json={"category": category})
        if op.acknowledged:
            c.record.tickets[op.body["id"]] = op.body
        await asyncio.sleep(rng.uniform(0.02, 0.12))


async def teller(c: Client, n: int, rng: random.Random, stop: asyncio.Event) -> None:
    """Two of these share each counter (and its teller's token): their presses interleave."""
    at = f"{API}/counters/{n}"
    current: str | None = None  # the status of the counter's ticket as this client last saw it
    while not stop.is_set():
        roll = rng.random()
        if current is None or current == "done":
            if current == "done" and roll < 0.4:
                await c.post("evaluation", f"{at}/evaluation", counter=n, json={"score": rng.randint(1, 4)})
                current = None
                continue
            if roll < 0.08:
                await c.post("pause", f"{at}/pause", counter=n, json={"reason": "break"})
                await asyncio.sleep(rng.uniform(0.05, 0.2))
                await c.post("resume", f"{at}/resume", counter=n)
                continue
            if roll < 0.16 and c.record.postponed:
                ticket = rng.choice(sorted(c.record.postponed))
                op = await c.post("call", f"{at}/call/{ticket}", counter=n, ticket=ticket)
            else:
                op = await c.post("call-next", f"{at}/call-next", counter=n)
            if op.status == 200:
                current = "called"
                c.record.postponed.discard(op.body["id"])
            elif op.status == 409 and isinstance(op.body, dict) and op.body.get("code") == "customer_at_counter":
                current = "called"
            else:
                await asyncio.sleep(0.1)
        elif current == "called":
            kind, path, body = rng.choices(
                [
                    ("start", "start", None),
                    ("recall", "recall", None),
                    ("skip", "skip", None),
                    ("postpone", "postpone", None),
                    ("transfer", "transfer", {"category": rng.choice(CATEGORIES)}),
                    ("transfer", "transfer", {"counter": rng.choice([m for m in range(1, COUNTERS + 1) if m != n])}),
                ],
                weights=[10, 2, 2, 2, 1, 1],
            )[0]
            op = await c.post(kind, f"{at}/{path}", counter=n, json=body)
            current = _after(kind, op, current)
            if op.acknowledged and kind == "postpone":
                c.record.postponed.add(op.body["id"])
            if op.acknowledged and kind == "skip":
                c.record.no_shows.add(op.body["id"])
        else:  # serving
            if roll < 0.6:
                op = await c.post("finish", f"{at}/finish", counter=n)
                current = _after("finish", op, current)
            elif roll < 0.9:
                op = await c.post("call-next", f"{at}/call-next", counter=n)
                current = "called" if op.status == 200 else None if op.status == 204 else _after("x", op, current)
            else:
                op = await c.post("transfer", f"{at}/transfer", counter=n, json={"category": rng.choice(CATEGORIES)})
                current = _after("transfer", op, current)
        await asyncio.sleep(rng.uniform(0.01, 0.06))


def _after(kind: str, op: Op, current: str | None) -> str | None:
    """What this client believes is at its counter after ``op``."""
    if op.acknowledged:
        return {"start": "serving", "recall": "called", "finish": "done"}.get(kind)
    if op.status == 409 and isinstance(op.body, dict):
        return {"no_customer": None, "customer_at_counter": "called"}.get(op.body.get("code"), None)
    return current


async def manager(c: Client, rng: random.Random, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.1, 0.3))
        if not c.record.tickets:
            continue
        ticket = rng.choice(list(c.record.tickets))
        at = f"{API}/tickets/{ticket}"
        roll = rng.random()
        if roll < 0.3:
            await c.post("cancel", f"{at}/cancel", ticket=ticket)
        elif roll < 0.55:
            await c.post("priority", f"{at}/priority", ticket=ticket, json={"priority": rng.choice(["vip", "normal"])})
        elif roll < 0.8:
            await c.post("reassign", f"{at}/reassign", ticket=ticket, json={"category": rng.choice(CATEGORIES)})
        elif c.record.no_shows:
            ticket = rng.choice(sorted(c.record.no_shows))
            op = await c.post("requeue", f"{API}/tickets/{ticket}/requeue", ticket=ticket, json={"keep_place": True})
            if op.acknowledged:
                c.record.no_shows.discard(ticket)


async def customer(c: Client, rng: random.Random, stop: asyncio.Event) -> None:
    """A customer who gives up and leaves through their tracking page."""
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.3, 0.8))
        if not c.record.tickets:
            continue
        ticket = c.record.tickets[rng.choice(list(c.record.tickets))]
        await c.post("track-cancel", f"/api/v1/track/{ticket['track_token']}/cancel", ticket=ticket["id"])


@dataclass
class Cast:
    """Who takes part: tokens made once, before the load starts."""

    kiosks: list[str]
    tellers: dict[int, str]
    managers: list[str]
    public: int


def make_cast(server, kiosks: int = 10, managers: int = 4, public: int = 2) -> Cast:
    return Cast(
        kiosks=[server.token("kiosk", BRANCH, "kiosk1") for _ in range(kiosks)],
        tellers={n: server.token("teller", BRANCH, f"teller{n}") for n in range(1, COUNTERS + 1)},
        managers=[server.token("manager", BRANCH, f"manager{i}") for i in range(managers)],
        public=public,
    )


async def open_counters(url: str, cast: Cast, record: Record) -> None:
    for n, token in cast.tellers.items():
        c = Client(f"teller{n}", token, [url], record)
        op = await c.post("open", f"{API}/counters/{n}/open", counter=n)
        await c.aclose()
        assert op.acknowledged, (op.status, op.body)


async def run(urls: list[str], cast: Cast, seconds: float, record: Record, *, seed: int = 12, during=None) -> Record:
    """Open the counters, then run 32 clients for ``seconds`` (10 kiosks, 16 tellers on 8
    counters, 4 managers, 2 customers). ``during(record)``, when given, runs beside them
    (the fault a scenario injects); the load stops ``seconds`` after it started."""
    await open_counters(urls[0], cast, record)
    rng = random.Random(seed)
    stop = asyncio.Event()
    clients: list[Client] = []
    tasks = []

    def spawn(name: str, token: str, body, *args) -> None:
        c = Client(name, token, urls, record, index=len(clients))
        clients.append(c)
        tasks.append(asyncio.create_task(body(c, *args, random.Random(rng.random()), stop)))

    for i, token in enumerate(cast.kiosks):
        spawn(f"kiosk{i}", token, kiosk)
    for n, token in cast.tellers.items():
        for side in "ab":
            spawn(f"teller{n}{side}", token, teller, n)
    for i, token in enumerate(cast.managers):
        spawn(f"manager{i}", token, manager)
    for i in range(cast.public):
        spawn(f"customer{i}", "", customer)
    fault = asyncio.create_task(during(record)) if during else None
    started = time.monotonic()
    try:
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        if fault:
            await asyncio.wait_for(fault, max(5.0, seconds - (time.monotonic() - started) + 60))
    finally:
        stop.set()
        for t in [*tasks, *([fault] if fault else [])]:
            t.cancel()
        for c in clients:
            await c.aclose()
    return record
