"""The one rounding of the estimated wait (docs/domain.md): whole minutes, rounded up, and
carried next to the seconds wherever a ticket is shown."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from app.rules.estimates import wait_minutes
from app.rules.representations import ticket_json
from app.rules.tickets import Ticket
from app.rules.vocabulary import Priority, TicketStatus


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(None, None), (0, 0), (1, 1), (29, 1), (30, 1), (59, 1), (60, 1), (61, 2), (90, 2), (120, 2), (150, 3), (540, 9)],
)
def test_wait_minutes_rounds_every_part_of_a_minute_up(seconds, minutes):
    assert wait_minutes(seconds) == minutes


def test_ticket_json_carries_the_rounded_minutes_next_to_the_seconds():
    t = Ticket(
        id="t1",
        branch="b",
        day="2026-11-22",
        number="A001",
        category="personal",
        priority=Priority.NORMAL,
        status=TicketStatus.WAITING,
        issued_at=0.0,
        queued_at=0.0,
        issue_seq=1,
        estimated_wait_s=150,
    )
    body = ticket_json(t, ZoneInfo("Asia/Shanghai"))
    assert (body["estimated_wait_s"], body["wait_minutes"]) == (150, 3)


async def test_a_counter_opening_or_pausing_changes_a_waiting_customers_estimate(api):
    """With 6 ahead, opening a second counter for the category halves the estimate the
    customer's page shows, once the branch's profile is re-read (at most 5 s old); pausing it
    brings the estimate back (docs/domain.md, estimated wait)."""
    b = await api.branch()
    await b.open(1)
    issued = [await b.issue("personal") for _ in range(7)]
    track = f"/api/v1/track/{issued[-1]['track_token']}"

    async def estimate() -> int:
        api.clock.advance(11)  # past the profile's age
        body = (await api.request("GET", track)).json()
        assert body["ahead"] == 6
        return body["estimated_wait_s"]

    alone = await estimate()
    await b.open(2)  # serves personal first, as counter 1
    two = await estimate()
    assert two == pytest.approx(alone / 2, abs=1)
    assert (await b.teller(2, "pause", json={"reason": "午餐"})).status_code == 200
    assert await estimate() == alone
