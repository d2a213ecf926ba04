"""/docs and /redoc on an intranet with no way out (issue 10, item 13): real Chromium with
every request to anything but the server aborted still renders Swagger UI, whose
Authorize button takes a bearer token that "Try it out" then sends."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

from tests.displays.support import ROOT, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def offline(page, base: str) -> list[str]:
    """Abort every request that leaves the server; the list of those that tried."""
    ours = urlparse(base).netloc
    left: list[str] = []

    def route(r):
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob") or url.netloc == ours:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return left


def test_swagger_ui_renders_offline_and_authorize_sends_the_token(lobbyq, new_page):
    page = new_page(1366, 900, enforce_csp=True)  # the reference pages keep the CDN out by their policy
    left = offline(page, lobbyq.base)
    page.goto(f"{lobbyq.base}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() >= 35
    page.wait_for_timeout(500)
    path = screenshot(page, "api-docs")
    shutil.copy(path, ROOT / "displays" / "screenshots" / "api-docs.png")

    page.click(".swagger-ui button.authorize")
    page.fill(".swagger-ui .auth-container input", lobbyq.tokens["manager"])
    page.click(".swagger-ui .auth-btn-wrapper button.authorize")
    page.click(".swagger-ui .btn-done")
    op = page.locator(".swagger-ui .opblock-get:has([data-path='/api/v1/branches'])").first
    op.locator(".opblock-summary").click()
    op.locator("button.try-out__btn").click()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/branches")) as answer:
        op.locator("button.execute").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["authorization"] == f"Bearer {lobbyq.tokens['manager']}"
    assert left == [], left
    assert not page.errors


def test_redoc_renders_offline(lobbyq, new_page):
    page = new_page(1366, 900, enforce_csp=True)  # the reference pages keep the CDN out by their policy
    left = offline(page, lobbyq.base)
    page.goto(f"{lobbyq.base}/redoc")
    page.wait_for_selector("h1:has-text('lobbyq')", timeout=15_000)
    page.wait_for_selector("h2:has-text('Issue a ticket')", timeout=15_000)
    page.wait_for_timeout(500)
    shutil.copy(screenshot(page, "api-redoc"), ROOT / "displays" / "screenshots" / "api-redoc.png")
    assert left == [], left
