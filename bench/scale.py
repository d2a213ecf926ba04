"""Capacity of one central lobbyq on PostgreSQL and Redis (issue #12 item 3).

    .venv/bin/python -m bench.scale                       # every part
    .venv/bin/python -m bench.scale --part saturation --seconds 10
    .venv/bin/python -m bench.scale --part flat
    .venv/bin/python -m bench.scale --part peak --minutes 1

- saturation: 16 kiosks issuing, on 16 branches and on one, against ``lobbyq serve`` with
  4 workers driven by wrk; in the same run PostgreSQL alone (pgbench ``-M prepared``, 16
  clients) running lobbyq's own issue transaction captured from the server's log
  (bench/captured.py), and the ratio.
- flat: issue and call-next with 10 and with 10,000 tickets waiting, SQLite and PostgreSQL.
- peak: a bank's peak hour, 500 branches, 2,000 screens, an open-loop mixed load.

Every run works in a database of its own (``lobbyq_scale_<pid>``), dropped at the end.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bench import captured, wrk
from bench.core import CATEGORIES, Server, drive, env_for, free_port, layout
from bench.wrk import Client, Figures

PG_SERVER = os.environ.get("LOBBYQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LOBBYQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
LOBBYQ = str(Path(sys.executable).with_name("lobbyq"))
KIOSKS = 16
API = "/api/v1/branches"


def private_database(tag: str):
    return captured.private_database(PG_SERVER, tag)


def prepared(url: str, redis: str | None = REDIS_URL) -> tuple[dict, str]:
    """The database migrated, an admin token: (environment, admin token)."""
    env = env_for(url)
    if redis:
        env["LOBBYQ_REDIS_URL"] = redis
    subprocess.run([LOBBYQ, "db", "upgrade"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [LOBBYQ, "token", "create", "--role", "admin"], env=env, check=True, capture_output=True, text=True
    )
    return env, made.stdout.strip().splitlines()[-1]


def serve(env: dict, workers: int) -> Server:
    port = free_port()
    return Server([LOBBYQ, "serve", "--port", str(port), "--workers", str(workers)], env, port)


def branch_layout(code: str, counters: int = KIOSKS) -> dict:
    data = layout()
    data["code"] = code
    data["counters"] = data["counters"][:counters]
    return data


def lay_out(base: str, admin: str, codes: list[str], counters: int = KIOSKS) -> dict[str, str]:
    """The branches laid out; a kiosk token each."""
    kiosks = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as c:
        for code in codes:
            c.put(f"{API}/{code}", json=branch_layout(code, counters)).raise_for_status()
            made = c.post("/api/v1/tokens", json={"role": "kiosk", "branch": code, "name": "k1"})
            kiosks[code] = made.raise_for_status().json()["token"]
    return kiosks


def issue_one(base: str, kiosk: str, code: str, category: str) -> captured.Issued:
    r = httpx.post(
        f"{base}{API}/{code}/tickets",
        json={"category": category},
        headers={"Authorization": f"Bearer {kiosk}"},
        timeout=30,
    )
    r.raise_for_status()
    body = r.json()
    return captured.Issued(code, body["id"], body["number"], body["track_token"])


# -- CPU ---------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(match) -> float:
    """CPU seconds (user + system) of the processes ``match(pid, stat fields, cmdline)`` picks."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if match(int(entry.name), fields, cmdline):
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def cpu_now(server: Server, database: str) -> tuple[float, float]:
    """(lobbyq's processes, the PostgreSQL backends of ``database``) CPU seconds so far."""
    group = server.proc.pid
    ours = _cpu_of(lambda pid, f, cmd: int(f[2]) == group)
    theirs = _cpu_of(lambda pid, f, cmd: cmd.startswith("postgres: ") and f" {database} " in cmd)
    return ours, theirs


# -- (a) saturation -------------------------------------------------------------------------


def issue_clients(kiosks: dict[str, str], one_branch: str | None) -> list[Client]:
    """16 kiosks: one a branch, or all on ``one_branch``; kiosk i issues category i % 4."""
    codes = list(kiosks)
    clients = []
    for i in range(KIOSKS):
        code = one_branch or codes[i % len(codes)]
        body = json.dumps({"category": CATEGORIES[i % 4]})
        clients.append(Client("issue", f"{API}/{code}", kiosks[code], body))
    return clients


def issue_scripts(url: str, env: dict, kiosk: str, code: str = "b1") -> tuple[list[str], captured.Transaction]:
    """pgbench scripts of lobbyq's own issue transaction, one a category, captured from
    the server's log while a one-worker server issues on branch ``code``: log_statement
    reaches the sessions opened after it is set, and it is reset before this returns."""
    database = make_url(url).database or ""
    captured.psql(url, f"ALTER DATABASE {database} SET log_statement = 'all'")
    try:
        server = serve(env, 1)
        try:
            for category in CATEGORIES * 3:  # warm the worker's caches and statements
                issue_one(server.url, kiosk, code, category)
            transactions = [
                captured.capture(url, lambda c=category: issue_one(server.url, kiosk, code, c))
                for category in CATEGORIES
            ]
        finally:
            server.stop()
    finally:
        captured.psql(url, f"ALTER DATABASE {database} RESET log_statement")
    return [captured.script(tx, issued) for tx, issued in transactions], transactions[0][0]


def saturation(seconds: float, workers: int) -> None:
    codes = [f"b{n}" for n in range(1, KIOSKS + 1)]
    with private_database("sat") as url:
        database = make_url(url).database or ""
        env, admin = prepared(url)
        server = serve(env, 1)
        try:
            kiosks = lay_out(server.url, admin, codes)
        finally:
            server.stop()
        scripts, tx = issue_scripts(url, env, kiosks["b1"])

        results: dict[str, tuple[Figures, float | None, tuple[float, float]]] = {}
        server = serve(env, workers)
        try:
            for name, one in (("16 branches", None), ("1 branch", "b1")):
                before = cpu_now(server, database)
                figures = drive(f"issue, {name}", server.url, issue_clients(kiosks, one), seconds)
                after = cpu_now(server, database)
                cpu = (after[0] - before[0], after[1] - before[1])
                alone = captured.pgbench(url, scripts, KIOSKS, seconds, 1 if one else len(codes))
                results[name] = (figures, alone, cpu)
        finally:
            server.stop()

    print(f"\n== (a) saturation: issue, {KIOSKS} kiosks, lobbyq serve {workers} workers, PostgreSQL + Redis ==")
    print(f"load: {'wrk' if wrk.available() else 'the Python client'}, {seconds:.0f} s a run; CPUs: {os.cpu_count()}")
    print(
        f"the issue transaction captured from the server ({len(tx.statements)} statements with BEGIN and COMMIT; "
        f"{tx.outside} statements of other connections during the request):"
    )
    for sql in tx.statements:
        print("   ", " ".join(sql.split())[:150])
    print(
        f"{'':12} {'lobbyq/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/issue':>13} {'PG ms/issue':>12} | "
        f"{'PG alone tps':>12} | {'ratio':>5}  statuses"
    )
    for name, (f, alone, cpu) in results.items():
        ratio = f"{f.rate / alone:5.2f}" if alone else "  -  "
        print(
            f"{name:12} {f.rate:9.0f} {f.p50:7.1f} {f.p99:7.1f} {cpu[0] * 1000 / max(1, f.requests):13.2f} "
            f"{cpu[1] * 1000 / max(1, f.requests):12.2f} | {alone or float('nan'):12.0f} | {ratio}  "
            f"{dict(sorted(f.statuses.items()))}" + (f" {f.errors} socket errors" if f.errors else "")
        )
    print(
        "PG alone: pgbench -M prepared, 16 clients, the captured transaction of each category (equal weights), "
        "each client on one branch as the kiosks are; run right after lobbyq on the same tables."
    )
    print("CPU ms/issue: the lobbyq processes' CPU (user+system) and its database's backends', over the lobbyq run.")


# -- (b) flat ------------------------------------------------------------------------------

FLAT_ROUNDS = int(os.environ.get("BENCH_FLAT_ROUNDS", "300"))


async def _fill(ctx, code: str, waiting: int) -> None:
    """``waiting`` personal tickets queued before any the bench issues, written straight
    into the store (issuing them one by one would take minutes)."""
    from app.rules.business_day import day_of
    from app.rules.tickets import Ticket
    from app.rules.vocabulary import Priority, TicketStatus
    from app.store import tickets
    from app.store.database import transaction

    now = ctx.clock()
    async with transaction(ctx.db) as tx:
        stored = await _branch_row(tx, code)
        day = day_of(now, stored.layout.zone)
        for i in range(waiting):
            at = now - 3600 + i * 0.01
            ticket = Ticket(
                id=uuid.uuid4().hex,
                branch=code,
                day=day,
                number=f"Z{i:05d}",
                category="personal",
                priority=Priority.NORMAL,
                status=TicketStatus.WAITING,
                issued_at=at,
                queued_at=at,
                issue_seq=-waiting + i,
            )
            await tickets.add(tx, ticket, uuid.uuid4().hex)


async def _branch_row(tx, code: str):
    from app.store import branches

    return await branches.read(tx, code)


async def flat_costs(url: str, sizes: tuple[int, ...] = (10, 10_000)) -> dict[tuple[int, str], list[float]]:
    """Issue and call-next one at a time, in-process (over ASGI, no sockets), on one
    branch per queue size, the branches taking turns so that the machine's other load
    falls on each alike. Each issue adds a ticket to the queue and each call-next takes the
    oldest, so a queue stays at its size. Milliseconds of each request, by (size, op)."""
    from app.main import create_app
    from app.services import auth
    from app.settings import Settings

    settings = Settings(
        database_url=url,
        kiosk_rate_per_minute=10**9,
        redis_url=REDIS_URL if url.startswith("postgresql") else None,
        sqlite_durable=False,
    )
    app = create_app(settings, migrate_on_start=True)
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        admin = await auth.create_token(ctx, "admin", None, "admin")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x", timeout=60) as c:
            h = {"Authorization": f"Bearer {admin}"}
            plans = []
            for size in sizes:
                code = f"q{size}"
                (await c.put(f"{API}/{code}", json=branch_layout(code, 4), headers=h)).raise_for_status()

                async def token(role: str, code: str = code) -> dict[str, str]:
                    made = await c.post("/api/v1/tokens", json={"role": role, "branch": code, "name": role}, headers=h)
                    return {"Authorization": f"Bearer {made.raise_for_status().json()['token']}"}

                kiosk, teller = await token("kiosk"), await token("teller")
                counter = f"{API}/{code}/counters/4"  # serves personal first
                (await c.post(f"{counter}/open", headers=teller)).raise_for_status()
                await _fill(ctx, code, size)
                plans.append((size, code, kiosk, teller, counter))
            if url.startswith("postgresql"):  # the statistics autovacuum would have gathered by now
                captured.psql(url, "ANALYZE")
            times: dict[tuple[int, str], list[float]] = {
                (size, op): [] for size in sizes for op in ("issue", "call-next")
            }
            for n in range(FLAT_ROUNDS + 20):
                for size, code, kiosk, teller, counter in plans:
                    started = time.perf_counter()
                    r = await c.post(f"{API}/{code}/tickets", json={"category": "personal"}, headers=kiosk)
                    issued = time.perf_counter()
                    r.raise_for_status()
                    r = await c.post(f"{counter}/call-next", headers=teller)
                    called = time.perf_counter()
                    r.raise_for_status()
                    (await c.post(f"{counter}/finish", headers=teller)).raise_for_status()
                    if n >= 20:  # the first ones warm the caches
                        times[size, "issue"].append((issued - started) * 1000)
                        times[size, "call-next"].append((called - issued) * 1000)
    return times


def flat() -> None:
    results = {}
    for kind in ("sqlite", "postgres"):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(prefix="lobbyq-scale-") as workdir:
                results[kind] = asyncio.run(flat_costs(f"sqlite+aiosqlite:///{workdir}/flat.db"))
        else:
            with private_database("flat") as url:
                results[kind] = asyncio.run(flat_costs(url))
    print(f"\n== (b) flat: one request at a time, in-process over ASGI, {FLAT_ROUNDS} rounds on each queue ==")
    print(f"{'database':9} {'waiting':>7} {'issue p50':>10} {'p90 ms':>7} {'call-next p50':>14} {'p90 ms':>7}")
    for kind, times in results.items():
        sizes = sorted({size for size, _ in times})
        for size in sizes:
            p50 = {op: statistics.median(times[size, op]) for op in ("issue", "call-next")}
            p90 = {op: statistics.quantiles(times[size, op], n=10)[-1] for op in ("issue", "call-next")}
            ratios = "  ".join(f"{op} ×{p50[op] / statistics.median(times[sizes[0], op]):.2f}" for op in p50)
            print(
                f"{kind:9} {size:7} {p50['issue']:10.2f} {p90['issue']:7.2f} {p50['call-next']:14.2f} "
                f"{p90['call-next']:7.2f}   {ratios if size != sizes[0] else ''}"
            )
    print("The two queues' branches take turns in one server. SQLite with sqlite_durable off (no fsync: the")
    print("statements' cost, not the disk's); PostgreSQL with Redis.")


# -- (c) peak hour ------------------------------------------------------------------------

PEAK_BRANCHES = int(os.environ.get("BENCH_PEAK_BRANCHES", "500"))
PEAK_SCREENS = int(os.environ.get("BENCH_PEAK_SCREENS", "2000"))
PEAK_RATE = float(os.environ.get("BENCH_PEAK_RATE", "100"))  # operations a second, open loop
PEAK_COUNTERS = 2  # counters open per branch
DRAIN_S = 30.0
IN_FLIGHT = 64
# The mix: kiosk issues, teller presses (call-next when the counter is free, else finish,
# recall or transfer), the customer's rating after a finish, and tracking polls.
PEAK_MIX = {"issue": 30, "teller": 40, "rating": 10, "track": 20}
# The event each answered operation produces, for the event -> screen time.
EVENT_OF = {
    "issue": "ticket.issued",
    "call-next": "ticket.called",
    "finish": "ticket.done",
    "recall": "ticket.recalled",
}


def rss_by_pid(group: int) -> dict[int, int]:
    """Resident memory (bytes) of each process of a process group: the server's workers."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                found[int(entry.name)] = int((entry / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return found


async def _gather_limited(jobs, limit: int = 16) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(job):
        async with gate:
            return await job

    return await asyncio.gather(*(one(j) for j in jobs))


class Peak:
    """The state the load generator keeps: tokens, each counter's current ticket, the
    tickets a customer may track, and the times measured."""

    def __init__(self) -> None:
        self.kiosk: dict[str, str] = {}
        self.teller: dict[tuple[str, int], str] = {}
        self.display: dict[str, str] = {}
        self.current: dict[tuple[str, int], str | None] = {}
        self.rateable: list[tuple[str, int]] = []
        self.tracked: list[str] = []
        self.latency: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}
        self.answered: dict[tuple[str, str, str], float] = {}
        self.late = 0  # operations started more than 100 ms after their time
        self.unanswered = 0  # still without an answer when the run's drain ended
        self.errors: dict[str, int] = {}  # no HTTP answer at all, by the error's kind


async def _peak_setup(c: httpx.AsyncClient, state: Peak, codes: list[str]) -> None:
    async def branch(code: str) -> None:
        (await c.put(f"{API}/{code}", json=branch_layout(code, PEAK_COUNTERS + 2))).raise_for_status()
        for role in ("kiosk", "display"):
            made = await c.post("/api/v1/tokens", json={"role": role, "branch": code, "name": role})
            getattr(state, role)[code] = made.raise_for_status().json()["token"]
        for n in range(1, PEAK_COUNTERS + 1):
            made = await c.post("/api/v1/tokens", json={"role": "teller", "branch": code, "name": f"t{n}"})
            token = made.raise_for_status().json()["token"]
            state.teller[code, n] = token
            opened = await c.post(f"{API}/{code}/counters/{n}/open", headers={"Authorization": f"Bearer {token}"})
            opened.raise_for_status()
            state.current[code, n] = None

    await _gather_limited([branch(code) for code in codes])


async def _screen(url: str, arrived: dict, stop: asyncio.Event) -> None:
    import websockets

    # ping_interval None: the server pings; a client loop busy for a moment is not a dead link
    async with websockets.connect(url, compression=None, max_size=2**24, open_timeout=300, ping_interval=None) as ws:
        await ws.recv()  # the snapshot
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), 1.0)
            except TimeoutError:
                continue
            now = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
            message = json.loads(text)
            if message.get("type") in EVENT_OF.values():
                key = (message.get("branch", ""), str((message.get("data") or {}).get("id")), message["type"])
                arrived[key] = now  # the last of the branch's screens to get it


def _screens(urls: list[str], ready, done, results) -> None:
    """A process of its own: the screens, connected in waves, until ``done`` is set; then
    when each event reached the last of its branch's screens, and the screens that failed."""

    async def main() -> None:
        arrived: dict = {}
        stop = asyncio.Event()
        tasks = []
        for i, url in enumerate(urls):
            tasks.append(asyncio.create_task(_screen(url, arrived, stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.sleep(3)
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.2)
        stop.set()
        failed = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]
        results.put((arrived, len(failed), repr(failed[0])[:200] if failed else ""))

    asyncio.run(main())


async def _operation(c: httpx.AsyncClient, state: Peak, rng, code: str, kind: str, due: float) -> None:
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    name, ticket, counter = kind, None, rng.randint(1, PEAK_COUNTERS)
    if kind == "issue":
        r = await c.post(
            f"{API}/{code}/tickets", json={"category": rng.choice(CATEGORIES)}, headers=auth(state.kiosk[code])
        )
        if r.status_code == 201:
            ticket = r.json()["id"]
            state.tracked.append(r.json()["track_token"])
    elif kind == "track":
        if not state.tracked:
            return
        r = await c.get(f"/api/v1/track/{rng.choice(state.tracked[-2000:])}")
    elif kind == "rating":
        if not state.rateable:
            return
        code, counter = state.rateable.pop(rng.randrange(len(state.rateable)))
        r = await c.post(
            f"{API}/{code}/counters/{counter}/evaluation",
            json={"score": rng.randint(1, 3)},  # 4 (unsatisfied) would raise an alert each time
            headers=auth(state.teller[code, counter]),
        )
    else:
        base, token = f"{API}/{code}/counters/{counter}", state.teller[code, counter]
        current = state.current[code, counter]
        if current == "?":
            return  # a press under way at this counter: a teller presses one key at a time
        state.current[code, counter] = "?"
        if current is None:
            name = "call-next"
            r = await c.post(f"{base}/call-next", headers=auth(token))
            ticket = r.json().get("id") if r.status_code == 200 and r.content else None
            state.current[code, counter] = ticket
        else:
            name = rng.choice(["finish"] * 7 + ["recall"] * 2 + ["transfer"])
            if name == "transfer":
                r = await c.post(f"{base}/transfer", json={"category": rng.choice(CATEGORIES)}, headers=auth(token))
            else:
                r = await c.post(f"{base}/{name}", headers=auth(token))
            ticket = current
            state.current[code, counter] = current if name == "recall" else None
            if name == "finish" and r.status_code == 200:
                state.rateable.append((code, counter))
    done = time.perf_counter()
    state.latency.setdefault(name, []).append((done - due) * 1000)
    counts = state.statuses.setdefault(name, {})
    counts[r.status_code] = counts.get(r.status_code, 0) + 1
    if ticket and name in EVENT_OF and r.status_code < 300:
        state.answered[code, ticket, EVENT_OF[name]] = done


async def peak_run(base: str, ws_base: str, admin: str, minutes: float, server: Server) -> dict:
    import random

    rng = random.Random(12)
    codes = [f"p{n:03d}" for n in range(1, PEAK_BRANCHES + 1)]
    state = Peak()
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=120) as c:
        started = time.perf_counter()
        await _peak_setup(c, state, codes)
        setup_s = time.perf_counter() - started
    print(f"peak: {len(codes)} branches laid out in {setup_s:.0f} s", flush=True)
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    ready, done, results = spawn.Event(), spawn.Event(), spawn.Queue()
    screen_codes = [codes[i % len(codes)] for i in range(PEAK_SCREENS)]  # spread over the branches
    urls = [f"{ws_base}{API}/{code}/stream?token={state.display[code]}" for code in screen_codes]
    screens = spawn.Process(target=_screens, args=(urls, ready, done, results), daemon=True)
    started = time.perf_counter()
    screens.start()
    await asyncio.get_running_loop().run_in_executor(None, ready.wait, 600)
    connect_s = time.perf_counter() - started
    print(f"peak: {PEAK_SCREENS} screens connected in {connect_s:.0f} s", flush=True)
    rss_start, load_start = rss_by_pid(server.proc.pid), os.getloadavg()
    kinds = [k for k, w in PEAK_MIX.items() for _ in range(w)]
    # At most as many requests in flight as the client has connections: httpx's pool
    # matches each queued request against every connection, and a backlog of thousands
    # made the load generator, not the server, the bottleneck. A wait here still counts:
    # an operation's time runs from when it was due.
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def gated(*args) -> None:
        async with gate:
            try:
                await _operation(*args)
            except httpx.HTTPError as error:  # counted beside the statuses, not raised in a task
                state.errors[type(error).__name__] = state.errors.get(type(error).__name__, 0) + 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as c:
        tasks = set()
        start = time.perf_counter()
        total = int(minutes * 60 * PEAK_RATE)
        for i in range(total):
            due = start + i / PEAK_RATE
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.1:
                state.late += 1
            task = asyncio.create_task(gated(c, state, rng, rng.choice(codes), rng.choice(kinds), due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        # An overloaded server answers long after the hour: wait DRAIN_S for the rest, then
        # count what is still unanswered rather than wait for it.
        _, pending = await asyncio.wait(tasks, timeout=DRAIN_S) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        state.unanswered = len(pending)
        ran_s = time.perf_counter() - start
    await asyncio.sleep(2)  # the last events reach the screens
    rss_end, load_end = rss_by_pid(server.proc.pid), os.getloadavg()
    done.set()
    arrived, failed, failure = await asyncio.get_running_loop().run_in_executor(None, results.get, True, 120)
    screens.join(30)
    delays = [(arrived[k] - t) * 1000 for k, t in state.answered.items() if k in arrived]
    return {
        "setup_s": setup_s,
        "connect_s": connect_s,
        "ran_s": ran_s,
        "state": state,
        "delays": delays,
        "missing": sum(1 for k in state.answered if k not in arrived),
        "rss": (rss_start, rss_end),
        "load": (load_start, load_end),
        "screens_failed": failed,
        "failure": failure,
    }


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def peak(minutes: float, workers: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with private_database("peak") as url:
        env, admin = prepared(url)
        env["LOBBYQ_TRACK_RATE_PER_MINUTE"] = "10000000"
        server = serve(env, workers)
        try:
            ws_base = server.url.replace("http", "ws")
            result = asyncio.run(peak_run(server.url, ws_base, admin, minutes, server))
        finally:
            server.stop()
    state: Peak = result["state"]
    print(
        f"\n== (c) peak hour: {PEAK_BRANCHES} branches, {PEAK_SCREENS} screens, open loop at {PEAK_RATE:.0f} ops/s "
        f"for {minutes:g} min, lobbyq serve {workers} workers, PostgreSQL + Redis =="
    )
    print(
        f"set-up {result['setup_s']:.0f} s (layouts, tokens, counters opened), screens connected in "
        f"{result['connect_s']:.0f} s; ran {result['ran_s']:.0f} s; operations started >100 ms late: {state.late}; "
        f"unanswered {DRAIN_S:.0f} s after the last was due: {state.unanswered}; no HTTP answer: {state.errors}"
    )
    print(f"{'operation':10} {'count':>7} {'p50 ms':>7} {'p99 ms':>7}  statuses")
    for name, values in sorted(state.latency.items()):
        print(
            f"{name:10} {len(values):7} {_pct(values, 0.5):7.1f} {_pct(values, 0.99):7.1f}  "
            f"{dict(sorted(state.statuses[name].items()))}"
        )
    delays = result["delays"]
    print(
        f"event -> screen (answer to the last of its branch's screens): {len(delays)} events, "
        f"p50 {_pct(delays, 0.5):.1f} ms, p99 {_pct(delays, 0.99):.1f} ms; never arrived: {result['missing']}; "
        f"screens that failed: {result['screens_failed']} {result['failure']}"
    )
    start, end = result["rss"]
    for pid in sorted(start):
        if pid in end:
            growth = (end[pid] - start[pid]) / start[pid] * 100
            mib = f"{start[pid] / 2**20:.0f} MiB at start, {end[pid] / 2**20:.0f} MiB at end"
            print(f"RSS pid {pid}: {mib} ({growth:+.1f} %)")
    (l1, l5, l15), (e1, e5, e15) = result["load"]
    print(
        f"load average at start {l1:.2f} {l5:.2f} {l15:.2f}, at end {e1:.2f} {e5:.2f} {e15:.2f} ({os.cpu_count()} CPUs)"
    )
    print("The load generator and the screens (a process of their own) run on the server's machine.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["saturation", "flat", "peak", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=10, help="each saturation run")
    parser.add_argument("--minutes", type=float, default=10, help="the peak hour's length")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.part in ("saturation", "all"):
        saturation(args.seconds, args.workers)
    if args.part in ("flat", "all"):
        flat()
    if args.part in ("peak", "all"):
        peak(args.minutes, args.workers)


if __name__ == "__main__":
    main()
