"""The faults the reliability suite injects from outside: ``kill -9`` of one uvicorn worker
(a child of ``lobbyq serve``'s supervisor, found through /proc), and a private Redis and
PostgreSQL of the test's own that can be stopped and started again without touching the
machine's shared services."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.server import LobbyqServer, _free_port
from tests.support.services import require


def workers(server: LobbyqServer) -> list[int]:
    """The pids of the server's uvicorn workers (the supervisor's multiprocessing children)."""
    assert server.process is not None
    pid = server.process.pid
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"multiprocessing.spawn" in command:
            out.append(int(child))
    return out


def kill_worker(server: LobbyqServer) -> int:
    """``kill -9`` of one worker, in the middle of whatever it was doing."""
    pid = workers(server)[0]
    os.kill(pid, signal.SIGKILL)
    return pid


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.1)


class PrivateRedis:
    """``redis-server`` on a free port, without persistence: a restart forgets everything,
    as a Redis that crashed would."""

    def __init__(self, directory: Path):
        if shutil.which("redis-server") is None:
            require("redis")
            pytest.skip("redis-server is not installed: the Redis restart test is skipped")
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = open(self.directory / f"redis-{self.port}.log", "ab")
        self.process = subprocess.Popen(command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait(lambda: _answers(self.port), 10, "the private redis-server did not answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, owned by
    ``postgres`` when the tests run as root), so it can really be stopped and started
    while lobbyq runs on it."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            require("postgres")
            pytest.skip(f"no PostgreSQL binaries in {PG_BIN}: the PostgreSQL restart test is skipped")
        self.port = _free_port()
        # Not under pytest's tmp_path: its parents are closed to the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="lobbyq-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the postgres user then
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *map(str, args)], check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-o", options, *args)

    def start(self) -> PrivatePostgres:
        self._ctl("-w", "start")
        _wait(lambda: _answers(self.port), 30, "the private PostgreSQL did not answer")
        return self

    def stop(self) -> None:
        """``pg_ctl stop -m immediate``: every connection cut at once, as in a crash."""
        if (self.data / "postmaster.pid").exists():
            self._ctl("-w", "-m", "immediate", "stop")

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
