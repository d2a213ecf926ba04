"""Shared pieces of the display tests: the sample branch, server processes, screenshots,
and checks that a page's state equals the server's."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


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


def voice_log(page) -> list[str]:
    """The phrases (not chimes) the page played, in order (needs spies.audio_spy)."""
    return [e["src"] for e in page.evaluate("window.__audio") if e["ev"] == "play" and "chime" not in e["src"]]


def page_matches_server(page, server: Lobbyq) -> None:
    """The state the page folded from events equals a fresh snapshot (needs spies.watch_state)."""
    mine = page.evaluate("window.__state")
    theirs = server.ok("GET", server.b("/state"), "display")
    assert mine["seq"] == theirs["seq"]
    assert [t["number"] for t in mine["waiting"]] == [t["number"] for t in theirs["waiting"]]
    assert [(c["number"], c["state"], (c["current"] or {}).get("number"), c["waiting"]) for c in mine["counters"]] == [
        (c["number"], c["state"], (c["current"] or {}).get("number"), c["waiting"]) for c in theirs["counters"]
    ]
    assert [c["waiting"] for c in mine["categories"]] == [c["waiting"] for c in theirs["categories"]]
    assert [(c["number"], c["type"]) for c in mine["recent_calls"]] == [
        (c["number"], c["type"]) for c in theirs["recent_calls"]
    ]


def assert_denied_full_screen(page, address: str, title_zh: str, title_en: str) -> None:
    """A refused display screen is covered, edge to edge, by what is wrong and what to do in
    both languages, in letters readable across a hall, and its address without the token."""
    page.wait_for_selector("#denied-screen:not([hidden])", timeout=10000)
    size = page.viewport_size
    assert page.locator("#denied-screen").bounding_box() == {"x": 0, "y": 0, **size}
    # Nothing of the screen shows through: the middle and the corners are the message's.
    for x, y in [(size["width"] // 2, size["height"] // 2), (5, 5), (size["width"] - 5, size["height"] - 5)]:
        assert page.evaluate(f"document.elementFromPoint({x}, {y}).closest('#denied-screen') !== null")
    text = page.inner_text("#denied-screen")
    assert f"{title_zh} — 请联系技术人员" in text and f"{title_en} — call a technician" in text
    assert page.inner_text("#denied-screen .denied-url") == address
    title_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.denied-title')).fontSize)")
    assert title_px >= size["width"] / 20  # ~100 px letters on a 1920-wide hall screen


def sign_in_teller(page, server: Lobbyq, counter: int = 1, token: str = "teller") -> None:
    """Sign a teller console in at ``counter`` and wait for it to follow the stream."""
    page.goto(f"{server.base}/teller/{BRANCH}")
    page.fill("#signin-token", server.tokens[token])
    page.fill("#signin-counter", str(counter))
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#console:not([hidden])")
    page.wait_for_selector("body[data-seq]", state="attached")


def sign_in_manager(page, server: Lobbyq) -> None:
    """Sign the manager dashboard in."""
    page.goto(f"{server.base}/manager/{BRANCH}")
    page.fill("#signin-token", server.tokens["manager"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#dashboard:not([hidden])")
