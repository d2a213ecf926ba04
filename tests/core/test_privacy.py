"""Privacy (issue #13 item 8): personal fields deleted the configured days after the visit."""

from __future__ import annotations

from sqlalchemy import select

from app.services import housekeeping
from app.store.statement import Statement
from app.store.tables import remote_tickets
from tests.support.booking import ZONE, booked_branch, day_after

KEYS = Statement(select(remote_tickets.c.phone_hash, remote_tickets.c.address_hash))


async def test_personal_fields_are_deleted_the_configured_days_after_the_visit(api):
    """Privacy (issue #13 item 8): the sweep deletes a booking's phone number and a remote
    ticket's keys ``personal_data_days`` after the visit, and only then."""
    layout = booked_branch()
    layout["categories"][0]["remote"] = True
    b = await api.branch(layout)
    api.clock.advance_to(9, ZONE)
    today = day_after(api.clock(), 0)
    body = {"category": "cash", "date": today, "time": "10:00", "amount": 1, "currency": "CNY", "phone": "13800138000"}
    assert (await api.request("POST", "/api/v1/book/sjm01", json=body)).status_code == 201
    assert (await api.request("POST", "/api/v1/book/sjm01/remote", json={"category": "personal"})).status_code == 201

    async def phones() -> list:
        await housekeeping.sweep_all(api.ctx)
        return [x["phone"] for x in (await b.manager("GET", f"/bookings?date={today}")).json()["bookings"]]

    async def keys() -> list:
        async with api.ctx.db.read() as tx:
            return [tuple(r) for r in await tx.fetch(KEYS, {})]

    assert [k is not None for k in (await keys())[0]] == [False, True]  # no phone given; an address
    days = api.ctx.settings.personal_data_days
    api.clock.advance(days * 86400 - 60)  # 08:59: the remote ticket (09:00), the slot (10:30) not yet
    assert await phones() == ["13800138000"]
    assert (await keys())[0][1] is not None
    api.clock.advance(90 * 60 + 120)  # 10:31
    assert await phones() == [None]
    assert await keys() == [(None, None)]
