"""The hall screen against a scripted stream: the announcement queue under a
burst, dedupe and resume after 4408 / drops, snapshot after a long gap."""

import json

import pytest

from tests.displays.fake_stream import FakeStream, base_state
from tests.displays.spies import audio_spy
from tests.displays.support import BRANCH, LAYOUT, assert_denied_full_screen

pytestmark = pytest.mark.browser


def open_hall(pages_server, new_page, clip_ms=150):
    page = new_page(1920, 1080, init_script=audio_spy(clip_ms))
    stream = FakeStream(base_state(LAYOUT, BRANCH))
    stream.attach(page, BRANCH)
    page.goto(f"{pages_server.base}/screens/{BRANCH}/hall?token=disp-token")
    page.wait_for_function("document.body.dataset.seq === '0'")
    return page, stream


def phrases(page):
    """The voice clips played, in order, and whether any two overlapped."""
    log = page.evaluate("window.__audio")
    plays = [e for e in log if e["ev"] == "play"]
    overlap = any(log[i]["ev"] == "play" and log[i + 1]["ev"] == "play" for i in range(len(log) - 1))
    return [p["src"] for p in plays], overlap


def test_token_is_kept_and_removed_from_the_address_bar(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    assert "token" not in page.url
    assert page.evaluate(f"localStorage.getItem('lobbyq:display:{BRANCH}')") == "disp-token"
    assert stream.connections[0]["token"] == "disp-token" and "after" not in stream.connections[0]
    assert "token=" not in stream.ws.url  # offered as a subprotocol, not in the URL


def test_burst_of_five_calls_is_announced_in_order_without_cutting_off(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page, clip_ms=300)
    calls = [("A001", 1), ("A002", 2), ("B001", 3), ("A003", 4), ("C001", 5)]
    for number, counter in calls:  # five calls within one second
        stream.call(number, "personal", counter)
        page.wait_for_timeout(180)
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 10", timeout=15000)
    srcs, overlap = phrases(page)
    expected = []
    for number, counter in calls:
        expected += ["/voice/chime.wav", f"/voice/zh-CN/{number}/{counter}.wav"]
    assert srcs == expected
    assert not overlap, "a clip started before the previous one ended"
    assert page.inner_text("#latest").replace("\n", "").startswith("C001")


def test_reconnect_after_4408_resumes_without_repeat_or_loss(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    stream.call("A001", "personal", 1)
    page.wait_for_function("document.body.dataset.seq === '1'")
    stream.close(4408)  # too slow: the server dropped us
    stream.call("A002", "personal", 2, send=False)  # made while we were away
    page.wait_for_function("document.body.dataset.seq === '2'", timeout=10000)
    assert stream.connections[-1]["after"] == "1"
    stream.call("A003", "personal", 3)
    # A duplicate of an event already applied is ignored.
    stream.ws.send(json.dumps(stream.events[1]))
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 6", timeout=10000)
    page.wait_for_timeout(500)
    srcs, _ = phrases(page)
    assert [s for s in srcs if "chime" not in s] == [
        "/voice/zh-CN/A001/1.wav",
        "/voice/zh-CN/A002/2.wav",
        "/voice/zh-CN/A003/3.wav",
    ]


def test_a_gap_in_seq_makes_the_page_ask_for_the_missed_events(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    stream.call("A001", "personal", 1, send=False)
    stream.call("A002", "personal", 2)  # seq 2 arrives, seq 1 never did
    page.wait_for_function("document.body.dataset.seq === '2'", timeout=10000)
    assert stream.connections[-1].get("after") == "0"
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 4", timeout=10000)
    srcs, _ = phrases(page)
    assert [s for s in srcs if "chime" not in s] == ["/voice/zh-CN/A001/1.wav", "/voice/zh-CN/A002/2.wav"]


def test_snapshot_after_a_long_gap_replaces_state_and_announces_missed_calls(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    stream.call("A001", "personal", 1)
    page.wait_for_function("document.body.dataset.seq === '1'")
    # The server forgot the old events: the page gets a snapshot holding the calls it missed.
    state = base_state(LAYOUT, BRANCH)
    state["seq"] = 40
    state["recent_calls"] = [
        {
            "seq": 40,
            "type": "ticket.called",
            "number": "A010",
            "counter": 2,
            "category": "personal",
            "at": "2099-01-01T10:00:02+08:00",
        },
        {
            "seq": 39,
            "type": "ticket.called",
            "number": "A009",
            "counter": 1,
            "category": "personal",
            "at": "2099-01-01T10:00:01+08:00",
        },
    ]
    state["counters"][1]["state"] = "paused"
    stream.state, stream.events, stream.replay_from = state, [], 38
    stream.close(1012)
    page.wait_for_function("document.body.dataset.seq === '40'", timeout=10000)
    page.wait_for_function("window.__audio.filter(e => e.ev === 'end').length === 6", timeout=10000)
    srcs, _ = phrases(page)
    assert [s for s in srcs if "chime" not in s] == [
        "/voice/zh-CN/A001/1.wav",
        "/voice/zh-CN/A009/1.wav",
        "/voice/zh-CN/A010/2.wav",
    ]
    assert "暂停服务" in page.inner_text('.tile[data-counter="2"]')


def wait_until(page, predicate, timeout_ms=5000):
    """Poll a Python-side condition while Playwright delivers the page's messages."""
    for _ in range(timeout_ms // 50):
        if predicate():
            return True
        page.wait_for_timeout(50)
    return predicate()


SILENCE_LIMIT_MS = 30_000  # stream.js's SILENCE_MS; the page's clock is driven by the test


def test_pings_are_answered_and_silence_means_reconnect(pages_server, new_page):
    page = new_page(1280, 720)
    page.clock.install()
    stream = FakeStream(base_state(LAYOUT, BRANCH))
    stream.attach(page, BRANCH)
    page.goto(f"{pages_server.base}/screens/{BRANCH}/hall?token=disp-token")
    page.wait_for_function("document.body.dataset.seq === '0'")
    stream.ws.send(json.dumps({"type": "ping"}))
    assert wait_until(page, lambda: stream.received)
    assert json.loads(stream.received[-1]) == {"type": "pong"}
    stream.call("A001", "personal", 1)
    # Keep the line alive with pings for longer than the silence limit: no reconnect.
    for _ in range(4):
        page.clock.fast_forward(SILENCE_LIMIT_MS * 2 // 3)
        pongs = len(stream.received)
        stream.ws.send(json.dumps({"type": "ping"}))
        assert wait_until(page, lambda pongs=pongs: len(stream.received) > pongs)
    assert len(stream.connections) == 1
    # Then total silence: the page gives up on this socket and resumes after seq 1.
    page.clock.fast_forward(SILENCE_LIMIT_MS + 1000)
    assert wait_until(page, lambda: len(stream.connections) == 2)
    assert stream.connections[1]["after"] == "1"


def test_a_refused_token_covers_the_screen_with_what_to_do(pages_server, new_page):
    """Issue #10 item 11: a wrong, expired or revoked token (close 4401) is a full-screen
    message a technician reads from across the hall, not a small banner."""
    page, stream = open_hall(pages_server, new_page)
    stream.close(4401)
    address = f"{pages_server.base}/screens/{BRANCH}/hall"
    assert_denied_full_screen(page, address, "显示令牌无效", "Display token rejected")
    assert "4401" in page.inner_text("#denied-screen")


def test_another_branchs_token_and_no_token_cover_the_screen(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    stream.close(4403)
    address = f"{pages_server.base}/screens/{BRANCH}/hall"
    assert_denied_full_screen(page, address, "显示令牌不属于本网点", "Display token is for another branch")
    bare = new_page(1280, 720)
    bare.goto(f"{pages_server.base}/screens/other/hall")
    assert_denied_full_screen(bare, f"{pages_server.base}/screens/other/hall", "缺少显示令牌", "No display token")
    assert "token" in bare.inner_text("#status-banner")


def test_a_stream_refused_before_it_opens_asks_the_snapshot(pages_server, new_page):
    """A proxy may refuse the websocket before the server can close it with 4401: the
    screen then asks GET …/state, and its 401 says the token is the reason."""
    page = new_page(1920, 1080)
    page.route_web_socket(f"**/api/v1/branches/{BRANCH}/stream*", lambda ws: ws.close(code=1011))
    page.route(
        f"**/api/v1/branches/{BRANCH}/state",
        lambda route: route.fulfill(
            status=401, json={"message": "unknown or revoked token", "code": "unauthenticated"}
        ),
    )
    page.goto(f"{pages_server.base}/screens/{BRANCH}/hall?token=revoked-token")
    address = f"{pages_server.base}/screens/{BRANCH}/hall"
    assert_denied_full_screen(page, address, "显示令牌无效", "Display token rejected")
    assert "revoked-token" not in page.inner_text("body")


def test_the_message_goes_when_the_stream_is_live_again(pages_server, new_page):
    page, stream = open_hall(pages_server, new_page)
    page.clock.install()
    stream.close(4401)
    page.wait_for_selector("#denied-screen:not([hidden])")
    page.clock.fast_forward(61_000)  # the screen retries a refused token every minute
    assert wait_until(page, lambda: len(stream.connections) == 2)
    stream.call("A001", "personal", 1)  # accepted this time: the stream speaks
    page.wait_for_selector("#denied-screen", state="hidden", timeout=10000)
