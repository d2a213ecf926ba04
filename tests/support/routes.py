"""The OpenAPI route table for the authorisation tests: a valid body and query for every
operation (so that only the token decides), the public paths, and a branch laid out with
something behind every kind of id."""

from __future__ import annotations

from app.sample_branch import SAMPLE_BRANCH

# A valid body for every operation that takes one, so that only the token decides.
BODIES = {
    ("put", "/api/v1/branches/{b}"): SAMPLE_BRANCH,
    ("put", "/api/v1/branches/{b}/vip-cards"): {"cards": ["1234"]},
    ("post", "/api/v1/branches/{b}/tickets"): {"category": "personal"},
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/reassign"): {"category": "corporate"},
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/priority"): {"priority": "vip"},
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/requeue"): {"keep_place": True},
    ("post", "/api/v1/branches/{b}/tickets/{ticket_id}/print"): {"status": "printed"},
    ("post", "/api/v1/branches/{b}/counters/{n}/pause"): {"reason": "lunch"},
    ("post", "/api/v1/branches/{b}/counters/{n}/transfer"): {"category": "fx"},
    ("post", "/api/v1/branches/{b}/counters/{n}/evaluation"): {"score": 2},
    ("post", "/api/v1/branches/{b}/alerts/{alert_id}/ack"): {"note": "seen"},
    ("post", "/api/v1/branches/{b}/devices/{device_id}/health"): {"kind": "printer", "status": "ok"},
    ("post", "/api/v1/tokens"): {"role": "kiosk", "branch": "sjm01", "name": "k"},
    ("post", "/api/v1/branches/{b}/bookings"): {"category": "personal", "date": "2026-12-01", "time": "10:00"},
    ("post", "/api/v1/branches/{b}/bookings/check-in"): {"code": "no-such-booking-code"},
    ("post", "/api/v1/branches/{b}/remote/confirm"): {"code": "no-such-remote-code"},
}
# The query parameters an operation requires, also so that only the token decides.
QUERIES = {
    "/api/v1/branches/{b}/reports": "?from=2026-12-01",
    "/api/v1/branches/{b}/reports.csv": "?from=2026-12-01&table=hourly",
    "/api/v1/reports": "?from=2026-12-01",
    "/api/v1/reports.csv": "?from=2026-12-01",
}
PUBLIC = {
    "/healthz",
    "/metrics",
    "/api/v1/track/{track_token}",
    "/api/v1/track/{track_token}/cancel",
    "/api/v1/book/{b}",
    "/api/v1/book/{b}/slots",
    "/api/v1/bookings/{code}",
    "/api/v1/bookings/{code}/change",
    "/api/v1/bookings/{code}/cancel",
    "/api/v1/book/{b}/remote",
    "/api/v1/remote/{code}",
}


def operations(api, prefix: str = "/api/v1/"):
    for path, ops in api.app.openapi()["paths"].items():
        if path.startswith(prefix) and path not in PUBLIC:
            for method in ops:
                yield method, path


def fill(path: str, ids: dict) -> str:
    return path.format(**ids) + QUERIES.get(path, "")


async def laid_out(api):
    """sjm01 with a ticket and an alert, and a second branch."""
    b = await api.branch()
    other = await api.branch(code="other")
    t = await b.issue("personal")
    await b.open(1)
    await b.teller(1, "call-next")
    await b.teller(1, "finish")
    await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 4})
    alert = (await b.manager("GET", "/alerts?status=open")).json()["alerts"][0]
    ids = {
        "b": "sjm01",
        "ticket_id": t["id"],
        "n": 1,
        "alert_id": alert["id"],
        "device_id": "kiosk1-printer",
        "token_id": "0123456789ab",
    }
    return b, other, ids
