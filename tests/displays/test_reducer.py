"""The pure JS state reducer, unit-tested in real Chromium."""

import pytest

pytestmark = pytest.mark.browser


def test_reducer_unit_tests_pass_in_chromium(pages_server, new_page):
    page = new_page(800, 600)
    page.goto(pages_server.base + "/displays/test/reducer")
    page.wait_for_function("window.__results !== undefined")
    results = page.evaluate("window.__results")
    assert len(results) >= 10
    failed = [r for r in results if not r["ok"]]
    assert not failed, "\n".join(f"{r['name']}: {r['error']}" for r in failed)
    assert not page.errors
