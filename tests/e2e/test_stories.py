"""The seed stories of the branch (the moments of docs/domain.md), end to end over the
HTTP API, on SQLite and PostgreSQL.

Sample branch: counter 1 serves personal, wealth; 2 personal, fx; 3 corporate, personal;
4 fx, corporate, personal. Prefixes: personal A, corporate B, fx C, wealth D.
"""

from __future__ import annotations

import copy

from app.sample_branch import SAMPLE_BRANCH


async def ticket(b, ticket_id: str) -> dict:
    r = await b.manager("GET", f"/tickets/{ticket_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def called_number(b, counter: int) -> str:
    r = await b.teller(counter, "call-next")
    assert r.status_code == 200, r.text
    return r.json()["number"]


async def test_wrong_ticket_moved_at_the_window_keeps_its_place(api):
    """A personal ticket for corporate business: moved at the window, called next at the corporate counter."""
    b = await api.branch()
    mine = await b.issue("personal")  # A001, the customer with the wrong ticket
    api.clock.advance(60)
    early_corporate = await b.issue("corporate")  # B001: queued after A001
    api.clock.advance(60)
    later_corporate = await b.issue("corporate")  # B002
    await b.open(1)
    await b.open(3)

    at_window = (await b.teller(1, "call-next")).json()
    assert at_window["id"] == mine["id"] and at_window["status"] == "called"
    api.clock.advance(120)  # "this is corporate business": the manager moves the customer

    r = await b.manager("POST", f"/tickets/{mine['id']}/reassign", json={"category": "corporate"})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["category"] == "corporate" and moved["status"] == "waiting"
    assert moved["number"] == "A001" and moved["queued_at"] == mine["queued_at"] and moved["counter"] is None

    # Counter 1 is free again; the customer is first of the corporate queue.
    state = await b.state()
    assert state["counters"][0]["current"] is None
    waiting = {t["id"]: t for t in state["waiting"]}
    assert waiting[mine["id"]]["ahead"] == 0 and waiting[early_corporate["id"]]["ahead"] == 1

    r = await b.teller(3, "call-next")
    assert r.status_code == 200 and r.json()["id"] == mine["id"] and r.json()["counter"] == 3
    await b.teller(3, "finish")
    assert await called_number(b, 3) == early_corporate["number"]
    await b.teller(3, "finish")
    assert await called_number(b, 3) == later_corporate["number"]

    events = await b.events()
    reassigned = [e for e in events if e["type"] == "ticket.reassigned"]
    assert len(reassigned) == 1 and reassigned[0]["data"]["from_category"] == "personal"

    # A waiting ticket can be reassigned too; a kiosk may not do it, nor name an unknown category.
    waiting_one = await b.issue("personal")
    r = await b.as_("kiosk", "POST", f"/tickets/{waiting_one['id']}/reassign", json={"category": "corporate"})
    assert r.status_code == 403 and r.json()["message"]
    r = await b.manager("POST", f"/tickets/{waiting_one['id']}/reassign", json={"category": "nope"})
    assert r.status_code == 422 and "nope" in r.json()["message"]


async def test_green_channel_goes_before_everyone(api):
    """The elderly customer: the manager puts the ticket on the green channel."""
    b = await api.branch()
    vip = await b.issue("personal", role="manager", priority="vip")  # A001 vip
    await b.issue("personal")  # A002
    corporate = await b.issue("corporate")  # B001, first in counter 3's serves
    api.clock.advance(30)
    elderly = await b.issue("personal")  # A003, the last to come

    r = await b.manager("POST", f"/tickets/{elderly['id']}/priority", json={"priority": "green"})
    assert r.status_code == 200 and r.json()["priority"] == "green" and r.json()["queued_at"] == elderly["queued_at"]
    waiting = {t["id"]: t for t in (await b.state())["waiting"]}
    assert waiting[elderly["id"]]["ahead"] == 0 and waiting[vip["id"]]["ahead"] == 1

    # Counter 3 serves corporate first, but green outranks the position in serves.
    await b.open(3)
    assert await called_number(b, 3) == elderly["number"]
    await b.teller(3, "finish")
    assert await called_number(b, 3) == vip["number"]  # then vip (its category second at 3)
    await b.teller(3, "finish")
    assert await called_number(b, 3) == corporate["number"]  # then corporate before personal

    # At any counter serving its category: a green wealth ticket goes first at counter 1.
    await b.open(1)
    green_wealth = await b.issue("wealth", role="manager", priority="green")
    assert green_wealth["priority"] == "green" and green_wealth["number"] == "D001"
    assert await called_number(b, 1) == "D001"

    # Only the manager opens the green channel.
    r = await b.as_("kiosk", "POST", "/tickets", json={"category": "personal", "priority": "green"})
    assert r.status_code == 403 and r.json()["message"]
    some = await b.issue("personal")
    r = await b.as_("teller", "POST", f"/tickets/{some['id']}/priority", json={"priority": "green"})
    assert r.status_code == 403
    types = [e["type"] for e in await b.events()]
    assert types.count("ticket.priority_changed") == 1


async def test_green_ticket_from_the_manager_prints_at_the_chosen_kiosk(api):
    """The elderly customer at the manager's desk gets paper and a QR: the manager's ticket
    names the kiosk whose printer prints it (the layout's first unless the manager picks
    another), so the device agent prints it exactly as that kiosk's own ticket."""
    b = await api.branch({**SAMPLE_BRANCH, "kiosks": ["kiosk1", "kiosk2"]})

    default = await b.issue("personal", role="manager", priority="green")
    assert default["kiosk"] == "kiosk1"  # the layout's first kiosk
    chosen = await b.issue("personal", role="manager", priority="vip", kiosk="kiosk2")
    assert chosen["kiosk"] == "kiosk2" and chosen["priority"] == "vip"
    own = await b.as_("kiosk", "POST", "/tickets", name="kiosk2", json={"category": "personal"})
    assert own.status_code == 201 and own.json()["kiosk"] == "kiosk2"

    # The event the agent prints from names the same kiosk a kiosk's own ticket does.
    issued = {e["data"]["id"]: e["data"] for e in await b.events() if e["type"] == "ticket.issued"}
    assert issued[default["id"]]["kiosk"] == "kiosk1"
    assert issued[chosen["id"]]["kiosk"] == issued[own.json()["id"]]["kiosk"] == "kiosk2"
    assert (await ticket(b, chosen["id"]))["kiosk"] == "kiosk2"

    # A kiosk the layout does not list: refused with the kiosks it has, nothing issued.
    r = await b.manager("POST", "/tickets", json={"category": "personal", "priority": "green", "kiosk": "lobby9"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid" and "lobby9" in r.json()["message"]
    assert "kiosk1, kiosk2" in r.json()["message"]
    # A kiosk prints its own tickets only.
    r = await b.as_("kiosk", "POST", "/tickets", name="kiosk1", json={"category": "personal", "kiosk": "kiosk2"})
    assert r.status_code == 403, r.text
    assert len((await b.state())["waiting"]) == 3

    # A layout without kiosks: the manager's ticket is not printed anywhere, and a named
    # kiosk is refused with the reason.
    plain = await api.branch({**SAMPLE_BRANCH, "kiosks": []}, code="plain")
    assert (await plain.issue("personal", role="manager", priority="green"))["kiosk"] is None
    r = await plain.manager("POST", "/tickets", json={"category": "personal", "kiosk": "kiosk1"})
    assert r.status_code == 422 and "layout" in r.json()["message"], r.text


async def test_vip_card_at_the_kiosk(api):
    b = await api.branch()
    r = await api.request(
        "PUT", f"/api/v1/branches/{b.code}/vip-cards", api.admin, json={"cards": ["6222020200112233", "6222 9999"]}
    )
    assert r.status_code == 200, r.text
    normal = await b.issue("personal")
    vip = await b.issue("personal", vip_card="6222020200112233")
    assert vip["priority"] == "vip" and vip["number"] == "A002" and vip["ahead"] == 0
    assert "6222020200112233" not in str(vip)

    r = await b.as_("kiosk", "POST", "/tickets", json={"category": "personal", "vip_card": "0000111122223333"})
    assert r.status_code == 403
    assert "VIP" in r.json()["message"] and "registry" in r.json()["message"]
    r = await b.as_("kiosk", "POST", "/tickets", json={"category": "personal", "priority": "vip"})
    assert r.status_code == 403 and r.json()["message"]
    r = await b.as_("kiosk", "POST", "/tickets", json={"category": "personal", "priority": "green"})
    assert r.status_code == 403 and r.json()["message"]
    # The refused attempts took no number: the kiosk may now offer a normal ticket, A003.
    assert (await b.issue("personal"))["number"] == "A003"
    # The manager may issue vip without a card, and green.
    assert (await b.issue("personal", role="manager", priority="vip"))["priority"] == "vip"
    assert (await b.issue("personal", role="manager", priority="green"))["priority"] == "green"
    # Only an admin replaces the registry.
    r = await b.manager("PUT", "/vip-cards", json={"cards": ["1"]})
    assert r.status_code == 403

    await b.open(1)
    order = []
    for _ in range(3):
        order.append(await called_number(b, 1))
        await b.teller(1, "finish")
    assert order[0] == "A005"  # green
    assert order[1:] == [vip["number"], "A004"]  # then VIPs by queued_at, before A001
    assert await called_number(b, 1) == normal["number"]


async def test_transfer_to_fx_then_pinned_to_a_counter(api):
    """转柜: the teller can't do foreign exchange and sends the customer on."""
    b = await api.branch()
    customer = await b.issue("personal")  # A001
    api.clock.advance(10)
    later_fx = await b.issue("fx")  # C001, queued after A001
    later_vip = await b.issue("personal", role="manager", priority="vip")  # A002 vip
    await b.open(1)
    await b.open(4)
    await b.open(2)

    assert (await b.teller(1, "call-next")).json()["id"] == later_vip["id"]
    await b.teller(1, "finish")
    assert (await b.teller(1, "call-next")).json()["id"] == customer["id"]
    assert (await b.teller(1, "start")).json()["status"] == "serving"
    r = await b.teller(1, "transfer", json={"category": "fx"})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["status"] == "waiting" and moved["category"] == "fx" and moved["pinned_counter"] is None
    assert moved["queued_at"] == customer["queued_at"] and moved["counter"] is None
    assert (await b.state())["counters"][0]["current"] is None
    # Counter 1 is free and does not serve fx: nobody for it.
    assert (await b.teller(1, "call-next")).status_code == 204

    # Counter 4 serves fx first: the transferred customer goes before C001, who came later.
    assert (await b.teller(4, "call-next")).json()["id"] == customer["id"]
    # Counter 4 sends the customer on to counter 2 by number: pinned there.
    r = await b.teller(4, "transfer", json={"counter": 2})
    assert r.status_code == 200, r.text
    assert r.json()["pinned_counter"] == 2 and r.json()["status"] == "waiting"
    assert r.json()["queued_at"] == customer["queued_at"]

    # Others come, more urgent by class; the pinned ticket is still first at counter 2 only.
    await b.issue("personal", role="manager", priority="green")  # A003 green
    assert (await b.teller(4, "call-next")).json()["number"] == "A003"  # counter 4 does not see the pinned one
    assert (await b.teller(2, "call-next")).json()["id"] == customer["id"]
    assert (await b.teller(2, "finish")).json()["status"] == "done"
    assert (await b.teller(2, "call-next")).json()["id"] == later_fx["id"]

    types = [e["data"].get("from_counter") for e in await b.events() if e["type"] == "ticket.transferred"]
    assert types == [1, 4]
    # Transfer needs a customer at the counter, and exactly one target.
    await b.teller(2, "finish")
    r = await b.teller(2, "transfer", json={"category": "fx"})
    assert r.status_code == 409 and r.json()["message"]
    r = await b.teller(2, "transfer", json={"category": "fx", "counter": 1})
    assert r.status_code == 422


async def test_missed_call_recall_skip_requeue(api):
    """The elderly customer who does not hear the call."""
    b = await api.branch()
    elderly = await b.issue("personal")  # A001
    api.clock.advance(60)
    later = await b.issue("personal")  # A002
    await b.open(1)
    assert (await b.teller(1, "call-next")).json()["id"] == elderly["id"]
    for count in (1, 2):
        r = await b.teller(1, "recall")
        assert r.status_code == 200 and r.json()["recall_count"] == count and r.json()["status"] == "called"
    # A merely called ticket is in the way of the next call.
    r = await b.teller(1, "call-next")
    assert r.status_code == 409 and "A001" in r.json()["message"]
    assert r.json()["code"] == "customer_at_counter"
    skipped = (await b.teller(1, "skip")).json()
    assert skipped["status"] == "no_show" and skipped["recall_count"] == 2

    # The customer comes back to the desk; the manager requeues them keeping their place.
    api.clock.advance(300)
    r = await b.manager("POST", f"/tickets/{elderly['id']}/requeue", json={"keep_place": True})
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "waiting" and back["queued_at"] == elderly["queued_at"] and back["counter"] is None
    assert (await b.teller(1, "call-next")).json()["id"] == elderly["id"]
    assert (await b.teller(1, "skip")).json()["status"] == "no_show"

    # Without keep_place the requeued ticket goes to the back: queued_at is now.
    api.clock.advance(30)
    r = await b.manager("POST", f"/tickets/{elderly['id']}/requeue")
    assert r.status_code == 200 and r.json()["queued_at"] > elderly["queued_at"]
    assert (await b.teller(1, "call-next")).json()["id"] == later["id"]
    # Requeue of a waiting ticket is illegal, and says in which state the ticket is.
    r = await b.manager("POST", f"/tickets/{elderly['id']}/requeue", json={"keep_place": True})
    assert r.status_code == 409 and "排队中" in r.json()["message"]  # the branch speaks zh-CN
    assert r.json()["code"] == "wrong_state" and r.json()["status"] == "waiting"
    types = [e["type"] for e in await b.events() if e["data"].get("id") == elderly["id"]]
    assert types == [
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.recalled",
        "ticket.no_show",
        "ticket.requeued",
        "ticket.called",
        "ticket.no_show",
        "ticket.requeued",
    ]


async def test_unsatisfied_rating_alerts_the_manager(api):
    b = await api.branch()
    customer = await b.issue("personal")
    await b.open(1, teller="wang")
    await b.teller(1, "call-next", teller="wang")
    await b.teller(1, "start", teller="wang")
    await b.teller(1, "finish", teller="wang")
    api.clock.advance(10)
    r = await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 4})
    assert r.status_code == 200 and r.json()["score"] == 4

    r = await b.manager("GET", "/alerts?status=open")
    assert r.status_code == 200
    alerts = [a for a in r.json()["alerts"] if a["type"] == "evaluation.unsatisfied"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["status"] == "open"
    assert alert["data"]["ticket_number"] == customer["number"]
    assert alert["data"]["counter"] == 1 and alert["data"]["teller"] == "wang"
    raised = [e for e in await b.events() if e["type"] == "alert.raised"]
    assert raised and raised[-1]["data"]["id"] == alert["id"]

    r = await b.manager("POST", f"/alerts/{alert['id']}/ack", json={"note": "spoke with the customer; coffee voucher"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "acked" and r.json()["note"] == "spoke with the customer; coffee voucher"
    r = await b.manager("GET", "/alerts?status=open")
    assert alert["id"] not in [a["id"] for a in r.json()["alerts"]]
    r = await b.manager("GET", "/alerts?status=acked")
    assert alert["id"] in [a["id"] for a in r.json()["alerts"]]
    # A second ack is 409; an ack without a note is 422; a teller may not ack.
    assert (await b.manager("POST", f"/alerts/{alert['id']}/ack", json={"note": "again"})).status_code == 409
    assert (await b.manager("POST", f"/alerts/{alert['id']}/ack", json={})).status_code == 422
    assert (await b.as_("teller", "POST", f"/alerts/{alert['id']}/ack", json={"note": "x"})).status_code == 403

    # A second rating of the same ticket, and a rating after the window, are refused.
    r = await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 1})
    assert r.status_code == 409 and r.json()["message"]
    await b.issue("personal")
    await b.teller(1, "call-next", teller="wang")
    await b.teller(1, "finish", teller="wang")
    api.clock.advance(31)  # past evaluation_window_s = 30
    r = await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 4})
    assert r.status_code == 409 and r.json()["message"]
    # A press at a counter nobody finished at is a stray press, counted.
    r = await b.as_("agent", "POST", "/counters/2/evaluation", json={"score": 2})
    assert r.status_code == 409
    counters = {c["number"]: c for c in (await b.state())["counters"]}
    assert counters[1]["stray_presses"] >= 1 and counters[2]["stray_presses"] == 1
    assert (
        len(
            [
                a
                for a in (await b.manager("GET", "/alerts?status=open")).json()["alerts"]
                if a["type"] == "evaluation.unsatisfied"
            ]
        )
        == 0
    )


async def test_paused_window_while_the_queue_grows(api):
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["policy"]["alert_queue_length"] = 3
    b = await api.branch(layout)
    await b.open(1)
    r = await b.teller(1, "pause", json={"reason": "cash delivery"})
    assert r.status_code == 200 and r.json()["state"] == "paused" and r.json()["pause_reason"] == "cash delivery"
    assert (await b.teller(1, "pause")).status_code == 409
    r = await b.teller(1, "call-next")
    assert r.status_code == 409 and "暂停" in r.json()["message"] and r.json()["code"] == "counter_paused"

    for _ in range(3):
        await b.issue("personal")
    assert not [
        a for a in (await b.manager("GET", "/alerts?status=open")).json()["alerts"] if a["type"] == "queue.too_long"
    ]
    await b.issue("personal")  # the 4th waiting customer: more than 3
    alerts = [
        a for a in (await b.manager("GET", "/alerts?status=open")).json()["alerts"] if a["type"] == "queue.too_long"
    ]
    assert len(alerts) == 1 and alerts[0]["data"]["category"] == "personal"
    await b.issue("personal")  # still open: no second alert for the same queue
    alerts = [
        a for a in (await b.manager("GET", "/alerts?status=open")).json()["alerts"] if a["type"] == "queue.too_long"
    ]
    assert len(alerts) == 1

    state = await b.state()
    assert state["counters"][0]["state"] == "paused"
    r = await b.teller(1, "resume")
    assert r.status_code == 200 and r.json()["state"] == "open" and r.json()["pause_reason"] is None
    assert (await b.teller(1, "resume")).status_code == 409
    await b.teller(1, "close")
    r = await b.teller(1, "call-next")
    assert r.status_code == 409 and r.json()["code"] == "counter_closed", r.text
    r = await b.manager("GET", "/alerts/no-such-alert")
    assert r.status_code in (404, 405) and r.json()["code"] == "not_found"
    await b.open(1)
    assert await called_number(b, 1) == "A001"
    types = [e["type"] for e in await b.events()]
    assert "counter.paused" in types and "counter.resumed" in types
