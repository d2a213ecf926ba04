"""The ticket state machine of docs/domain.md through the HTTP API, on each database.

Every illegal transition is a 409 whose message names the ticket's current state and
changes nothing (no event either); queue time is kept or reset exactly as §2 says.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.rules.messages import word


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def ticket(b, tid: str) -> dict:
    r = await b.manager("GET", f"/tickets/{tid}")
    assert r.status_code == 200, r.text
    return r.json()


async def refused(b, response, state: str, tid: str | None = None, before: dict | None = None) -> None:
    """409, a message naming the current state (in the branch's language), and the ticket untouched."""
    assert response.status_code == 409, response.text
    message = response.json()["message"]
    assert word(state, "zh-CN") in message, message
    if tid is not None and before is not None:
        assert await ticket(b, tid) == before


async def test_illegal_transitions_are_409_naming_the_state(api):
    b = await api.branch()
    await b.open(1)
    a = await b.issue("personal")
    second = await b.issue("personal")

    # requeue a waiting ticket
    seq = (await b.state())["seq"]
    await refused(
        b,
        await b.manager("POST", f"/tickets/{a['id']}/requeue", json={"keep_place": True}),
        "waiting",
        a["id"],
        await ticket(b, a["id"]),
    )

    # called: cancel refused; call-next refused while it is only called; skip is allowed later
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]
    called = await ticket(b, a["id"])
    await refused(b, await b.manager("POST", f"/tickets/{a['id']}/cancel"), "called", a["id"], called)
    r = await b.teller(1, "call-next")
    await refused(b, r, "called", a["id"], called)
    assert (await ticket(b, second["id"]))["status"] == "waiting"
    # calling another chosen ticket over a merely called one is refused the same way
    await refused(b, await b.teller(1, f"call/{second['id']}"), "called", a["id"], called)

    # serving: skip (no-show) and recall need `called`
    assert (await b.teller(1, "start")).json()["status"] == "serving"
    serving = await ticket(b, a["id"])
    await refused(b, await b.teller(1, "skip"), "serving", a["id"], serving)
    await refused(b, await b.teller(1, "recall"), "serving", a["id"], serving)
    await refused(b, await b.teller(1, "start"), "serving", a["id"], serving)

    # done: start, finish, cancel, requeue, call it again, priority change
    assert (await b.teller(1, "finish")).json()["status"] == "done"
    done = await ticket(b, a["id"])
    seq = (await b.state())["seq"]
    await refused(b, await b.teller(1, "start"), "done", a["id"], done)
    await refused(b, await b.teller(1, "finish"), "done", a["id"], done)
    await refused(b, await b.teller(1, "postpone"), "done", a["id"], done)
    await refused(b, await b.manager("POST", f"/tickets/{a['id']}/cancel"), "done", a["id"], done)
    await refused(b, await b.manager("POST", f"/tickets/{a['id']}/requeue", json={}), "done", a["id"], done)
    await refused(b, await b.teller(1, f"call/{a['id']}"), "done", a["id"], done)
    await refused(
        b, await b.manager("POST", f"/tickets/{a['id']}/priority", json={"priority": "vip"}), "done", a["id"], done
    )
    await refused(
        b, await b.manager("POST", f"/tickets/{a['id']}/reassign", json={"category": "fx"}), "done", a["id"], done
    )
    assert (await b.state())["seq"] == seq, "a refused move must not append an event"

    # no_show: start and cancel refused; requeue allowed
    assert (await b.teller(1, "call-next")).json()["id"] == second["id"]
    assert (await b.teller(1, "skip")).json()["status"] == "no_show"
    gone = await ticket(b, second["id"])
    await refused(b, await b.manager("POST", f"/tickets/{second['id']}/cancel"), "no_show", second["id"], gone)
    await refused(b, await b.teller(1, f"call/{second['id']}"), "no_show", second["id"], gone)

    # cancelled: nothing more
    c = await b.issue("personal")
    assert (await b.manager("POST", f"/tickets/{c['id']}/cancel")).json()["status"] == "cancelled"
    cancelled = await ticket(b, c["id"])
    await refused(b, await b.manager("POST", f"/tickets/{c['id']}/cancel"), "cancelled", c["id"], cancelled)
    await refused(b, await b.manager("POST", f"/tickets/{c['id']}/requeue", json={}), "cancelled", c["id"], cancelled)
    await refused(b, await b.teller(1, f"call/{c['id']}"), "cancelled", c["id"], cancelled)


async def test_call_next_finishes_a_serving_ticket_first(api):
    b = await api.branch()
    await b.open(1)
    a = await b.issue("personal")
    nxt = await b.issue("personal")
    await b.teller(1, "call-next")
    await b.teller(1, "start")
    after = (await b.state())["seq"]
    r = await b.teller(1, "call-next")
    assert r.status_code == 200 and r.json()["id"] == nxt["id"] and r.json()["status"] == "called"
    done = await ticket(b, a["id"])
    assert done["status"] == "done" and done["finished_at"] is not None
    assert [(e["type"], e["data"]["id"]) for e in await b.events(after)] == [
        ("ticket.done", a["id"]),
        ("ticket.called", nxt["id"]),
    ]
    # nobody left: the serving one is finished and the answer is 204
    await b.teller(1, "start")
    r = await b.teller(1, "call-next")
    assert r.status_code == 204
    assert (await ticket(b, nxt["id"]))["status"] == "done"
    assert (await b.state())["counters"][0]["current"] is None


async def test_finish_from_called_passes_through_serving(api):
    b = await api.branch()
    await b.open(1)
    await b.issue("personal")
    await b.teller(1, "call-next")
    done = (await b.teller(1, "finish")).json()
    assert done["status"] == "done" and done["started_at"] is not None and done["finished_at"] is not None


@pytest.mark.parametrize("keep_place", [True, False, None])
async def test_requeue_sets_queued_at_as_specified(api, keep_place):
    b = await api.branch()
    await b.open(1)
    a = await b.issue("personal")
    api.clock.advance(120)
    later = await b.issue("personal")
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]
    api.clock.advance(60)
    assert (await b.teller(1, "skip")).json()["status"] == "no_show"
    api.clock.advance(300)
    body = {} if keep_place is None else {"keep_place": keep_place}
    r = await b.manager("POST", f"/tickets/{a['id']}/requeue", json=body)
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "waiting" and back["counter"] is None and back["issued_at"] == a["issued_at"]
    if keep_place:
        assert back["queued_at"] == a["queued_at"]
        first = a["id"]  # its earned place: before the ticket issued two minutes after it
    else:
        assert ts(back["queued_at"]) - ts(a["queued_at"]) == pytest.approx(480, abs=2)
        first = later["id"]
    assert (await b.events((await b.state())["seq"] - 1))[0]["type"] == "ticket.requeued"
    assert (await b.teller(1, "call-next")).json()["id"] == first


async def test_reassign_keeps_queued_at_and_is_called_first_there(api):
    b = await api.branch()
    await b.open(3)  # serves corporate, then personal
    wrong = await b.issue("personal")
    api.clock.advance(600)
    other = await b.issue("corporate")
    r = await b.manager("POST", f"/tickets/{wrong['id']}/reassign", json={"category": "corporate"})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["category"] == "corporate" and moved["queued_at"] == wrong["queued_at"]
    assert moved["number"] == wrong["number"] and moved["status"] == "waiting"
    assert (await b.teller(3, "call-next")).json()["id"] == wrong["id"]
    # reassigned at the window: back to waiting in the right category, the counter freed, place kept
    r = await b.manager("POST", f"/tickets/{wrong['id']}/reassign", json={"category": "fx"})
    back = r.json()
    assert back["status"] == "waiting" and back["category"] == "fx" and back["queued_at"] == wrong["queued_at"]
    assert back["counter"] is None
    state = await b.state()
    assert next(c for c in state["counters"] if c["number"] == 3)["current"] is None
    assert (await b.teller(3, "call-next")).json()["id"] == other["id"]


async def test_priority_change_keeps_queued_at(api):
    b = await api.branch()
    await b.open(1)
    first = await b.issue("personal")
    api.clock.advance(30)
    elderly = await b.issue("personal")
    r = await b.manager("POST", f"/tickets/{elderly['id']}/priority", json={"priority": "green"})
    assert r.status_code == 200 and r.json()["priority"] == "green" and r.json()["queued_at"] == elderly["queued_at"]
    assert (await b.teller(1, "call-next")).json()["id"] == elderly["id"]
    assert (await b.teller(1, "finish")).status_code == 200
    assert (await b.teller(1, "call-next")).json()["id"] == first["id"]


async def test_transfer_keeps_queued_at_and_counter_pins(api):
    b = await api.branch()
    await b.open(1)  # personal, wealth
    await b.open(2)  # personal, fx
    await b.open(4)  # fx, corporate, personal
    a = await b.issue("personal")
    api.clock.advance(60)
    green_fx = await b.issue("fx", role="manager", priority="green")
    api.clock.advance(60)
    p2 = await b.issue("personal")
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]
    await b.teller(1, "start")

    r = await b.teller(1, "transfer", json={"counter": 4})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["status"] == "waiting" and moved["pinned_counter"] == 4 and moved["counter"] is None
    assert moved["queued_at"] == a["queued_at"] and moved["category"] == "personal"
    assert (await b.state())["counters"][0]["current"] is None
    # counter 2 serves personal but the ticket is pinned to 4: it gets the green fx ticket, then p2
    assert (await b.teller(2, "call-next")).json()["id"] == green_fx["id"]
    await b.teller(2, "finish")
    assert (await b.teller(2, "call-next")).json()["id"] == p2["id"]
    await b.teller(2, "finish")
    # pinned first at counter 4
    g2 = await b.issue("fx", role="manager", priority="green")
    assert (await b.teller(4, "call-next")).json()["id"] == a["id"]
    await b.teller(4, "start")

    # transfer to a category: unpinned, same place in time, first in that queue
    r = await b.teller(4, "transfer", json={"category": "wealth"})
    moved = r.json()
    assert moved["category"] == "wealth" and moved["pinned_counter"] is None and moved["queued_at"] == a["queued_at"]
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]  # counter 1 serves wealth

    # transfer to the counter it is at is refused; exactly one of category or counter
    r = await b.teller(1, "transfer", json={"counter": 1})
    assert r.status_code == 422
    r = await b.teller(1, "transfer", json={"counter": 2, "category": "fx"})
    assert r.status_code == 422
    assert (await ticket(b, g2["id"]))["status"] == "waiting"


async def test_transfer_pins_a_foreign_category(api):
    """Counter 1 does not serve fx; a ticket pinned there is still called there, and only there."""
    b = await api.branch()
    await b.open(1)
    await b.open(2)
    fx = await b.issue("fx")
    assert (await b.teller(2, "call-next")).json()["id"] == fx["id"]
    moved = (await b.teller(2, "transfer", json={"counter": 1})).json()
    assert moved["pinned_counter"] == 1 and moved["category"] == "fx"
    assert (await b.teller(2, "call-next")).status_code == 204
    assert (await b.teller(1, "call-next")).json()["id"] == fx["id"]


async def test_postponed_is_never_a_candidate_and_comes_back_by_explicit_call(api):
    b = await api.branch()
    await b.open(1)
    await b.open(2)
    a = await b.issue("personal")
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]
    r = await b.teller(1, "postpone")
    assert r.status_code == 200 and r.json()["status"] == "postponed"
    assert (await b.state())["counters"][0]["current"] is None
    assert (await b.teller(1, "call-next")).status_code == 204
    assert (await b.teller(2, "call-next")).status_code == 204
    assert all(t["id"] != a["id"] for t in (await b.state())["waiting"])
    later = await b.issue("personal")
    assert (await b.issue("personal"))["ahead"] == 1  # the postponed one is not counted ahead
    assert (await b.teller(1, "call-next")).json()["id"] == later["id"]
    # back only through an explicit call; a serving current ticket is finished first
    await b.teller(1, "start")
    r = await b.teller(1, f"call/{a['id']}")
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "called" and back["counter"] == 1 and back["queued_at"] == a["queued_at"]
    assert (await ticket(b, later["id"]))["status"] == "done"
    # postponing from serving too
    await b.teller(1, "start")
    assert (await b.teller(1, "postpone")).json()["status"] == "postponed"
    r = await b.teller(2, f"call/{a['id']}")
    assert r.status_code == 200 and r.json()["counter"] == 2


async def test_paused_counter_cannot_call(api):
    b = await api.branch()
    await b.open(1)
    a = await b.issue("personal")
    assert (await b.teller(1, "pause", json={"reason": "lunch"})).status_code == 200
    r = await b.teller(1, "call-next")
    assert r.status_code == 409 and "暂停" in r.json()["message"]
    assert (await ticket(b, a["id"]))["status"] == "waiting"
    assert (await b.teller(1, "resume")).status_code == 200
    assert (await b.teller(1, "call-next")).json()["id"] == a["id"]


async def test_unknown_ticket_is_404(api):
    b = await api.branch()
    await b.open(1)
    for path in ("/tickets/nope/cancel", "/tickets/0/requeue"):
        r = await b.manager("POST", path, json={})
        assert r.status_code == 404, (path, r.text)
    assert (await b.teller(1, "call/00000000000000000000000000000000")).status_code == 404
