"""What ``lobbyq serve`` and ``lobbyq demo`` say when they start, and what a restarted demo keeps.

An operator starting the server used to see nothing; a demo on a busy port printed every
URL and token and only then failed; a restarted demo overwrote the paper it had printed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

import httpx
import pytest

from tests.conftest import free_port
from tests.support.server import ROOT, lobbyq_command

pytestmark = pytest.mark.slow


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOBBYQ_")}
    env.update(LOBBYQ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}", PYTHONUNBUFFERED="1", **extra)
    return env


def test_serve_says_where_it_answers_what_it_uses_and_hides_passwords(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = _env(tmp_path, LOBBYQ_REDIS_URL="redis://:s3cret@127.0.0.1:1/0")
    with open(log, "w") as out:
        serve = subprocess.Popen(
            [*lobbyq_command(), "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "/docs" not in log.read_text() and time.monotonic() < deadline:
            assert serve.poll() is None, log.read_text()
            time.sleep(0.2)
        text = log.read_text()
        assert f"http://127.0.0.1:{port}" in text
        assert f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}" in text
        assert "1 worker" in text
        assert "redis://:***@127.0.0.1:1/0" in text and "s3cret" not in text
        for page in ("/screens/B/hall", "/kiosk/B", "/teller/B", "/manager/B", "/docs"):
            assert page in text, page
    finally:
        serve.terminate()
        serve.wait(20)


def _listening(port: int) -> socket.socket:
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("127.0.0.1", port))
    taken.listen()
    return taken


@pytest.mark.parametrize("command", [["demo", "--no-devices"], ["serve"]])
def test_a_taken_port_is_named_before_anything_is_printed(tmp_path, command):
    port = free_port()
    with _listening(port):
        args = [*command, "--port", str(port)]
        if command[0] == "demo":
            args += ["--workdir", str(tmp_path / "demo")]
        run = subprocess.run(
            [*lobbyq_command(), *args], env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"port {port}" in run.stderr and "taken" in run.stderr
    assert "token" not in run.stdout and "http://" not in run.stdout, run.stdout
    if command[0] == "demo":
        assert not (tmp_path / "demo" / "lobbyq.db").exists(), "nothing is prepared for a demo that cannot start"


def test_the_demo_folder_is_not_committed():
    for path in ("lobbyq-demo/lobbyq.db", "lobbyq-demo/tickets/ticket-0001.txt", "lobbyq-demo/devices.toml"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        if ignored.returncode == 128:
            pytest.skip("not a git checkout: .gitignore cannot be asked")
        assert ignored.returncode == 0, f"{path} is not ignored: lobbyq-demo/ belongs in .gitignore"


def test_serve_answers_after_saying_so(tmp_path):
    """The start lines come before the server answers, not instead of it."""
    port = free_port()
    serve = subprocess.Popen(
        [*lobbyq_command(), "serve", "--port", str(port)],
        env=_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("lobbyq serve did not answer")
    finally:
        serve.terminate()
        serve.wait(20)
