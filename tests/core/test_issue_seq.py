"""A ticket's ``issue_seq`` is the seq of its ``ticket.issued`` event: the issue inserts it
before it takes the branch's seq, and the commit stamps it (app/store/events.py)."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from app.store.database import transaction
from app.store.statement import Statement
from app.store.tables import tickets

_SEQS = Statement(select(tickets.c.id, tickets.c.issue_seq).where(tickets.c.branch == bindparam("branch")))


async def test_issue_seq_is_the_issued_events_seq_also_after_a_rollover(api):
    branch = await api.branch()
    first = [await branch.issue(c) for c in ("personal", "corporate", "personal")]
    api.clock.advance(86_400)  # the next issue first expires those: its event is not the first it records
    last = await branch.issue("fx")
    events = await branch.events()
    issued = {e["data"]["id"]: e["seq"] for e in events if e["type"] == "ticket.issued"}
    expired = [e["seq"] for e in events if e["type"] == "ticket.expired"]
    assert len(expired) == 3 and max(expired) < issued[last["id"]]
    async with transaction(api.ctx.db) as tx:
        stored = {row.id: row.issue_seq for row in await tx.fetch(_SEQS, {"branch": branch.code})}
    assert stored == issued
    assert set(stored) == {t["id"] for t in [*first, last]}
