"""Every page against a real `lobbyq serve` in Chromium, each with its own role's token:
no request the page makes is refused (no 4xx), and each names an icon the server has,
so a browser's favicon request does not 404 either (issue 10, item 17). The pages' policy is
enforced here (elsewhere tests turn it off for Playwright's own predicates), and a refusal
of it is an error: no page may need an inline script or style (#12)."""

from __future__ import annotations

import pytest

from tests.displays.support import BRANCH, sign_in_manager, sign_in_teller

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def watch(page) -> list[tuple[int, str]]:
    """Every response the page gets, and every request that failed outright."""
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)))
    page.on("requestfailed", lambda r: seen.append((0, f"{r.url} {r.failure}")))
    return seen


def icon_answers(page) -> list[tuple[str, int, str]]:
    """The page's <link rel=icon> and the browser's habitual /favicon.ico, fetched as the
    browser would: (address, status, content type)."""
    return page.evaluate(
        """async () => {
          const links = [...document.querySelectorAll('link[rel~="icon"]')].map(l => l.href);
          const out = [];
          for (const url of [...links, new URL('/favicon.ico', location.href).href]) {
            const r = await fetch(url);
            out.push([url, r.status, r.headers.get('content-type') || '']);
          }
          return out;
        }"""
    )


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def check(page, seen, what: str) -> None:
    icons = icon_answers(page)
    assert len(icons) >= 2, f"{what}: no <link rel=icon>"
    assert all(status == 200 and "image/" in ctype for _, status, ctype in icons), (what, icons)
    settle(page)
    refused = [(status, url) for status, url in seen if status == 0 or status >= 400]
    assert refused == [], (what, refused)
    assert not page.errors, (what, page.errors)


def test_device_pages_load_without_a_refused_request(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/1/open"), "teller")
    issued = lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    display, kiosk = lobbyq.tokens["display"], lobbyq.tokens["kiosk"]
    for what, path, selector in [
        ("hall", f"/screens/{BRANCH}/hall?token={display}", "body[data-seq]"),
        ("window", f"/screens/{BRANCH}/counter/1?token={display}", "body[data-seq]"),
        ("kiosk", f"/kiosk/{BRANCH}?token={kiosk}", ".cat-btn[data-category='personal']"),
        ("track", f"/t/{issued['track_token']}", "#tr-number"),
        ("book", f"/book/{BRANCH}", "#bk-branch:not(:empty)"),
    ]:
        page = new_page(1280, 800, enforce_csp=True)
        seen = watch(page)
        page.goto(lobbyq.base + path)
        page.wait_for_selector(selector, state="attached")
        check(page, seen, what)


def test_staff_pages_load_without_a_refused_request(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})

    page = new_page(1366, 768, enforce_csp=True)
    seen = watch(page)
    sign_in_teller(page, lobbyq)
    page.keyboard.press("F1")
    page.wait_for_selector("#current-ticket:text-is('A001')")
    check(page, seen, "teller")

    page = new_page(1600, 900, enforce_csp=True)
    seen = watch(page)
    sign_in_manager(page, lobbyq)
    page.wait_for_selector("#devices", state="attached")
    check(page, seen, "manager")
    page.click("#reports-link")  # the sign-in carries over to the reports (same tab)
    page.wait_for_selector("body[data-loaded]")
    check(page, seen, "reports")
    page.goto(f"{lobbyq.base}/cash/{BRANCH}")  # the cash list, signed in the same way
    page.wait_for_selector("body[data-loaded]")
    check(page, seen, "cash")

    page = new_page(390, 844, enforce_csp=True)
    seen = watch(page)
    page.goto(f"{lobbyq.base}/manager/{BRANCH}/phone")
    page.fill("#signin-token", lobbyq.tokens["manager"])
    page.click("#signin button[type=submit]")
    page.wait_for_selector(".phone-none")
    check(page, seen, "manager phone")
