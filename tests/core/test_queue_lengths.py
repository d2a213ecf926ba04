"""The queue lengths an issue reads (``queue_lengths``) stay equal to a count of the
queue through every move that changes it: issue, call, no-show and requeue, transfer to a
category or pinned to a counter, reassign, priority, cancel, and the day's rollover."""

from __future__ import annotations

import random

from sqlalchemy import bindparam, func, select

from app.store.database import transaction
from app.store.statement import Statement
from app.store.tables import queue_lengths, tickets

_KEPT = Statement(
    select(queue_lengths.c.category, queue_lengths.c.waiting).where(queue_lengths.c.branch == bindparam("branch"))
)
_COUNTED = Statement(
    select(tickets.c.category, func.count())
    .where(tickets.c.branch == bindparam("branch"), tickets.c.status == "waiting", tickets.c.pinned_counter.is_(None))
    .group_by(tickets.c.category)
)
CATEGORIES = ["personal", "corporate", "fx", "wealth"]


async def _lengths(api, code: str) -> tuple[dict[str, int], dict[str, int]]:
    async with transaction(api.ctx.db) as tx:
        kept = {r.category: r.waiting for r in await tx.fetch(_KEPT, {"branch": code}) if r.waiting}
        counted = {r[0]: r[1] for r in await tx.fetch(_COUNTED, {"branch": code})}
    return kept, counted


async def test_queue_lengths_follow_every_move(api):
    branch = await api.branch()
    rng = random.Random(12)
    for n in (1, 2, 3):
        await branch.open(n)
    ids: list[str] = []
    moved = 0
    for step in range(160):
        op = rng.choice(["issue"] * 4 + ["call", "start", "finish", "skip", "transfer", "manager", "manager"])
        counter = rng.choice([1, 2, 3])
        if op == "issue":
            ids.append((await branch.issue(rng.choice(CATEGORIES)))["id"])
            continue
        if op == "call":
            r = await branch.teller(counter, "call-next")
        elif op in ("start", "finish", "skip"):
            r = await branch.teller(counter, op)
        elif op == "transfer":
            body = {"category": rng.choice(CATEGORIES)} if rng.random() < 0.5 else {"counter": rng.choice([1, 2, 3])}
            r = await branch.teller(counter, "transfer", json=body)
        else:
            if not ids:
                continue
            ticket = rng.choice(ids)
            action, body = rng.choice(
                [
                    ("reassign", {"category": rng.choice(CATEGORIES)}),
                    ("priority", {"priority": rng.choice(["normal", "vip", "green"])}),
                    ("requeue", {"keep_place": rng.random() < 0.5}),
                    ("cancel", None),
                ]
            )
            r = await branch.manager("POST", f"/tickets/{ticket}/{action}", json=body)
        assert r.status_code < 500, r.text
        moved += r.status_code < 300
        if step == 100:
            api.clock.advance(86_400)  # the next unit of work expires yesterday's queue
        kept, counted = await _lengths(api, branch.code)
        assert kept == counted, f"after {op} (step {step}): kept {kept}, counted {counted}"
    assert moved > 25  # enough of the moves were allowed ones, not refusals
