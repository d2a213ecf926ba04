"""An English branch: the hall switches language live on branch.updated, and the
voice it asks for is the English phrase, rendered by the real server."""

import io
import wave

import httpx
import pytest

from tests.displays.spies import audio_spy, watch_state
from tests.displays.support import BRANCH, LAYOUT, page_matches_server, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_english_hall_and_voice(lobbyq, new_page):
    lobbyq.ok("POST", lobbyq.b("/counters/2/open"), "manager")
    lobbyq.ok("POST", lobbyq.b("/counters/4/open"), "manager")
    lobbyq.ok("POST", lobbyq.b("/counters/4/pause"), "manager", json={"reason": "Lunch"})
    for _ in range(3):
        lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "wealth"})
    page = new_page(1920, 1080, init_script=audio_spy(100))
    watch_state(page)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token={lobbyq.tokens['display']}")
    page.wait_for_selector(".tile[data-counter='1']")
    assert "正在叫号" in page.inner_text("body")

    layout = {
        **LAYOUT,
        "code": BRANCH,
        "name": "Jing'an Branch",
        "locale": "en",
        "categories": [
            {"code": "personal", "name": "Personal", "prefix": "A"},
            {"code": "corporate", "name": "Business", "prefix": "B"},
            {"code": "wealth", "name": "Wealth", "prefix": "C"},
        ],
        "counters": [{**c, "name": f"Counter {c['number']}"} for c in LAYOUT["counters"]],
    }
    lobbyq.ok("PUT", lobbyq.b(), json=layout)
    page.wait_for_function("document.querySelector('h2').textContent === 'Now calling'", timeout=2000)
    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "agent")
    page.wait_for_function("document.querySelector('#latest').textContent.includes('Counter 2')", timeout=1000)
    assert "Paused" in page.inner_text(".tile[data-counter='4']")
    assert "Wealth 2 waiting" in page.inner_text("#waiting-strip").replace("\n", " ")
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 2", timeout=5000)
    srcs = [e["src"] for e in page.evaluate("window.__audio") if e["ev"] == "play"]
    assert srcs == ["/voice/chime.wav", "/voice/en/C001/2.wav"]
    fits = page.evaluate(
        "(() => { const e = document.querySelector('#latest'); return e.scrollWidth <= e.clientWidth; })()"
    )
    assert fits, "the latest call overflows its box"
    page.wait_for_timeout(3200)
    screenshot(page, "hall-en")

    page_matches_server(page, lobbyq)  # exact after the layout change too
    wav = httpx.get(lobbyq.base + "/voice/en/C001/2.wav", timeout=30)
    assert wav.status_code == 200
    with wave.open(io.BytesIO(wav.content)) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    assert not page.errors
