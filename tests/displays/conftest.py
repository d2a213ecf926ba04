"""Fixtures for the display tests: headless Chromium, a pages-only server, and a
real `lobbyq serve` with a branch laid out and one token per role."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from drivers.simulators.printer import PrinterSim
from tests.displays.support import (
    BRANCH,
    CHROMIUM,
    CHROMIUM_ARGS,
    LAYOUT,
    ROOT,
    Lobbyq,
    Process,
    core_available,
    free_port,
    lobbyq_argv,
)

# ---------------------------------------------------------------- browser


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        from tests.support.services import require

        require("browser")  # in CI a missing browser fails instead of skipping
        pytest.skip("needs /usr/bin/chromium (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """new_page(width, height, init_script=None, enforce_csp=False) → a page in its own context."""
    contexts = []

    def make(width=1920, height=1080, init_script=None, enforce_csp=False, **kw):
        # Playwright's string predicates (wait_for_function) evaluate code, which the pages'
        # policy forbids: tests run with it off, except those that check the policy itself.
        ctx = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=not enforce_csp, **kw)
        if init_script:
            ctx.add_init_script(init_script)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        # What the pages' Content-Security-Policy refused (an inline style, a foreign
        # script) is an error too: Chromium reports it on the console.
        page.on(
            "console",
            lambda m: page.errors.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
        )
        return page

    yield make
    for c in contexts:
        c.close()


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="package")
def pages_server(tmp_path_factory):
    """Only the displays router (pages against a scripted stream): no core needed."""
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    env = {**os.environ, "LOBBYQ_VOICE_CACHE": str(tmp / "voice"), "PYTHONPATH": str(ROOT)}
    p = Process(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tests.displays.pages_app:make",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env,
        port,
        "/voice/chime.wav",
        tmp / "server.log",
    )
    p.start()
    yield p
    p.stop()


@pytest.fixture
def lobbyq(tmp_path):
    """A fresh server and database per test, with the sample branch and tokens."""
    if not core_available():
        pytest.skip("the core server (app.main, app.cli) is not there yet")
    port = free_port()
    env = {
        **os.environ,
        "LOBBYQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/lobbyq.db",
        "LOBBYQ_VOICE_CACHE": str(tmp_path / "voice"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("LOBBYQ_DEVICES", None)
    out = subprocess.run(
        lobbyq_argv() + ["token", "create", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    admin = out.stdout.strip().splitlines()[-1].strip()
    server = Lobbyq(
        lobbyq_argv() + ["serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        port,
        "/healthz",
        tmp_path / "server.log",
    )
    server.tokens = {"admin": admin}
    server.start()
    try:
        server.ok("PUT", server.b(), json={"code": BRANCH, **LAYOUT})
        for role, name in [
            ("display", "hall"),
            ("kiosk", "kiosk1"),
            ("manager", "wang"),
            ("agent", "agent1"),
            ("teller", "li"),
            ("teller2", "zhao"),
        ]:
            body = {"role": role.rstrip("2"), "branch": BRANCH, "name": name}
            server.tokens[role] = server.ok("POST", "/api/v1/tokens", json=body)["token"]
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package", autouse=True)
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


@pytest.fixture
def printer():
    """A simulated kiosk printer on a pseudo-terminal (its link path kept short)."""
    with tempfile.TemporaryDirectory(prefix="lq-") as d:
        sim = PrinterSim(os.path.join(d, "prn"), baudrate=19200, png=False).start()
        yield sim
        sim.stop()
