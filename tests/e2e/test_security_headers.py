"""The browser keeps lobbyq's pages to themselves (#12): no framing, no referrer (a tracking
link's code is in its path), no sniffing, a Content-Security-Policy on every page that
allows no inline script or style, and no cross-origin access (CORS closed)."""

from __future__ import annotations

import pytest

from app.api.security_headers import PAGE_POLICY

PAGES = ["/screens/sjm01/hall", "/kiosk/sjm01", "/teller/sjm01", "/manager/sjm01", "/reports/sjm01", "/reports"]


@pytest.fixture
async def branch(api):
    return await api.branch()


async def test_every_page_carries_the_policy_and_the_headers(api, branch):
    issued = await branch.issue("personal")
    for path in [*PAGES, f"/t/{issued['track_token']}"]:
        r = await api.request("GET", path)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == PAGE_POLICY, path
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]
        assert (r.headers["x-frame-options"], r.headers["referrer-policy"]) == ("DENY", "no-referrer"), path
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_the_api_answers_carry_them_and_the_reference_keeps_its_own_policy(api, branch):
    r = await api.request("GET", "/api/v1/branches/sjm01/state", api.admin)
    assert (r.headers["x-frame-options"], r.headers["referrer-policy"]) == ("DENY", "no-referrer")
    docs = await api.request("GET", "/docs")
    assert docs.headers["content-security-policy"] != PAGE_POLICY  # Swagger UI runs an inline script


async def test_cors_is_closed_to_other_origins(api, branch):
    preflight = await api.request(
        "OPTIONS",
        "/api/v1/branches/sjm01/tickets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    r = await api.request("GET", "/api/v1/branches/sjm01/state", api.admin, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
