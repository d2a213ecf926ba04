"""A real ``lobbyq serve`` process for tests that must cross a process boundary: races
over several uvicorn workers, ``kill -9`` and restart, websockets, browsers.

    with LobbyqServer(database_url, port, workers=4, log_dir=tmp_path) as server:
        server.url                      # http://127.0.0.1:P
        server.ws_url                   # ws://127.0.0.1:P
        server.admin                    # an admin token, made with `lobbyq token create`
        server.put_branch(SAMPLE_BRANCH) # lays a branch out over HTTP
        server.token("kiosk", "sjm01")  # any token, over HTTP
        server.kill()                   # kill -9 of the whole process group, no clean-up
        server.start()                  # the same database and port again

The process runs in its own session (process group), so ``kill``/``stop`` reach uvicorn's
worker processes too; ``stop`` runs on context exit, at interpreter exit and on a failed
start, so no test leaves a server behind. Its output goes to ``server.log_path``; a
server that does not come up raises with the tail of that log.

Async tests can use ``await server.astart()`` / ``await server.arestart()`` so the event
loop is not blocked while the server comes up.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import os
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOBBYQ = Path(sys.executable).with_name("lobbyq")

_running: weakref.WeakSet[LobbyqServer] = weakref.WeakSet()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lobbyq_command() -> list[str]:
    """The console script when installed beside this interpreter, else ``python -m``-style."""
    if LOBBYQ.exists():
        return [str(LOBBYQ)]
    return [sys.executable, "-c", "from app.cli import main; main()"]


class ServerFailed(RuntimeError):
    pass


class LobbyqServer:
    def __init__(
        self,
        database_url: str,
        port: int | None = None,
        *,
        workers: int = 1,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
        log_dir: str | os.PathLike | None = None,
        cwd: str | os.PathLike | None = None,
        host: str = "127.0.0.1",
        start_timeout: float = 60.0,
    ):
        self.database_url = database_url
        self.port = port or _free_port()
        self.host = host
        self.workers = workers
        self.redis_url = redis_url
        self.extra_env = dict(env or {})
        self.cwd = Path(cwd) if cwd else ROOT
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="lobbyq-server-"))
        self.log_path = self.log_dir / f"lobbyq-serve-{self.port}.log"
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.admin: str | None = None
        self.starts = 0

    # -- addresses and environment -------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LOBBYQ_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["LOBBYQ_REDIS_URL"] = self.redis_url
        else:
            env.pop("LOBBYQ_REDIS_URL", None)
        env.setdefault("LOBBYQ_SWEEP_INTERVAL_S", "3600")
        # Races send hundreds of requests from one address and one kiosk token.
        env.setdefault("LOBBYQ_KIOSK_RATE_PER_MINUTE", "1000000")
        env.setdefault("LOBBYQ_TRACK_RATE_PER_MINUTE", "1000000")
        env.setdefault("LOBBYQ_BOOKING_RATE_PER_MINUTE", "1000000")
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    # -- the command line ----------------------------------------------------------------

    def cli(self, *args: str, check: bool = True, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Run ``lobbyq ARGS`` against this server's database."""
        result = subprocess.run(
            [*lobbyq_command(), *args],
            env=self.env(),
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise ServerFailed(f"lobbyq {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def cli_token(self, role: str, branch: str | None = None, name: str | None = None) -> str:
        """``lobbyq token create``: the token is alone on the last line of its output."""
        args = ["token", "create", "--role", role]
        if branch:
            args += ["--branch", branch]
        if name:
            args += ["--name", name]
        lines = self.cli(*args).stdout.strip().splitlines()
        assert lines, "lobbyq token create printed nothing"
        return lines[-1].strip()

    # -- life cycle ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> LobbyqServer:
        if self.running:
            return self
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        log.write(f"\n--- start #{self.starts + 1} at {time.strftime('%H:%M:%S')} ---\n".encode())
        log.flush()
        command = [
            *lobbyq_command(),
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env(),
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        _running.add(self)
        try:
            self._wait_healthy()
            if self.admin is None:
                self.admin = self.cli_token("admin", name="test-admin")
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        ok_in_a_row = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"lobbyq serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                r = httpx.get(f"{self.url}/healthz", timeout=2.0)
                ok_in_a_row = ok_in_a_row + 1 if r.status_code == 200 else 0
            except httpx.HTTPError:
                ok_in_a_row = 0
            # With several workers, a few answers in a row make it likely that all are up.
            if ok_in_a_row >= min(self.workers, 4):
                return
            time.sleep(0.1 if ok_in_a_row else 0.2)
        raise ServerFailed(f"lobbyq serve did not answer /healthz within {self.start_timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """``kill -9`` of the server and all its workers: a crash, no clean-up of any kind."""
        self._signal(signal.SIGKILL)
        self._reap(10)

    def stop(self, timeout: float = 10.0) -> None:
        """A polite stop (SIGTERM), then SIGKILL of whatever is left of the process group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self._signal(signal.SIGKILL)  # workers that outlived their parent
        self._reap(10)

    def restart(self, *, crash: bool = False) -> LobbyqServer:
        self.kill() if crash else self.stop()
        return self.start()

    async def astart(self) -> LobbyqServer:
        return await asyncio.to_thread(self.start)

    async def arestart(self, *, crash: bool = False) -> LobbyqServer:
        return await asyncio.to_thread(self.restart, crash=crash)

    async def akill(self) -> None:
        await asyncio.to_thread(self.kill)

    def _signal(self, sig: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)  # start_new_session: the group id is the pid
        except (ProcessLookupError, PermissionError):
            pass

    def _reap(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        # Give the group's other members (uvicorn workers) a moment to vanish.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_alive(self.process.pid):
            time.sleep(0.05)
        _running.discard(self)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> LobbyqServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- HTTP conveniences -----------------------------------------------------------------

    def client(self, token: str | None = None, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.admin}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 30.0), **kwargs)

    def async_client(self, token: str | None = None, **kwargs) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token or self.admin}"}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 60.0), **kwargs)

    def put_branch(self, layout: dict | None = None, code: str | None = None) -> dict:
        """Lay a branch out (the sample branch by default) as admin; returns the layout."""
        if layout is None:
            from app.sample_branch import SAMPLE_BRANCH

            layout = SAMPLE_BRANCH
        layout = copy.deepcopy(layout)
        code = code or layout.get("code") or "sjm01"
        layout["code"] = code
        with self.client() as c:
            r = c.put(f"/api/v1/branches/{code}", json=layout)
        assert r.status_code == 200, r.text
        return r.json()

    def token(self, role: str, branch: str | None = None, name: str | None = None) -> str:
        with self.client() as c:
            r = c.post("/api/v1/tokens", json={"role": role, "branch": branch, "name": name or role})
        assert r.status_code == 201, r.text
        return r.json()["token"]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@atexit.register
def _stop_all() -> None:
    for server in list(_running):
        try:
            server.stop(timeout=2)
        except Exception:
            pass


def four_workers(tmp_path, redis: bool, env: dict[str, str] | None = None) -> LobbyqServer:
    """`lobbyq serve --workers 4` on this run's PostgreSQL (reset), with Redis or without;
    a test that needs what does not answer fails in CI and is skipped, loudly, elsewhere."""
    from tests.support.services import postgres_url, redis_url, require, reset_postgres

    url = postgres_url()
    if url is None:
        require("postgres")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: this four-worker test is skipped")
    rurl = None
    if redis:
        rurl = redis_url()
        if rurl is None:
            require("redis")
            pytest.skip("Redis is not reachable at 127.0.0.1:6379: this four-worker test over Redis is skipped")
    reset_postgres(url)
    return LobbyqServer(url, workers=4, redis_url=rurl, log_dir=tmp_path, env=env)
