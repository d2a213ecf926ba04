"""Issue #10 item 4: a transfer (转柜) to a closed counter is refused and changes nothing;
to a paused one it is accepted with a warning; the customer's page says which window to
wait for."""

from __future__ import annotations

import copy

from app.rules.vocabulary import CounterState, Refusal
from app.sample_branch import SAMPLE_BRANCH


def test_transfer_target_rule():
    from app.rules.counters import transfer_target

    assert transfer_target(CounterState.OPEN) is None
    assert transfer_target(CounterState.PAUSED) == Refusal.COUNTER_PAUSED
    assert transfer_target(CounterState.CLOSED) == Refusal.COUNTER_CLOSED


async def _serving_at_1(b) -> dict:
    await b.open(1)
    ticket = await b.issue("personal")
    assert (await b.teller(1, "call-next")).json()["id"] == ticket["id"]
    assert (await b.teller(1, "start")).status_code == 200
    return ticket


async def _ticket(b, tid: str) -> dict:
    r = await b.manager("GET", f"/tickets/{tid}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_transfer_to_a_closed_counter_is_refused_and_changes_nothing(api):
    b = await api.branch()  # zh-CN
    ticket = await _serving_at_1(b)
    before = await _ticket(b, ticket["id"])
    seq = (await b.state())["seq"]

    r = await b.teller(1, "transfer", json={"counter": 3})  # counter 3 was never opened
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "counter_closed"
    assert r.json()["message"] == "3号窗口已关闭"
    assert await _ticket(b, ticket["id"]) == before
    state = await b.state()
    assert state["seq"] == seq  # no event
    assert state["counters"][0]["current"]["id"] == ticket["id"]


async def test_transfer_to_a_closed_counter_speaks_english_in_an_english_branch(api):
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["locale"] = "en"
    b = await api.branch(layout)
    await _serving_at_1(b)
    r = await b.teller(1, "transfer", json={"counter": 3})
    assert r.status_code == 409 and r.json() == {"message": "counter 3 is closed", "code": "counter_closed"}


async def test_transfer_to_a_paused_counter_is_accepted_with_a_warning(api):
    b = await api.branch()
    ticket = await _serving_at_1(b)
    await b.open(2)
    assert (await b.teller(2, "pause", json={"reason": "午休"})).status_code == 200

    r = await b.teller(1, "transfer", json={"counter": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "waiting" and body["pinned_counter"] == 2
    assert body["warning"]["code"] == "counter_paused"
    assert "2号窗口" in body["warning"]["message"] and "暂停" in body["warning"]["message"]
    # the warning is the teller's, not part of the ticket's event
    event = (await b.events())[-1]
    assert event["type"] == "ticket.transferred" and "warning" not in event["data"]
    # an open counter: no warning at all
    await b.teller(2, "resume")
    assert (await b.teller(2, "call-next")).json()["id"] == ticket["id"]
    await b.teller(2, "start")
    r = await b.teller(2, "transfer", json={"counter": 1})
    assert r.status_code == 200 and r.json()["warning"] is None


async def test_the_tracking_api_names_the_window_a_pinned_ticket_waits_for(api):
    b = await api.branch()
    await b.open(1)
    ticket = await b.issue("personal")
    await b.teller(1, "call-next")
    await b.open(4)
    await b.teller(1, "transfer", json={"counter": 4})

    r = await api.request("GET", f"/api/v1/track/{ticket['track_token']}")
    assert r.status_code == 200, r.text
    tracked = r.json()
    assert tracked["status"] == "waiting"
    assert tracked["pinned_counter"] == 4 and tracked["pinned_counter_name"] == "4号窗口"
    # not "0 ahead, almost your turn": the queue of its category says nothing about window 4
    assert tracked["ahead"] is None and tracked["wait_minutes"] is None
