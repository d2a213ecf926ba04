"""Every live page at once across a server restart: each catches up from its
last seq, ends in the server's state, and the hall announces each call once."""

import pytest

from tests.displays.spies import audio_spy, watch_state
from tests.displays.support import BRANCH, page_matches_server, voice_log

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_all_pages_survive_a_server_restart(lobbyq, new_page):
    tickets = [lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"}) for _ in range(3)]
    base, display = lobbyq.base, lobbyq.tokens["display"]

    hall = new_page(1280, 720, init_script=audio_spy(100))
    watch_state(hall)
    hall.goto(f"{base}/screens/{BRANCH}/hall?token={display}")
    window = new_page(800, 300)
    watch_state(window)
    window.goto(f"{base}/screens/{BRANCH}/counter/1?token={display}")
    kiosk = new_page(1280, 720)
    watch_state(kiosk)
    kiosk.goto(f"{base}/kiosk/{BRANCH}?token={lobbyq.tokens['kiosk']}")
    teller = new_page(1280, 720)
    watch_state(teller)
    teller.goto(f"{base}/teller/{BRANCH}")
    teller.fill("#signin-token", lobbyq.tokens["teller"])
    teller.fill("#signin-counter", "1")
    teller.click("#signin button[type=submit]")
    manager = new_page(1400, 800)
    watch_state(manager)
    manager.goto(f"{base}/manager/{BRANCH}")
    manager.fill("#signin-token", lobbyq.tokens["manager"])
    manager.click("#signin button[type=submit]")
    track = new_page(390, 844)
    track.goto(f"{base}/t/{tickets[1]['track_token']}")
    live = [hall, window, kiosk, teller, manager]
    for p in live:
        p.wait_for_function("document.body.dataset.seq !== undefined")

    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")
    hall.wait_for_function("document.querySelector('#latest').textContent.startsWith('A001')", timeout=1000)

    lobbyq.restart()
    lobbyq.ok("POST", lobbyq.b("/counters/1/start"), "agent")
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")  # finishes A001, calls A002
    seq = str(lobbyq.ok("GET", lobbyq.b("/state"), "display")["seq"])

    for p in live:
        p.wait_for_function(f"document.body.dataset.seq === '{seq}'", timeout=20000)
        page_matches_server(p, lobbyq)
    hall.wait_for_function("document.querySelector('#latest').textContent.startsWith('A002')")
    assert window.inner_text("#serving") == "A002"
    assert teller.inner_text("#current-ticket") == "A002"
    assert "A002" in manager.inner_text("#counters tr[data-counter='1']")
    assert "等候 1 人" in kiosk.inner_text(".cat-btn[data-category='personal']")
    track.wait_for_selector("#tr-call:not([hidden])", timeout=5000)

    hall.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 4", timeout=10000)
    hall.wait_for_timeout(500)
    assert voice_log(hall) == ["/voice/zh-CN/A001/1.wav", "/voice/zh-CN/A002/1.wav"]
    for p in live + [track]:
        assert not p.errors, p.errors
