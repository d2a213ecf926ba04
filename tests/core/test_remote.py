"""Remote tickets (#13 item 6): taken from a phone, following the queue, never called until
confirmed in the branch, where they wait from when they were taken; expired when not
confirmed in time; one at a time per phone; limited per address."""

from __future__ import annotations

import copy

import pytest

from app.rules.remote import confirm_code
from app.sample_branch import SAMPLE_BRANCH
from app.services import housekeeping

REMOTE_BRANCH = copy.deepcopy(SAMPLE_BRANCH)
REMOTE_BRANCH["categories"][0]["remote"] = True  # personal
REMOTE_BRANCH["policy"] = {**REMOTE_BRANCH.get("policy", {}), "remote_confirm_minutes": 45}


async def take(api, code: str, category: str = "personal", **body):
    return await api.request("POST", f"/api/v1/remote/{code}/tickets", json={"category": category, **body})


async def taken(api, code: str, **body) -> dict:
    r = await take(api, code, **body)
    assert r.status_code == 201, r.text
    return r.json()


async def confirm(b, role: str = "kiosk", **body):
    return await b.as_(role, "POST", "/confirmations", json=body)


@pytest.fixture
async def branch(api):
    return await api.branch(REMOTE_BRANCH)


async def test_a_remote_ticket_is_never_called_before_it_is_confirmed_then_waits_from_when_it_was_taken(api, branch):
    b = branch
    await b.open(1)
    mine = await taken(api, b.code, phone="13800138000")
    assert (mine["status"], mine["number"], mine["ahead"]) == ("remote", "A001", 0)
    assert mine["confirm_code"] == confirm_code(mine["track_token"]) and len(mine["confirm_code"]) == 6
    assert (await b.state())["categories"][0]["waiting"] == 0  # not in the hall yet
    assert (await b.teller(1, "call-next")).status_code == 204  # skipped: nobody to call
    walk_ins = [await b.issue() for _ in range(2)]
    assert (await b.teller(1, "call-next")).json()["number"] == walk_ins[0]["number"]
    await b.teller(1, "start")

    r = await confirm(b, number="a001", code=mine["confirm_code"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["ahead"], r.json()["kiosk"]) == ("waiting", 0, "kiosk")
    # The place earned from home: before the walk-in who came after it was taken.
    assert (await b.teller(1, "call-next")).json()["number"] == "A001"
    events = [e["type"] for e in await b.events()]
    assert events.count("ticket.confirmed") == 1
    issued = next(e for e in await b.events() if e["type"] == "ticket.issued" and e["data"]["number"] == "A001")
    assert issued["data"]["status"] == "remote" and issued["data"]["kiosk"] is None  # printed nowhere


async def test_a_wrong_code_says_nothing_more_and_changes_nothing(api, branch):
    b = branch
    mine = await taken(api, b.code)
    wrong = f"{(int(mine['confirm_code']) + 1) % 1_000_000:06d}"
    seq = (await b.state())["seq"]
    for body in ({"number": "A001", "code": wrong}, {"number": "A002", "code": mine["confirm_code"]}):
        r = await confirm(b, **body)
        assert r.status_code == 404 and "code" in r.json()["message"]
    assert (await b.state())["seq"] == seq
    r = await confirm(b, number="A001")
    assert r.status_code == 422 and "tracking code" in r.text


async def test_confirmed_by_its_qr_once_and_only_in_its_branch(api, branch):
    b = branch
    other = await api.branch(REMOTE_BRANCH, code="other")
    mine = await taken(api, b.code)
    assert (await confirm(other, track_token=mine["track_token"])).status_code == 404
    r = await confirm(b, role="teller", track_token=mine["track_token"])
    assert r.status_code == 200 and r.json()["kiosk"] is None
    again = await confirm(b, track_token=mine["track_token"])
    assert again.status_code == 409 and "排队中" in again.json()["message"]


async def test_what_may_be_taken_from_a_phone(api, branch):
    b = branch
    r = await take(api, b.code, category="corporate")
    assert r.status_code == 403 and "not from a phone" in r.json()["message"]
    assert (await take(api, b.code, category="loans")).status_code == 422
    assert (await take(api, "nowhere")).status_code == 404
    api.clock.advance(120)  # the refusals counted against this address's limit too
    await taken(api, b.code, phone="13800138000")
    r = await take(api, b.code, phone="13800138000")
    assert r.status_code == 409 and "A001" in r.json()["message"]
    shown = (await api.request("GET", f"/api/v1/remote/{b.code}")).json()
    assert [c["code"] for c in shown["categories"]] == ["personal"] and shown["branch_name"] == "石景山支行"


async def test_the_customer_follows_it_at_home_and_may_cancel_it(api, branch):
    b = branch
    await b.issue()
    mine = await taken(api, b.code)
    seen = (await api.request("GET", f"/api/v1/track/{mine['track_token']}")).json()
    assert (seen["status"], seen["ahead"], seen["confirm_code"]) == ("remote", 1, mine["confirm_code"])
    assert seen["confirm_by"] is not None
    r = await api.request("POST", f"/api/v1/track/{mine['track_token']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["confirm_code"] is None


async def test_not_confirmed_in_time_it_expires(api, branch):
    b = branch
    mine = await taken(api, b.code)
    api.clock.advance(45 * 60 - 1)
    await housekeeping.sweep_branch(api.ctx, b.code)
    assert (await b.manager("GET", f"/tickets/{mine['id']}")).json()["status"] == "remote"
    api.clock.advance(2)
    await housekeeping.sweep_branch(api.ctx, b.code)
    assert (await b.manager("GET", f"/tickets/{mine['id']}")).json()["status"] == "expired"
    r = await confirm(b, number="A001", code=mine["confirm_code"])
    assert r.status_code == 409


async def test_a_remote_ticket_left_from_yesterday_expires_with_the_day(api, branch):
    b = branch
    mine = await taken(api, b.code)
    api.clock.advance(86400)
    r = await api.request("GET", f"/api/v1/track/{mine['track_token']}")
    assert r.json()["status"] == "expired"


async def test_an_address_takes_a_few_a_minute(api, branch):
    limit = api.ctx.settings.remote_rate_per_minute
    for _ in range(limit):
        await taken(api, branch.code)
    r = await take(api, branch.code)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
