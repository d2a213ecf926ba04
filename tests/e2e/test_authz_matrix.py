"""The authorisation matrix (issue 12, item 5): every route of the OpenAPI × every role ×
own or foreign branch × no or bad token, against the table below, on both databases.

The table is written out by hand on purpose: a route added without an entry fails here,
and so does an entry whose route is gone, or whose route's `**Roles:**` line says otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.rules.vocabulary import Refusal, Role
from app.services import auth
from tests.support.routes import BODIES, PUBLIC, fill, laid_out, operations

ADMIN = {Role.ADMIN}
MANAGER = {Role.ADMIN, Role.MANAGER}
STAFF = {Role.ADMIN, Role.MANAGER, Role.TELLER, Role.AGENT}
WORKERS = STAFF  # a counter's work: its teller, the manager, the agent's rating keypad
SIGN_IN = {Role.ADMIN, Role.MANAGER, Role.TELLER}
AGENT = {Role.ADMIN, Role.AGENT}
ANY = set(Role)

# (method, path) → the roles that may call it in their own branch (admin: any branch).
EXPECTED: dict[tuple[str, str], set[Role]] = {
    ("get", "/api/v1/branches"): ANY,
    ("put", "/api/v1/branches/{b}"): ADMIN,
    ("get", "/api/v1/branches/{b}"): ANY,
    ("put", "/api/v1/branches/{b}/vip-cards"): ADMIN,
    ("get", "/api/v1/branches/{b}/state"): ANY,
    ("get", "/api/v1/branches/{b}/events"): ANY,
    ("post", "/api/v1/branches/{b}/tickets"): {Role.ADMIN, Role.MANAGER, Role.KIOSK},
    ("get", "/api/v1/branches/{b}/tickets"): STAFF | {Role.DISPLAY},
    ("get", "/api/v1/branches/{b}/tickets/{ticket_id}"): STAFF,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/reassign"): MANAGER,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/priority"): MANAGER,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/requeue"): MANAGER,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/cancel"): MANAGER,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/print"): AGENT,
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/reprint"): MANAGER,
    ("post", "/api/v1/branches/{b}/counters/{n}/open"): SIGN_IN,
    ("post", "/api/v1/branches/{b}/counters/{n}/close"): SIGN_IN,
    ("post", "/api/v1/branches/{b}/counters/{n}/pause"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/resume"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/call-next"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/call/{ticket_id}"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/recall"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/start"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/finish"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/skip"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/postpone"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/transfer"): WORKERS,
    ("post", "/api/v1/branches/{b}/counters/{n}/evaluation"): WORKERS,
    ("get", "/api/v1/branches/{b}/alerts"): MANAGER,
    ("post", "/api/v1/branches/{b}/alerts/{alert_id}/ack"): MANAGER,
    ("get", "/api/v1/branches/{b}/stats"): MANAGER,
    ("get", "/api/v1/branches/{b}/stats.csv"): MANAGER,
    ("get", "/api/v1/branches/{b}/devices"): {Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPLAY},
    ("post", "/api/v1/branches/{b}/devices/{device_id}/health"): AGENT,
    ("get", "/api/v1/branches/{b}/reports"): MANAGER,
    ("get", "/api/v1/branches/{b}/reports.csv"): MANAGER,
    ("get", "/api/v1/reports"): ADMIN,
    ("get", "/api/v1/reports.csv"): ADMIN,
    ("post", "/api/v1/tokens"): ADMIN,
    ("get", "/api/v1/tokens"): ADMIN,
    ("post", "/api/v1/tokens/{token_id}/revoke"): ADMIN,
    ("post", "/api/v1/branches/{b}/bookings"): MANAGER,
    ("get", "/api/v1/branches/{b}/bookings"): MANAGER,
    ("post", "/api/v1/branches/{b}/bookings/check-in"): {Role.ADMIN, Role.MANAGER, Role.KIOSK},
    ("get", "/api/v1/branches/{b}/cash"): MANAGER,
    ("get", "/api/v1/branches/{b}/cash.csv"): MANAGER,
    ("post", "/api/v1/branches/{b}/remote/confirm"): {Role.ADMIN, Role.MANAGER, Role.TELLER, Role.KIOSK},
}
BRANCH_ROLES = [r for r in Role if r != Role.ADMIN]
# The name each role's token carries: the teller is the one signed in at counter 1 by laid_out().
NAMES = {Role.TELLER: "teller1"}


def in_order(api):
    """The routes in the table's order, signing out last: after it a teller acts at no
    counter (403 by the rule of docs/api.md, not by role), so it would hide what follows."""
    return sorted(operations(api, prefix="/"), key=lambda op: op[1].endswith("/close"))


def documented_roles(description: str) -> set[Role]:
    """The roles a route's `**Roles:**` line names; "any role of the branch" and "any
    token" are every role."""
    line = re.search(r"^\*\*Roles:\*\* (.+)$", description, re.M)
    assert line, description
    if re.match(r"any (role|token)\b", line.group(1)):
        return set(Role)
    return {Role(name) for name in re.findall(r"\b(" + "|".join(Role) + r")\b", line.group(1))}


def contract_roles(method: str, path: str) -> set[Role]:
    """The roles docs/api.md gives a route after its dash (`GET /x?q=` — manager, agent);
    the admin, who may always, goes without saying there."""
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    found = re.search(r"`" + method.upper() + " " + re.escape(path) + r"(\?[^`]*)?`\s*—\s*([^.:\n]+)", text)
    assert found, f"docs/api.md does not give {method.upper()} {path} with its roles"
    if re.match(r"any (role|token)\b", found.group(2)):
        return set(Role)
    return {Role.ADMIN} | {Role(name) for name in re.findall(r"\b(" + "|".join(Role) + r")\b", found.group(2))}


async def test_every_route_has_an_entry_and_its_docs_agree(api):
    document = api.app.openapi()["paths"]
    routes = set(operations(api, prefix="/"))
    assert routes - set(EXPECTED) == set(), "routes with no entry in EXPECTED"
    assert set(EXPECTED) - routes == set(), "entries of EXPECTED that are no route"
    for method, path in sorted(routes):
        described = documented_roles(document[path][method]["description"])
        assert described == EXPECTED[method, path], (method, path, described, EXPECTED[method, path])
        written = contract_roles(method, path)
        assert written == EXPECTED[method, path], ("docs/api.md", method, path, written, EXPECTED[method, path])
    # the public routes stay public in their docs too
    for path in PUBLIC:
        for op in document[path].values():
            assert "public" in op["description"], path


def refused(r, what) -> None:
    assert r.status_code == 403, (*what, r.status_code, r.text)
    body = r.json()
    assert body["code"] == Refusal.FORBIDDEN and body["message"], (*what, body)


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_on_every_route_of_its_own_and_a_foreign_branch(api, role):
    b, other, ids = await laid_out(api)
    if role == Role.ADMIN:
        own, foreign = api.admin, None
    else:
        own, foreign = await b.token(role, NAMES.get(role)), await other.token(role)
    allowed_seen = refused_seen = 0
    for method, path in in_order(api):
        url, body = fill(path, ids), BODIES.get((method, path))
        r = await api.request(method, url, own, json=body)
        what = (role.value, "own", method, url)
        assert (method, path) in EXPECTED, f"{method.upper()} {path} has no entry in EXPECTED"
        if role in EXPECTED[method, path]:
            assert r.status_code not in (401, 403), (*what, r.status_code, r.text)
            allowed_seen += 1
        else:
            refused(r, what)
            refused_seen += 1
        if foreign is None:
            continue
        r = await api.request(method, url, foreign, json=body)
        what = (role.value, "foreign", method, url)
        if "{b}" in path or role not in EXPECTED[method, path]:
            refused(r, what)
        else:  # outside a branch (the branch list): what the role may do anywhere
            assert r.status_code not in (401, 403), (*what, r.status_code, r.text)
    assert allowed_seen + refused_seen == len(EXPECTED)
    assert allowed_seen >= 1
    if role == Role.ADMIN:
        # not bound to a branch: the other branch's routes let the admin in as well
        for method, path in operations(api, prefix="/api/v1/branches/{b}"):
            r = await api.request(method, fill(path, {**ids, "b": "other"}), api.admin, json=BODIES.get((method, path)))
            assert r.status_code not in (401, 403), ("admin", "other", method, path, r.status_code, r.text)
    # Nothing a refused call tried reached sjm01: for a role that may not issue, one ticket only.
    if role not in EXPECTED["post", "/api/v1/branches/{b}/tickets"]:
        tickets = (await b.manager("GET", "/tickets")).json()["tickets"]
        assert len(tickets) == 1, (role, tickets)


async def test_no_token_a_bad_one_or_a_revoked_one_is_401_on_every_route(api):
    b, _, ids = await laid_out(api)
    revoked = await b.token(Role.MANAGER, "gone")
    r = await api.request("POST", f"/api/v1/tokens/{auth.token_id(revoked)}/revoke", api.admin)
    assert r.status_code == 200, r.text
    for method, path in operations(api, prefix="/"):
        url, body = fill(path, ids), BODIES.get((method, path))
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Bearer {revoked}"}):
            r = await api.client.request(method, url, json=body, headers=headers)
            assert r.status_code == 401, (method, url, headers, r.status_code, r.text)
            assert r.json()["code"] == Refusal.UNAUTHORIZED and r.json()["message"]
