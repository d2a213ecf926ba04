"""Fixtures for the display tests: headless Chromium, a pages-only server, and a
real `lobbyq serve` with a branch laid out and one token per role."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `pytest` run without `python -m`
    sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BRANCH = "sjm01"
LAYOUT = {
    "name": "上海静安支行",
    "timezone": "Asia/Shanghai",
    "locale": "zh-CN",
    "categories": [
        {"code": "personal", "name": "个人业务", "prefix": "A"},
        {"code": "corporate", "name": "对公业务", "prefix": "B"},
        {"code": "wealth", "name": "理财业务", "prefix": "C"},
    ],
    "counters": [
        {"number": 1, "name": "1号窗口", "serves": ["personal"]},
        {"number": 2, "name": "2号窗口", "serves": ["personal", "wealth"]},
        {"number": 3, "name": "3号窗口", "serves": ["corporate", "personal"]},
        {"number": 4, "name": "4号窗口", "serves": ["personal"]},
        {"number": 5, "name": "5号窗口", "serves": ["wealth", "personal"]},
        {"number": 6, "name": "6号窗口", "serves": ["corporate"]},
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


# ---------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """new_page(width, height, init_script=None) → a page in its own context."""
    contexts = []

    def make(width=1920, height=1080, init_script=None, **kw):
        ctx = browser.new_context(viewport={"width": width, "height": height}, **kw)
        if init_script:
            ctx.add_init_script(init_script)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for c in contexts:
        c.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ---------------------------------------------------------------- servers

class Process:
    """A uvicorn or lobbyq process on a fixed port that can be restarted."""

    def __init__(self, argv: list[str], env: dict, port: int, health: str, log: Path):
        self.argv, self.env, self.port, self.health, self.log = argv, env, port, health, log
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        wait_http(self.base + self.health, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def pages_server(tmp_path_factory):
    """Only the displays router (reducer tests, voice): no core needed."""
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    env = {**os.environ, "LOBBYQ_VOICE_CACHE": str(tmp / "voice"), "PYTHONPATH": str(ROOT)}
    p = Process([sys.executable, "-m", "uvicorn", "--factory", "tests.displays.pages_app:make",
                 "--port", str(port), "--log-level", "warning"], env, port, "/voice/chime.wav",
                tmp / "server.log")
    p.start()
    yield p
    p.stop()


def lobbyq_argv() -> list[str]:
    exe = Path(sys.executable).parent / "lobbyq"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]


def core_available() -> bool:
    try:
        import app.cli  # noqa: F401
        import app.main  # noqa: F401
    except Exception:
        return False
    return True


class Lobbyq(Process):
    """A real `lobbyq serve` plus helpers to drive its API."""

    tokens: dict[str, str]

    def api(self, method: str, path: str, role: str = "admin", **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **kw)

    def ok(self, method: str, path: str, role: str = "admin", **kw):
        r = self.api(method, path, role, **kw)
        assert r.status_code < 300, f"{method} {path} → {r.status_code} {r.text}"
        return r.json() if r.content else None

    def b(self, rest: str = "") -> str:
        return f"/api/v1/branches/{BRANCH}{rest}"


@pytest.fixture
def lobbyq(tmp_path):
    """A fresh server and database per test, with the sample branch and tokens."""
    if not core_available():
        pytest.skip("the core server (app.main, app.cli) is not there yet")
    port = free_port()
    env = {**os.environ,
           "LOBBYQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/lobbyq.db",
           "LOBBYQ_VOICE_CACHE": str(tmp_path / "voice"),
           "PYTHONPATH": str(ROOT)}
    env.pop("LOBBYQ_DEVICES", None)
    out = subprocess.run(lobbyq_argv() + ["token", "create", "--role", "admin"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    admin = out.stdout.strip().splitlines()[-1].strip()
    server = Lobbyq(lobbyq_argv() + ["serve", "--host", "127.0.0.1", "--port", str(port)],
                    env, port, "/healthz", tmp_path / "server.log")
    server.tokens = {"admin": admin}
    server.start()
    try:
        server.ok("PUT", server.b(), json={"code": BRANCH, **LAYOUT})
        for role, name in [("display", "hall"), ("kiosk", "kiosk1"), ("manager", "wang"),
                           ("agent", "agent1"), ("teller", "li"), ("teller2", "zhao")]:
            body = {"role": role.rstrip("2"), "branch": BRANCH, "name": name}
            server.tokens[role] = server.ok("POST", "/api/v1/tokens", json=body)["token"]
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _voice_cache_for_inprocess_tests():
    # In-process tests (TestClient) must never write to the user's real cache.
    with tempfile.TemporaryDirectory() as d:
        old = os.environ.get("LOBBYQ_VOICE_CACHE")
        os.environ["LOBBYQ_VOICE_CACHE"] = d
        yield
        if old is None:
            os.environ.pop("LOBBYQ_VOICE_CACHE", None)
        else:
            os.environ["LOBBYQ_VOICE_CACHE"] = old
