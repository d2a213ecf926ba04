"""Remote tickets (issue #13 item 6), in-process on both databases: taken from the phone
while open, skipped until confirmed, ranked from when taken once confirmed, expired when
not confirmed in time, limited per phone and per address."""

from __future__ import annotations

import copy

from app.sample_branch import SAMPLE_BRANCH
from tests.support.booking import ZONE, booked_branch


def remote_branch(**policy) -> dict:
    layout = booked_branch(**policy)
    for category in layout["categories"]:
        if category["code"] == "personal":
            category["remote"] = True
    return layout


async def take(api, category: str = "personal", **body):
    return await api.request("POST", "/api/v1/book/sjm01/remote", json={"category": category, **body})


async def test_skipped_until_confirmed_then_ranked_from_when_taken(api):
    b = await api.branch(remote_branch())
    api.clock.advance_to(10, ZONE)
    first = await b.issue("personal")
    api.clock.advance(60)
    r = await take(api, phone="13800138000")
    assert r.status_code == 201, r.text
    remote = r.json()
    assert remote["status"] == "waiting" and remote["ahead"] == 1 and "T11:01:00." in remote["confirm_by"]
    api.clock.advance(60)
    second = await b.issue("personal")
    third = await b.issue("personal")
    await b.open(2)  # serves personal (and fx)
    # unconfirmed: never called; the tickets behind it are
    assert (await b.teller(2, "call-next")).json()["id"] == first["id"]
    await b.teller(2, "finish")
    assert (await b.teller(2, "call-next")).json()["id"] == second["id"]
    await b.teller(2, "finish")
    shown = (await api.request("GET", f"/api/v1/remote/{remote['code']}")).json()
    assert shown["status"] == "waiting" and shown["ahead"] == 0 and shown["track_url"] is None
    # the customer arrives and confirms at the kiosk: ranked from when taken, before the third
    r = await b.as_("kiosk", "POST", "/remote/confirm", json={"code": remote["code"]})
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["queued_at"] == remote["requested_at"] and ticket["remote"] == {"id": remote["id"]}
    assert ticket["kiosk"] == "kiosk"  # printed at the kiosk that confirmed it
    assert (await b.teller(2, "call-next")).json()["id"] == ticket["id"]
    await b.teller(2, "finish")
    assert (await b.teller(2, "call-next")).json()["id"] == third["id"]
    shown = (await api.request("GET", f"/api/v1/remote/{remote['code']}")).json()
    assert shown["status"] == "confirmed" and shown["ticket_id"] == ticket["id"] and "/t/" in shown["track_url"]
    r = await b.as_("teller", "POST", "/remote/confirm", json={"code": remote["code"]}, name="teller2")
    assert r.status_code == 409 and "confirmed" in r.json()["message"], r.text


async def test_a_teller_confirms_at_the_window_without_a_printout(api):
    b = await api.branch(remote_branch())
    api.clock.advance_to(10, ZONE)
    code = (await take(api)).json()["code"]
    r = await b.as_("teller", "POST", "/remote/confirm", json={"code": code})
    assert r.status_code == 201 and r.json()["kiosk"] is None, r.text


async def test_unconfirmed_in_time_it_expires(api):
    b = await api.branch(remote_branch(remote_confirm_minutes=30))
    api.clock.advance_to(10, ZONE)
    code = (await take(api)).json()["code"]
    api.clock.advance(31 * 60)
    assert (await api.request("GET", f"/api/v1/remote/{code}")).json()["status"] == "expired"
    r = await b.as_("kiosk", "POST", "/remote/confirm", json={"code": code})
    assert r.status_code == 409 and "not confirmed within 30 minutes" in r.json()["message"], r.text
    r = await b.as_("kiosk", "POST", "/remote/confirm", json={"code": code})
    assert r.status_code == 409 and "expired" in r.json()["message"], r.text


async def test_limits_hours_and_categories(api):
    await api.branch(remote_branch(remote_per_day=2))
    api.clock.advance_to(10, ZONE)
    assert (await take(api, phone="13800138000")).status_code == 201
    assert (await take(api, phone="13900139000")).status_code == 201
    r = await take(api, phone="13700137000")  # a third from the same address
    assert r.status_code == 429 and "a day per phone number and per address" in r.json()["message"], r.text
    assert int(r.headers["Retry-After"]) > 0
    r = await take(api, "corporate")
    assert r.status_code == 422 and "takes no remote tickets" in r.json()["message"], r.text
    api.clock.advance_to(20, ZONE)
    r = await take(api)
    assert r.status_code == 409 and r.json()["code"] == "branch_closed", r.text


async def test_a_code_of_another_branch_is_not_found(api):
    await api.branch(remote_branch())
    other = await api.branch(copy.deepcopy(SAMPLE_BRANCH), code="other")
    api.clock.advance_to(10, ZONE)
    code = (await take(api)).json()["code"]
    r = await other.as_("kiosk", "POST", "/remote/confirm", json={"code": code})
    assert r.status_code == 404, r.text
    assert (await api.request("GET", "/api/v1/remote/" + "y" * 22)).status_code == 404
