"""Hall and window screens against a real `lobbyq serve`: live within a second,
voice in order, and a server restart loses and repeats nothing."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.displays.spies import audio_spy, watch_state
from tests.displays.support import BRANCH, assert_denied_full_screen, page_matches_server, screenshot, voice_log

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_counters(server, numbers):
    for n in numbers:
        server.ok("POST", server.b(f"/counters/{n}/open"), "manager")


def issue(server, category="personal", n=1):
    return [server.ok("POST", server.b("/tickets"), "kiosk", json={"category": category}) for _ in range(n)]


def test_hall_live_calls_voice_burst_and_screenshot(lobbyq, new_page):
    open_counters(lobbyq, [1, 2, 3, 4, 5])
    issue(lobbyq, "personal", 6)
    issue(lobbyq, "corporate", 2)
    issue(lobbyq, "wealth", 1)
    lobbyq.ok("POST", lobbyq.b("/counters/6/open"), "manager")
    lobbyq.ok("POST", lobbyq.b("/counters/6/pause"), "manager", json={"reason": "午餐"})

    page = new_page(1920, 1080, init_script=audio_spy(250))
    watch_state(page)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token={lobbyq.tokens['display']}")
    page.wait_for_selector(".tile[data-counter='6']")
    assert "token=" not in page.url
    # the stream's token goes as a subprotocol, out of the URL a proxy would log (#12)
    assert sockets and not any(lobbyq.tokens["display"] in url for url in sockets), sockets

    # One call over HTTP is on screen within a second.
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")
    t0 = time.monotonic()
    page.wait_for_function("document.querySelector('#latest').textContent.startsWith('A001')", timeout=1000)
    assert time.monotonic() - t0 < 1.0

    # A burst: five calls at once from five counters (one of them a recall),
    # announced once each, in the order of their events.
    def act(n):
        path = f"/counters/{n}/recall" if n == 1 else f"/counters/{n}/call-next"
        return lobbyq.ok("POST", lobbyq.b(path), "agent")

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(act, [2, 3, 4, 5, 1]))
    events = lobbyq.ok("GET", lobbyq.b("/events?after=0"), "display")["events"]
    calls = [
        (e["data"]["number"], e["data"]["counter"]) for e in events if e["type"] in ("ticket.called", "ticket.recalled")
    ]
    assert len(calls) == 6
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 12", timeout=15000)
    assert voice_log(page) == [f"/voice/zh-CN/{num}/{n}.wav" for num, n in calls]

    assert "暂停服务" in page.inner_text(".tile[data-counter='6']")
    assert "B001" in page.inner_text(".tile[data-counter='3']")
    page_matches_server(page, lobbyq)
    page.wait_for_timeout(3200)  # let the blink settle for a clean picture
    screenshot(page, "hall")
    assert not page.errors


def test_hall_survives_a_server_restart(lobbyq, new_page):
    open_counters(lobbyq, [1, 2])
    issue(lobbyq, "personal", 4)
    page = new_page(1920, 1080, init_script=audio_spy(100))
    watch_state(page)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token={lobbyq.tokens['display']}")
    page.wait_for_selector(".tile[data-counter='1']")
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")
    page.wait_for_function("document.querySelector('#latest').textContent.startsWith('A001')", timeout=1000)

    lobbyq.restart()
    # Calls made right after the restart, possibly before the page is back.
    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "agent")
    lobbyq.ok("POST", lobbyq.b("/counters/1/start"), "agent")
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")
    page.wait_for_function("document.querySelector('#latest').textContent.startsWith('A003')", timeout=20000)
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 6", timeout=10000)
    page.wait_for_timeout(500)
    assert voice_log(page) == ["/voice/zh-CN/A001/1.wav", "/voice/zh-CN/A002/2.wav", "/voice/zh-CN/A003/1.wav"]
    page_matches_server(page, lobbyq)
    assert page.get_attribute("#status-banner", "hidden") is not None
    assert not page.errors


def test_window_screen_follows_its_counter(lobbyq, new_page):
    open_counters(lobbyq, [3])
    issue(lobbyq, "corporate", 1)
    page = new_page(1280, 480)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/counter/3?token={lobbyq.tokens['display']}")
    page.wait_for_function("document.body.dataset.seq !== undefined")
    lobbyq.ok("POST", lobbyq.b("/counters/3/call-next"), "agent")
    page.wait_for_function("document.querySelector('#serving').textContent === 'B001'", timeout=1000)
    page.wait_for_timeout(3200)
    screenshot(page, "window")
    lobbyq.ok("POST", lobbyq.b("/counters/3/finish"), "agent")
    lobbyq.ok("POST", lobbyq.b("/counters/3/pause"), "agent", json={"reason": "午餐"})
    page.wait_for_function("document.querySelector('#serving').textContent === '暂停服务'", timeout=1000)
    assert page.inner_text("#serving-hint") == "午餐"
    screenshot(page, "window-paused")
    assert not page.errors


BIG_LINE = """() => {
  const el = document.querySelector('#latest');
  return el.classList.contains('empty') ? '' : el.textContent.split('→')[0].trim();
}"""


def big_line(page) -> str:
    """The number on the big "正在叫号" line ('' when it shows none)."""
    return page.evaluate(BIG_LINE)


def lines(page) -> list[str]:
    """Every number the calls section shows: the big line's, then the list's."""
    listed = page.eval_on_selector_all("#recent li", "els => els.map(e => e.firstElementChild.textContent)")
    return [n for n in [big_line(page)] if n] + listed


def test_hall_shows_live_calls_only_and_each_ticket_once(lobbyq, new_page):
    """Issue #10 item 3: after A001's no-show and window 1's pause the big line no longer says
    "A001 → 1号窗口", and a recalled ticket is one line, at the top (docs/state-fold.md)."""
    open_counters(lobbyq, [1, 2, 3])
    issue(lobbyq, "personal", 6)
    page = new_page(1920, 1080, init_script=audio_spy(50))
    watch_state(page)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token={lobbyq.tokens['display']}")
    page.wait_for_selector(".tile[data-counter='3']")

    def wait_big(number: str) -> None:
        page.wait_for_function(f"({BIG_LINE})() === {number!r}", timeout=5000)

    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")  # A001 → 1
    wait_big("A001")
    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "agent")  # A002 → 2
    wait_big("A002")
    lobbyq.ok("POST", lobbyq.b("/counters/2/finish"), "agent")
    wait_big("A001")  # A002 is over: the previous live call shows again
    lobbyq.ok("POST", lobbyq.b("/counters/1/skip"), "agent")  # A001 does not come
    lobbyq.ok("POST", lobbyq.b("/counters/1/pause"), "agent", json={"reason": "午餐"})
    wait_big("")
    assert page.inner_text("#latest") == "暂无叫号"
    assert "A001" not in lines(page)  # the no-show left the list too
    assert lines(page) == ["A002"]  # finished a moment ago: still listed, not live
    assert "暂停服务" in page.inner_text(".tile[data-counter='1']")

    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "agent")  # A003 → 2
    lobbyq.ok("POST", lobbyq.b("/counters/3/call-next"), "agent")  # A004 → 3
    lobbyq.ok("POST", lobbyq.b("/counters/1/resume"), "agent")
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "agent")  # A005 → 1
    lobbyq.ok("POST", lobbyq.b("/counters/3/start"), "agent")
    wait_big("A005")
    lobbyq.ok("POST", lobbyq.b("/counters/2/recall"), "agent")  # A003 again
    wait_big("A003")
    lobbyq.ok("POST", lobbyq.b("/counters/1/recall"), "agent")  # A005 again
    wait_big("A005")
    page.wait_for_timeout(300)
    assert lines(page) == ["A005", "A003", "A004", "A002"]  # each once, latest call first
    assert page.inner_text("#latest").replace("\n", "") == "A005→1号窗口"
    page_matches_server(page, lobbyq)
    state = lobbyq.ok("GET", lobbyq.b("/state"), "display")
    assert [(c["number"], c["status"]) for c in state["recent_calls"]] == [
        ("A005", "called"),
        ("A003", "called"),
        ("A004", "serving"),
        ("A002", "done"),
    ]
    page.wait_for_timeout(3200)  # let the blink settle for a clean picture
    screenshot(page, "hall-live-calls")
    assert not page.errors


def test_hall_with_a_wrong_token_says_so_across_the_hall(lobbyq, new_page):
    """Issue #10 item 11: the real server refuses the token (close 4401): the whole screen
    says what is wrong and what to do, in both languages, with the screen's own address."""
    page = new_page(1920, 1080)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token=not-a-real-token")
    address = f"{lobbyq.base}/screens/{BRANCH}/hall"
    assert_denied_full_screen(page, address, "显示令牌无效", "Display token rejected")
    assert "not-a-real-token" not in page.inner_text("body")
    screenshot(page, "hall-denied")
    assert not page.errors


def test_hall_shows_each_categorys_estimate_and_follows_a_counter_opening(lobbyq, new_page):
    """The per-category line tells a newcomer the wait for a ticket taken now, and a second
    counter opening for the category shortens it on screen (docs/domain.md, estimated wait)."""
    open_counters(lobbyq, [1])
    issue(lobbyq, "personal", 6)
    page = new_page(1920, 1080)
    page.goto(f"{lobbyq.base}/screens/{BRANCH}/hall?token={lobbyq.tokens['display']}&estimate_every_ms=300")
    line = "#waiting-strip [data-category='personal']"
    page.wait_for_selector(f"{line} .estimate")
    # six ahead of a new ticket, one counter, 300 s each until service times are learned
    assert "预计等候 30 分钟" in page.inner_text(line)
    assert page.locator("#waiting-strip [data-category='fx'] .estimate").count() == 0  # nobody waits there
    lobbyq.ok("POST", lobbyq.b("/counters/2/open"), "manager")  # serves personal first too
    page.wait_for_function(f"document.querySelector(\"{line}\").textContent.includes('预计等候 15 分钟')", timeout=5000)
    screenshot(page, "hall-estimates")
    assert not page.errors
