"""Benchmark of the queue core (issue #2): issue, call-next + finish, and a mixed
kiosk/teller workload at 16 concurrent clients, against a real ``lobbyq serve``.

In the same run, the bare stack it sits on (bench/bare.py: a FastAPI endpoint on the
same engine running the same number of SQL statements, counted from lobbyq's own
requests) is driven by the same load, and the ratio lobbyq/bare is printed: this
machine's absolute speed drifts, the ratio much less.

    .venv/bin/python -m bench.core                  # SQLite 1 worker and PostgreSQL 4 workers
    .venv/bin/python -m bench.core --db sqlite --seconds 5

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from app.sample_branch import SAMPLE_BRANCH
from bench import captured, wrk
from bench.load import run
from bench.wrk import Client, Figures

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("LOBBYQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def layout() -> dict:
    data = copy.deepcopy(SAMPLE_BRANCH)
    data["code"] = "b1"
    codes = [c["code"] for c in data["categories"]]
    data["counters"] = [
        {"number": n, "name": f"{n}号窗口", "serves": codes[n % 4 :] + codes[: n % 4]} for n in range(1, CLIENTS + 1)
    ]
    data["policy"]["alert_queue_length"] = None
    data["policy"]["alert_wait_minutes"] = None
    return data


def uvicorn_command(factory: str, port: int, workers: int, *extra: str) -> list[str]:
    """A bare comparison server: an app factory under uvicorn, quiet."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "error",
        *extra,
    ]


def reset(url: str, workdir: Path) -> None:
    if url.startswith("postgresql"):
        drop = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", make_url(url).database or "test", "-c", drop]
        subprocess.run(psql, check=True, capture_output=True)
    else:
        for f in workdir.glob("*.db*"):
            f.unlink()


def env_for(url: str) -> dict:
    return {
        **os.environ,
        "LOBBYQ_DATABASE_URL": url,
        "LOBBYQ_KIOSK_RATE_PER_MINUTE": "10000000",
        "LOBBYQ_LOG_LEVEL": "error",
        "PYTHONPATH": str(ROOT),
    }


class Server:
    def __init__(self, args: list[str], env: dict, port: int):
        self.port = port
        self.proc = subprocess.Popen(
            args, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Up means answering HTTP a few times in a row: with several workers the parent
        # listens before every worker is ready.
        deadline = time.time() + 90
        answered = 0
        while time.time() < deadline and answered < 8:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                answered += 1
            except httpx.HTTPError:
                answered = 0
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stderr.read().decode()) from None
                time.sleep(0.2)
        if answered < 8:
            raise RuntimeError("server did not start")
        time.sleep(0.5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


async def count_statements(url: str) -> dict[str, int]:
    """SQL statements per lobbyq request, counted on the real app in-process by wrapping
    the store's two Transaction implementations (BEGIN, COMMIT and the group commit's
    savepoints do not go through them)."""
    from app.main import create_app
    from app.services import auth
    from app.settings import Settings
    from app.store.transaction import AsyncpgTransaction, SqliteTransaction

    counts = {"n": 0}

    def counted(method):
        async def run(self, *args, **kwargs):
            counts["n"] += 1
            return await method(self, *args, **kwargs)

        return run

    originals = [
        (cls, name, getattr(cls, name))
        for cls in (SqliteTransaction, AsyncpgTransaction)
        for name in ("fetch", "execute", "execute_many")
    ]
    for cls, name, method in originals:
        setattr(cls, name, counted(method))
    app = create_app(Settings(database_url=url), migrate_on_start=True)
    try:
        async with app.router.lifespan_context(app):
            ctx = app.state.ctx
            admin = await auth.create_token(ctx, "admin", None, "admin")
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
                h = {"Authorization": f"Bearer {admin}"}
                await c.put("/api/v1/branches/b1", json=layout(), headers=h)
                kiosk = (
                    await c.post("/api/v1/tokens", json={"role": "kiosk", "branch": "b1", "name": "k"}, headers=h)
                ).json()["token"]
                teller = (
                    await c.post("/api/v1/tokens", json={"role": "teller", "branch": "b1", "name": "t"}, headers=h)
                ).json()["token"]
                kh, th = {"Authorization": f"Bearer {kiosk}"}, {"Authorization": f"Bearer {teller}"}
                await c.post("/api/v1/branches/b1/counters/1/open", headers=th)
                for _ in range(3):  # warm the caches the way a running server has them
                    await c.post("/api/v1/branches/b1/tickets", json={"category": "personal"}, headers=kh)
                await c.post("/api/v1/branches/b1/counters/1/call-next", headers=th)
                await c.post("/api/v1/branches/b1/counters/1/finish", headers=th)

                async def measure(method, path, **kw) -> int:
                    counts["n"] = 0
                    r = await c.request(method, path, **kw)
                    assert r.status_code < 300, r.text
                    return counts["n"]

                return {
                    "issue": await measure(
                        "POST", "/api/v1/branches/b1/tickets", json={"category": "personal"}, headers=kh
                    ),
                    "callnext": await measure("POST", "/api/v1/branches/b1/counters/1/call-next", headers=th),
                    "finish": await measure("POST", "/api/v1/branches/b1/counters/1/finish", headers=th),
                }
    finally:
        for cls, name, method in originals:
            setattr(cls, name, method)


def prepare(base: str, admin: str) -> tuple[str, list[str]]:
    """Lay out the branch and open every counter: a kiosk token and one teller token a counter."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as c:
        c.put("/api/v1/branches/b1", json=layout()).raise_for_status()
        kiosk = c.post("/api/v1/tokens", json={"role": "kiosk", "branch": "b1", "name": "k1"}).json()["token"]
        tellers = []
        for n in range(1, CLIENTS + 1):
            t = c.post("/api/v1/tokens", json={"role": "teller", "branch": "b1", "name": f"t{n}"}).json()["token"]
            c.post(
                f"/api/v1/branches/b1/counters/{n}/open", headers={"Authorization": f"Bearer {t}"}
            ).raise_for_status()
            tellers.append(t)
    return kiosk, tellers


CATEGORIES = ["personal", "corporate", "fx", "wealth"]


def workloads(kiosk: str | None, tellers: list[str] | None) -> dict[str, list[Client]]:
    """issue, call-next+finish and mixed (half kiosks, half tellers), for lobbyq when
    given its tokens, else for the bare endpoints."""

    def kiosk_client(i: int) -> Client:
        body = json.dumps({"category": CATEGORIES[i % 4]})
        return Client("issue", "/api/v1/branches/b1", kiosk, body) if kiosk else Client("issue", "/bare", "", body)

    def teller_client(n: int) -> Client:
        if tellers:
            return Client("teller", f"/api/v1/branches/b1/counters/{n}", tellers[n - 1])
        return Client("teller", "/bare")

    half = CLIENTS // 2
    return {
        "issue": [kiosk_client(i) for i in range(CLIENTS)],
        "call-next+finish": [teller_client(n) for n in range(1, CLIENTS + 1)],
        "mixed": [kiosk_client(i) for i in range(half)] + [teller_client(n) for n in range(1, half + 1)],
    }


def drive(name: str, base: str, clients: list[Client], seconds: float) -> Figures:
    """wrk when installed; else the Python client (which shares the server's CPU)."""
    if wrk.available():
        return wrk.run(name, base, clients, seconds)

    def step(c: Client):
        headers = {"Authorization": f"Bearer {c.token}"} if c.token else {}
        if c.kind == "issue":
            return lambda client, k: client.post(
                c.path + "/tickets", content=c.body, headers={**headers, "Content-Type": "application/json"}
            )

        async def pair(client, k):
            r = await client.post(c.path + "/call-next", headers=headers)
            if r.status_code == 200:
                await client.post(c.path + "/finish", headers=headers)
            return r

        return pair

    r = asyncio.run(run(name, base, [step(c) for c in clients], seconds))
    tellers = sum(c.kind == "teller" for c in clients)
    requests = len(r.latencies) + (r.statuses.get(200, 0) if tellers else 0)  # a pair's finish is not timed
    called = r.statuses.get(200, 0) if tellers else 0
    return Figures(name, requests, seconds, r.p50, r.p99, called, called, 0, r.statuses)


def bench(kind: str, workers: int, seconds: float) -> None:
    if kind == "postgres":
        with captured.private_database(PG_URL, "core") as url:
            _bench(kind, url, workers, seconds)
    else:
        _bench(kind, None, workers, seconds)


def _bench(kind: str, pg_url: str | None, workers: int, seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lobbyq-bench-"))
    url = pg_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    ours: dict[str, Figures] = {}
    theirs: dict[str, Figures] = {}
    alone = None
    try:
        reset(url, workdir)
        statements = asyncio.run(count_statements(url))
        reset(url, workdir)
        env = env_for(url)
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
        server = Server([lobbyq, "serve", "--port", str(port), "--workers", str(workers)], env, port)
        try:
            kiosk, tellers = prepare(server.url, admin)
            for name, clients in workloads(kiosk, tellers).items():
                ours[name] = drive(name, server.url, clients, seconds)
        finally:
            server.stop()
        if kind == "postgres":  # lobbyq's own issue transaction, on its tables, right after
            from bench.scale import issue_scripts  # bench.scale imports this module

            scripts, _ = issue_scripts(url, env, kiosk)
            alone = captured.pgbench(url, scripts, CLIENTS, seconds, 1)
        bare_env = {**env, "BENCH_DB_URL": url, "BENCH_STATEMENTS": ",".join(f"{k}={v}" for k, v in statements.items())}
        port = free_port()
        bare_server = Server(uvicorn_command("bench.bare:create", port, workers, "--no-access-log"), bare_env, port)
        try:
            for name, clients in workloads(None, None).items():
                theirs[name] = drive(name, bare_server.url, clients, seconds)
        finally:
            bare_server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    driver = (
        "wrk, one connection a client" if wrk.available() else "the Python client (install wrk: apt-get install wrk)"
    )
    print(f"\n== {kind}, {workers} worker(s), {CLIENTS} clients, {seconds:.0f} s each, load from {driver} ==")
    print(f"SQL statements per request (counted): {statements}")
    print(
        f"{'workload':18} {'req/s':>7} {'calls/s':>7} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'bare/s':>7} {'calls/s':>7} {'p99 ms':>7} | {'ratio':>5}  statuses"
    )
    for name, r in ours.items():
        b = theirs[name]
        ratio = r.rate / b.rate if b.rate else float("nan")

        def calls(f: Figures) -> str:
            return f"{f.call_rate:7.0f}" if f.calls else f"{'':7}"

        print(
            f"{name:18} {r.rate:7.0f} {calls(r)} {r.p50:7.1f} {r.p99:7.1f} | {b.rate:7.0f} {calls(b)} {b.p99:7.1f} | "
            f"{ratio:5.2f}  {dict(sorted(r.statuses.items()))}" + (f" {r.errors} socket errors" if r.errors else "")
        )
    print("calls/s: call-nexts that called a ticket, per second; req/s counts call-next and finish alike.")
    if alone is not None:
        print(
            f"PostgreSQL alone, pgbench -M prepared running lobbyq's own issue transaction (captured from the "
            f"server, bench/captured.py) on b1, {CLIENTS} clients, no HTTP: {alone:.0f} transactions/s; "
            f"issue ratio {ours['issue'].rate / alone:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pg-workers", type=int, default=4)
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        bench("sqlite", 1, args.seconds)
    if args.db in ("postgres", "both"):
        bench("postgres", args.pg_workers, args.seconds)


if __name__ == "__main__":
    main()
