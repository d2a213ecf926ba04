"""Who may do what, and what bad input gets: every route of the OpenAPI, on both databases."""

from __future__ import annotations

import json
import re

import pytest

from app.sample_branch import SAMPLE_BRANCH
from tests.support.routes import BODIES, fill, laid_out, operations


async def test_no_token_or_bad_token_is_401_everywhere(api):
    b, _, ids = await laid_out(api)
    checked = 0
    for method, path in operations(api):
        url = fill(path, ids)
        body = BODIES.get((method, path))
        for headers in (
            {},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": "Basic YWRtaW46YWRtaW4="},
            {"Authorization": "Bearer "},
        ):
            r = await api.client.request(method, url, json=body, headers=headers)
            assert r.status_code == 401, (method, url, headers, r.status_code, r.text)
            assert r.json()["message"]
            checked += 1
    assert checked >= 4 * 30


@pytest.mark.parametrize("role", ["manager", "teller", "kiosk", "display", "agent"])
async def test_a_token_of_another_branch_is_403_everywhere(api, role):
    b, other, ids = await laid_out(api)
    foreign = await other.token(role)
    checked = 0
    for method, path in operations(api, "/api/v1/branches/{b}"):
        url = fill(path, ids)
        r = await api.request(method, url, foreign, json=BODIES.get((method, path)))
        assert r.status_code == 403, (role, method, url, r.status_code, r.text)
        assert r.json()["message"]
        checked += 1
    assert checked >= 28
    # Admin-only routes outside a branch are 403 for branch tokens too.
    r = await api.request("POST", "/api/v1/tokens", foreign, json=BODIES[("post", "/api/v1/tokens")])
    assert r.status_code == 403
    # The branch list shows only its own branch.
    r = await api.request("GET", "/api/v1/branches", foreign)
    assert r.status_code == 200 and [x["code"] for x in r.json()["branches"]] == ["other"]
    # Nothing changed in sjm01: its events are the ones laid_out made.
    types = [e["type"] for e in await b.events()]
    assert types.count("ticket.issued") == 1 and "counter.paused" not in types


async def test_teller_on_another_tellers_counter_and_kiosk_limits(api):
    b = await api.branch()
    t = await b.issue("personal")
    await b.open(1, teller="li")
    for action in ("call-next", "pause", "resume", "close", "recall", "start", "finish", "skip", "postpone"):
        r = await b.teller(1, action, teller="zhao")
        assert r.status_code == 403, (action, r.text)
        assert r.json()["message"]
    r = await b.teller(1, f"call/{t['id']}", teller="zhao")
    assert r.status_code == 403
    r = await b.teller(1, "transfer", teller="zhao", json={"category": "fx"})
    assert r.status_code == 403
    r = await b.as_("teller", "POST", "/counters/1/open", name="zhao")
    assert r.status_code == 403
    # li is still at counter 1 and can work it.
    assert (await b.teller(1, "call-next", teller="li")).json()["id"] == t["id"]
    # A kiosk only issues: it cannot reassign, cancel, reprioritise, requeue or read tickets.
    for path, body in (
        (f"/tickets/{t['id']}/reassign", {"category": "corporate"}),
        (f"/tickets/{t['id']}/priority", {"priority": "green"}),
        (f"/tickets/{t['id']}/cancel", None),
        (f"/tickets/{t['id']}/requeue", {}),
        ("/counters/2/call-next", None),
    ):
        r = await b.as_("kiosk", "POST", path, json=body)
        assert r.status_code == 403, (path, r.text)
    assert (await b.as_("kiosk", "GET", f"/tickets/{t['id']}")).status_code == 403
    assert (await b.as_("display", "POST", "/tickets", json={"category": "personal"})).status_code == 403


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"category": "personal"', "application/json"),  # malformed JSON
        (b"not json at all", "application/json"),
        (b"[]", "application/json"),
        (b'"personal"', "application/json"),
        (b'{"category": 5}', "application/json"),  # wrong type
        (b'{"category": ["personal"]}', "application/json"),
        (b'{"category": "personal", "priority": 1}', "application/json"),
        (b'{"category": "personal", "priority": "urgent"}', "application/json"),
        (b'{"category": "personal", "extra": true}', "application/json"),  # extra field
        (b"{}", "application/json"),  # missing field
        (b'{"category": "' + b"x" * 100 + b'"}', "application/json"),  # too long
        (b'{"category": "personal", "vip_card": "' + b"9" * 65 + b'"}', "application/json"),
        (b"\xff\xfe", "application/json"),  # not UTF-8
    ],
)
async def test_bad_issue_bodies_are_422_with_a_message(api, body, content_type):
    b = await api.branch()
    token = await b.token("kiosk")
    r = await api.request(
        "POST", "/api/v1/branches/sjm01/tickets", token, content=body, headers={"Content-Type": content_type}
    )
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["message"], str) and r.json()["message"]
    assert (await b.events())[-1]["type"] == "branch.updated"  # nothing issued


async def test_other_bad_bodies_and_queries(api):
    b, _, ids = await laid_out(api)
    cases = [
        ("POST", "/counters/1/evaluation", {"score": 5}),
        ("POST", "/counters/1/evaluation", {"score": 0}),
        ("POST", "/counters/1/evaluation", {"score": 2.5}),
        ("POST", "/counters/1/transfer", {}),
        ("POST", "/counters/1/transfer", {"counter": 0}),
        ("POST", "/counters/1/pause", {"reason": "x" * 201}),
        ("POST", f"/tickets/{ids['ticket_id']}/priority", {"priority": "gold"}),
        ("POST", f"/tickets/{ids['ticket_id']}/requeue", {"keep_place": "maybe"}),
        ("POST", f"/alerts/{ids['alert_id']}/ack", {"note": ""}),
        ("POST", f"/alerts/{ids['alert_id']}/ack", {"note": "x" * 2001}),
        ("GET", "/events?after=-1", None),
        ("GET", "/events?after=abc", None),
        ("GET", "/stats?date=yesterday", None),
        ("GET", "/tickets?date=2026-1-1", None),
        ("GET", "/alerts?status=closed", None),
        # NUL cannot be stored (PostgreSQL refuses it): refused as input, never a 500.
        ("POST", "/counters/1/pause", {"reason": "a\x00b"}),
        ("POST", f"/alerts/{ids['alert_id']}/ack", {"note": "\x00"}),
        ("POST", "/tickets", {"category": "personal", "vip_card": "12\x0034"}),
        ("GET", "/tickets?category=%00", None),
        ("GET", "/tickets?status=wait%00ing", None),
        # A lone surrogate is valid JSON but no text a database stores: 422, never a 500.
        ("POST", "/counters/1/pause", {"reason": "午\udfff餐"}),
        ("POST", f"/alerts/{ids['alert_id']}/ack", {"note": "\ud83d"}),
        # A date of the right shape that is no calendar day, on every route that takes one.
        ("GET", "/tickets?date=2026-13-45", None),
        ("GET", "/stats?date=2026-02-30", None),
        ("GET", "/stats.csv?date=2026-02-30", None),
    ]
    for method, path, body in cases:
        # sent as JSON escapes, as a client would: httpx's own encoding cannot carry a surrogate
        sent = {} if body is None else {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}
        r = await b.manager(method, path, **sent)
        assert r.status_code == 422, (method, path, body, r.status_code, r.text)
        assert r.json()["message"]
        if re.search(r"date=\d{4}-\d{2}-\d{2}", path):
            assert "not a calendar day" in r.json()["message"]
        if body and "\ud800" in json.dumps(body):
            assert "surrogate" in r.json()["message"]
    # the admin's VIP registry, where it answered 500 without a message
    r = await api.request(
        "PUT",
        "/api/v1/branches/sjm01/vip-cards",
        api.admin,
        content=json.dumps({"cards": ["8888", "\ud800"]}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "surrogate" in r.json()["message"], r.text
    bad_layouts = [
        {**SAMPLE_BRANCH, "unknown": 1},
        {**SAMPLE_BRANCH, "timezone": "Mars/Olympus"},
        {**SAMPLE_BRANCH, "counters": [{"number": 1, "serves": ["nope"]}]},
        {**SAMPLE_BRANCH, "categories": [{"code": "a", "name": "A", "prefix": ""}]},
        {**SAMPLE_BRANCH, "categories": []},
    ]
    for layout in bad_layouts:
        r = await api.request("PUT", "/api/v1/branches/sjm01", api.admin, json=layout)
        assert r.status_code == 422, (layout, r.text)
        assert r.json()["message"]
    r = await api.request("POST", "/api/v1/tokens", api.admin, json={"role": "root", "branch": "sjm01"})
    assert r.status_code == 422 and r.json()["message"]


async def test_body_over_64_kib_is_413(api):
    b = await api.branch()
    token = await b.token("kiosk")
    big = json.dumps({"category": "personal", "pad": "x" * 70_000}).encode()
    r = await api.request(
        "POST", "/api/v1/branches/sjm01/tickets", token, content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["message"]

    async def chunks():  # no Content-Length: the limit still holds while reading
        for _ in range(20):
            yield b"x" * 8192

    r = await api.request(
        "POST", "/api/v1/branches/sjm01/tickets", token, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["message"]
    r = await api.request(
        "PUT", "/api/v1/branches/sjm01/vip-cards", api.admin, json={"cards": [f"{i:016d}" for i in range(5000)]}
    )
    assert r.status_code == 413
    # Just under the limit is fine (a long VIP list).
    r = await api.request(
        "PUT", "/api/v1/branches/sjm01/vip-cards", api.admin, json={"cards": [f"{i:016d}" for i in range(3000)]}
    )
    assert r.status_code == 200, r.text


WEIRD_IDS = [
    "nope",
    "0",
    "-1",
    "00000000000000000000000000000000",
    "f" * 32,
    "550e8400-e29b-41d4-a716-446655440000",
    "x" * 300,
    "票",
    "a b",
    "null",
    "%00",
    "a%00b",
    "%2e%2e",
    "' OR 1=1 --",
    "%F0%9F%98%80",
    "1e309",
]


async def test_unknown_ids_of_any_form_are_404(api):
    b, _, ids = await laid_out(api)
    t = ids["ticket_id"]
    await b.manager("POST", f"/alerts/{ids['alert_id']}/ack", json={"note": "ok"})
    for weird in WEIRD_IDS:
        checks = [
            ("GET", f"/tickets/{weird}", None),
            ("POST", f"/tickets/{weird}/reassign", {"category": "corporate"}),
            ("POST", f"/tickets/{weird}/priority", {"priority": "vip"}),
            ("POST", f"/tickets/{weird}/requeue", {}),
            ("POST", f"/tickets/{weird}/cancel", None),
            ("POST", f"/tickets/{weird}/reprint", None),
            ("POST", f"/counters/1/call/{weird}", None),
            ("POST", f"/alerts/{weird}/ack", {"note": "n"}),
        ]
        for method, path, body in checks:
            r = await b.manager(method, path, json=body)
            assert r.status_code == 404, (weird, method, path, r.status_code, r.text)
            assert r.json()["message"]
        agent = await b.token("agent")
        r = await api.request(
            "POST", f"/api/v1/branches/sjm01/tickets/{weird}/print", agent, json={"status": "printed"}
        )
        assert r.status_code == 404, (weird, r.text)
        for method in ("GET", "POST"):
            path = f"/api/v1/track/{weird}" + ("/cancel" if method == "POST" else "")
            r = await api.request(method, path)
            assert r.status_code == 404, (weird, path, r.status_code, r.text)
        r = await api.request("GET", f"/api/v1/branches/{weird}", api.admin)
        assert r.status_code == 404, (weird, r.status_code, r.text)
        r = await api.request("POST", f"/api/v1/branches/{weird}/tickets", api.admin, json={"category": "personal"})
        assert r.status_code == 404, (weird, r.status_code, r.text)
    # A real id of one branch names nothing in another.
    other = await api.branch(code="other2")
    assert (await other.manager("GET", f"/tickets/{t}")).status_code == 404
    assert (await other.manager("POST", f"/alerts/{ids['alert_id']}/ack", json={"note": "n"})).status_code == 404
    # An unknown counter number.
    assert (await b.teller(99, "open")).status_code == 404
    assert (await b.manager("POST", "/counters/99/call-next")).status_code == 404
    assert (await b.teller(1, "transfer", json={"counter": 99})).status_code in (404, 409, 422)
    r = await api.request("POST", "/api/v1/tokens", api.admin, json={"role": "kiosk", "branch": "nowhere"})
    assert r.status_code == 404


async def test_public_tracking_shows_no_personal_data_and_cancels(api):
    b = await api.branch()
    await api.request("PUT", "/api/v1/branches/sjm01/vip-cards", api.admin, json={"cards": ["6222000011112222"]})
    first = await b.issue("personal")
    mine = await b.issue("personal", vip_card="6222000011112222")
    later = await b.issue("personal")
    r = await api.request("GET", f"/api/v1/track/{later['track_token']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "waiting" and body["ahead"] == 2 and body["number"] == later["number"]
    assert isinstance(body["estimated_wait_s"], int) and body["estimated_wait_s"] >= 0
    assert "counter" in body
    text = r.text
    for secret in (later["id"], later["track_token"], first["id"], "6222000011112222", "kiosk"):
        assert secret not in text, secret
    for key in ("id", "track_token", "kiosk", "teller", "score", "vip_card", "priority"):
        assert key not in body, key

    await b.open(2, teller="chen")
    await b.teller(2, "call-next", teller="chen")  # the VIP
    body = (await api.request("GET", f"/api/v1/track/{mine['track_token']}")).json()
    assert body["status"] == "called" and body["counter"] == 2 and "chen" not in json.dumps(body)
    assert (await api.request("GET", f"/api/v1/track/{later['track_token']}")).json()["ahead"] == 1

    r = await api.request("POST", f"/api/v1/track/{later['track_token']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await api.request("GET", f"/api/v1/track/{later['track_token']}")).json()["status"] == "cancelled"
    r = await b.manager("GET", f"/tickets/{later['id']}")
    assert r.json()["status"] == "cancelled"
    # Called tickets and cancelled ones cannot be cancelled by the customer.
    r = await api.request("POST", f"/api/v1/track/{mine['track_token']}/cancel")
    assert r.status_code == 409 and r.json()["message"]
    r = await api.request("POST", f"/api/v1/track/{later['track_token']}/cancel")
    assert r.status_code == 409
    # Screens never see the track token.
    display = await b.token("display")
    r = await api.request("GET", "/api/v1/branches/sjm01/tickets", display)
    assert r.status_code == 200 and first["track_token"] not in r.text
    assert first["track_token"] not in json.dumps(await b.events())
