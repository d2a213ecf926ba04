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
from sqlalchemy import event

from app.sample_branch import SAMPLE_BRANCH
from bench.load import Result, run

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
    data["counters"] = [{"number": n, "name": f"{n}号窗口", "serves": codes[n % 4:] + codes[: n % 4]} for n in range(1, CLIENTS + 1)]
    data["policy"]["alert_queue_length"] = None
    data["policy"]["alert_wait_minutes"] = None
    return data


def reset(url: str, workdir: Path) -> None:
    if url.startswith("postgresql"):
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c",
                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True, capture_output=True)
    else:
        for f in workdir.glob("*.db*"):
            f.unlink()


def env_for(url: str) -> dict:
    return {**os.environ, "LOBBYQ_DATABASE_URL": url, "LOBBYQ_KIOSK_RATE_PER_MINUTE": "10000000",
            "LOBBYQ_LOG_LEVEL": "error", "PYTHONPATH": str(ROOT)}


class Server:
    def __init__(self, args: list[str], env: dict, port: int):
        self.port = port
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
                    raise RuntimeError(self.proc.stderr.read().decode())
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


def wrk_issue(base: str, path: str, token: str | None, seconds: float) -> Result | None:
    """The issue workload driven by wrk (C, if installed): a load generator that does not
    compete for the CPU the way a Python client does on a 2-core machine."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text('wrk.method = "POST"\nwrk.body = \'{"category":"personal"}\'\n'
                      'wrk.headers["Content-Type"] = "application/json"\n' + auth)
    out = subprocess.run([wrk, "-t1", f"-c{CLIENTS}", f"-d{int(seconds)}s", "--latency", "-s", str(script), base + path],
                         capture_output=True, text=True).stdout
    script.unlink()
    result = Result("wrk issue", seconds)
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip().startswith(("50%", "99%", "Requests/sec:"))}
    ms = lambda v: float(v[:-2]) if v.endswith("ms") else float(v[:-1]) * 1000 if v.endswith("s") else float(v[:-2]) / 1000
    result.wrk = (float(lines["Requests/sec:"]), ms(lines["50%"]), ms(lines["99%"]), "Non-2xx" in out)
    return result


async def count_statements(url: str) -> dict[str, int]:
    """SQL statements per lobbyq request, counted on the real app in-process (BEGIN and group-commit savepoints excluded)."""
    from app.main import create_app
    from app.services import auth
    from app.settings import Settings

    app = create_app(Settings(database_url=url), migrate_on_start=True)
    counts = {"n": 0}
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        engines = {ctx.db.writer.sync_engine, ctx.db.reader.sync_engine}
        if ctx.db.inline is not None:
            engines.add(ctx.db.inline)
        for engine in engines:
            @event.listens_for(engine, "before_cursor_execute")
            def _count(conn, cursor, statement, *args):
                if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                    counts["n"] += 1
        admin = await auth.create_token(ctx, "admin", None, "admin")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
            h = {"Authorization": f"Bearer {admin}"}
            await c.put("/api/v1/branches/b1", json=layout(), headers=h)
            kiosk = (await c.post("/api/v1/tokens", json={"role": "kiosk", "branch": "b1", "name": "k"}, headers=h)).json()["token"]
            teller = (await c.post("/api/v1/tokens", json={"role": "teller", "branch": "b1", "name": "t"}, headers=h)).json()["token"]
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

            result = {
                "issue": await measure("POST", "/api/v1/branches/b1/tickets", json={"category": "personal"}, headers=kh),
                "callnext": await measure("POST", "/api/v1/branches/b1/counters/1/call-next", headers=th),
                "finish": await measure("POST", "/api/v1/branches/b1/counters/1/finish", headers=th),
            }
    return result


async def lobbyq_workloads(base: str, admin: str, seconds: float) -> dict[str, Result]:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as c:
        assert (await c.put("/api/v1/branches/b1", json=layout())).status_code == 200
        kiosk = (await c.post("/api/v1/tokens", json={"role": "kiosk", "branch": "b1", "name": "k1"})).json()["token"]
        tellers = []
        for n in range(1, CLIENTS + 1):
            t = (await c.post("/api/v1/tokens", json={"role": "teller", "branch": "b1", "name": f"t{n}"})).json()["token"]
            assert (await c.post(f"/api/v1/branches/b1/counters/{n}/open", headers={"Authorization": f"Bearer {t}"})).status_code == 200
            tellers.append(t)
    cats = ["personal", "corporate", "fx", "wealth"]
    kh = {"Authorization": f"Bearer {kiosk}"}

    def issuer(i: int):
        body = {"category": cats[i % 4]}
        return lambda client, k: client.post("/api/v1/branches/b1/tickets", json=body, headers=kh)

    def teller(n: int):
        h = {"Authorization": f"Bearer {tellers[n - 1]}"}

        async def step(client, k):
            r = await client.post(f"/api/v1/branches/b1/counters/{n}/call-next", headers=h)
            if r.status_code == 200:
                await client.post(f"/api/v1/branches/b1/counters/{n}/finish", headers=h)
            return r

        return step

    results = {}
    results["issue"] = await run("issue", base, [issuer(i) for i in range(CLIENTS)], seconds)
    results["call-next+finish"] = await run("call-next+finish", base, [teller(n) for n in range(1, CLIENTS + 1)], seconds)
    half = CLIENTS // 2
    results["mixed"] = await run("mixed", base, [issuer(i) for i in range(half)] + [teller(n) for n in range(1, half + 1)], seconds)
    results["kiosk_token"] = kiosk
    return results


async def bare_workloads(base: str, seconds: float) -> dict[str, Result]:
    def post(path):
        return lambda client, k: client.post(path)

    async def pair(client, k):
        r = await client.post("/bare/callnext")
        await client.post("/bare/finish")
        return r

    results = {}
    results["issue"] = await run("bare issue", base, [post("/bare/issue")] * CLIENTS, seconds)
    results["call-next+finish"] = await run("bare call-next+finish", base, [pair] * CLIENTS, seconds)
    half = CLIENTS // 2
    results["mixed"] = await run("bare mixed", base, [post("/bare/issue")] * half + [pair] * half, seconds)
    return results


def bench(kind: str, workers: int, seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lobbyq-bench-"))
    url = PG_URL if kind == "postgres" else f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    try:
        reset(url, workdir)
        statements = asyncio.run(count_statements(url))
        reset(url, workdir)
        env = env_for(url)
        lobbyq = str(Path(sys.executable).with_name("lobbyq"))
        subprocess.run([lobbyq, "db", "upgrade"], env=env, check=True, capture_output=True)
        admin = subprocess.run([lobbyq, "token", "create", "--role", "admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
        port = free_port()
        server = Server([lobbyq, "serve", "--port", str(port), "--workers", str(workers)], env, port)
        try:
            ours = asyncio.run(lobbyq_workloads(server.url, admin, seconds))
            ours_wrk = wrk_issue(server.url, "/api/v1/branches/b1/tickets", ours.pop("kiosk_token"), seconds)
        finally:
            server.stop()
        bare_env = {**env, "BENCH_DB_URL": url, "BENCH_STATEMENTS": ",".join(f"{k}={v}" for k, v in statements.items())}
        port = free_port()
        bare = Server([sys.executable, "-m", "uvicorn", "bench.bare:create", "--factory", "--port", str(port),
                       "--workers", str(workers), "--log-level", "error", "--no-access-log"], bare_env, port)
        try:
            theirs = asyncio.run(bare_workloads(bare.url, seconds))
            theirs_wrk = wrk_issue(bare.url, "/bare/issue", None, seconds)
        finally:
            bare.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n== {kind}, {workers} worker(s), {CLIENTS} clients, {seconds:.0f} s each ==")
    print(f"SQL statements per request (counted): {statements}")
    print(f"{'workload':18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} | {'bare/s':>8} {'bare p99':>8} | {'ratio':>6}  statuses")
    for name, r in ours.items():
        b = theirs[name]
        ratio = r.rate / b.rate if b.rate else float("nan")
        print(f"{name:18} {r.rate:8.0f} {r.p50:8.1f} {r.p99:8.1f} | {b.rate:8.0f} {b.p99:8.1f} | {ratio:6.2f}  {r.statuses}")
    if ours_wrk and theirs_wrk:
        (rate, p50, p99, bad), (brate, _, bp99, _) = ours_wrk.wrk, theirs_wrk.wrk
        print(f"{'issue (wrk)':18} {rate:8.0f} {p50:8.1f} {p99:8.1f} | {brate:8.0f} {bp99:8.1f} | {rate / brate:6.2f}"
              + ("  (some answers were not 2xx)" if bad else ""))
    else:
        print("(install wrk for the issue workload from a C load generator as well)")


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
