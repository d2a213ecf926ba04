"""The store's claim query and queue position agree with the pure ordering rule.

Random queues go into a real database (SQLite and PostgreSQL); for every counter
``ticket_rows.claim_next`` must pick the ticket ``ordering.next_for`` picks, and for every
waiting ticket ``ticket_rows.queue_position`` must count what ``ordering.ahead_of`` counts.
The queues include pinned tickets of foreign categories, fairness on and off, equal queue
times broken by issue order, and tickets that are not waiting.

Hypothesis and function-scoped async fixtures do not mix, so the test is synchronous, owns
one event loop and one engine, and clears the tickets table between examples.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, delete

from app.rules import ordering
from app.rules.layout import Counter, Policy, from_dict
from app.rules.tickets import Ticket
from app.sample_branch import SAMPLE_BRANCH
from app.store import migrate
from app.store import tickets as ticket_rows
from app.store.database import Database, open_database, transaction
from app.store.statement import Statement
from app.store.tables import queue_lengths
from app.store.tables import tickets as tickets_table

_CLEAR = Statement(delete(tickets_table))
_CLEAR_LENGTHS = Statement(delete(queue_lengths))  # kept by ticket_rows.add beside the tickets

CATEGORIES = ("personal", "corporate", "fx", "wealth")
START = 1_800_000_000.0
BRANCH = "sql01"

serves_strategy = st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True).map(tuple)


@st.composite
def queues(draw):
    n = draw(st.integers(0, 16))
    orders = draw(st.permutations(range(1, n + 1)))
    tickets = []
    for i in range(n):
        # Few distinct times: ties on purpose. A queue time after ``now`` with an earlier
        # issue is a booking checked in early, ranked from its slot (docs/domain.md).
        queued = START + 60 * draw(st.integers(0, 5))
        tickets.append(
            Ticket(
                id=f"q{i:03d}",
                branch=BRANCH,
                day="2027-01-15",
                number=f"Q{i:03d}",
                category=draw(st.sampled_from(CATEGORIES)),
                priority=draw(st.sampled_from(["normal", "normal", "vip", "green"])),
                status=draw(st.sampled_from(["waiting"] * 6 + ["postponed", "called", "serving", "done", "no_show"])),
                issued_at=queued - 60 * draw(st.integers(0, 3)),
                queued_at=queued,
                issue_seq=10 * orders[i],
                pinned_counter=draw(st.sampled_from([None, None, None, 1, 2, 3])),
            )
        )
    counters = tuple(Counter(n, str(n), draw(serves_strategy)) for n in (1, 2, 3))
    policy = Policy(max_wait_minutes=draw(st.sampled_from([None, 1, 3])))
    now = START + 60 * draw(st.integers(0, 8)) + draw(st.sampled_from([0, 1, 59]))
    return tickets, counters, policy, now


async def _check(database: Database, tickets: list[Ticket], counters, policy: Policy, now: float) -> None:
    async with transaction(database) as tx:
        await tx.execute(_CLEAR, {})
        await tx.execute(_CLEAR_LENGTHS, {})
        for t in tickets:
            await ticket_rows.add(tx, t, track_token=f"track-{t.id}")
    for counter in counters:
        expected = ordering.next_for(counter, tickets, policy, now)
        writing = await database.begin()
        try:
            claimed = await ticket_rows.claim_next(writing.tx, BRANCH, counter, policy, now)
        finally:
            await writing.rollback()
        assert (claimed.id if claimed else None) == (expected.id if expected else None), (
            f"counter {counter.number} serves {counter.serves}: SQL claimed "
            f"{claimed and dataclasses.astuple(claimed)[:10]}, "
            f"the rule picks {expected and dataclasses.astuple(expected)[:10]}"
        )
        if claimed:
            assert claimed == expected  # the row reads back exactly as written
            assert type(claimed.print_failed) is bool  # not SQLite's 0/1: it goes out as JSON
    waiting = [t for t in tickets if t.status == "waiting"]
    async with database.read() as tx:
        for t in waiting:
            ahead, in_queue = await ticket_rows.queue_position(tx, t, policy, now)
            assert ahead == ordering.ahead_of(t, tickets, policy, now), t.id
            assert in_queue == sum(
                1 for o in waiting if o.id != t.id and o.pinned_counter is None and o.category == t.category
            )


def test_claim_query_and_queue_position_agree_with_pure_rule(database_url):
    migrate.upgrade(database_url)
    loop = asyncio.new_event_loop()
    database = loop.run_until_complete(open_database(database_url))
    try:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(queues())
        def agree(queue):
            tickets, counters, policy, now = queue
            loop.run_until_complete(_check(database, tickets, counters, policy, now))

        agree()

        # Fixed cases the random ones must not leave to chance.
        c3 = Counter(3, "3", ("corporate", "personal"))

        def t(tid, category, queued, seq, **kw):
            return Ticket(
                id=tid,
                branch=BRANCH,
                day="2027-01-15",
                number=tid.upper(),
                category=category,
                priority=kw.pop("priority", "normal"),
                status="waiting",
                issued_at=queued,
                queued_at=queued,
                issue_seq=seq,
                **kw,
            )

        cases = [
            # equal queue time: issue order decides, whatever the insert order
            [t("b", "personal", START, 7), t("a", "personal", START, 3)],
            # a pinned foreign ticket ranks with the first served category: queue time decides
            [t("f", "fx", START + 60, 1, pinned_counter=3), t("c", "corporate", START, 2, pinned_counter=3)],
            [t("f", "fx", START, 2, pinned_counter=3), t("c", "corporate", START + 60, 1, pinned_counter=3)],
            # pinned beats green; green beats an older normal
            [t("g", "personal", START + 60, 1, priority="green"), t("p", "fx", START + 120, 2, pinned_counter=3)],
            [t("n", "corporate", START, 1), t("g", "personal", START + 60, 2, priority="green")],
            # fairness: an old normal outranks a newer vip
            [t("v", "corporate", START + 600, 2, priority="vip"), t("o", "corporate", START, 3)],
        ]
        for case in cases:
            for policy in (Policy(), Policy(max_wait_minutes=5)):
                loop.run_until_complete(_check(database, case, (c3,), policy, START + 601))
    finally:
        loop.run_until_complete(database.close())
        loop.close()


# --------------------------------------------------------------------------- through the API


_ALL_OF_BRANCH = Statement(
    ticket_rows.SELECT_TICKETS.where(tickets_table.c.branch == bindparam("branch")).order_by(tickets_table.c.issue_seq)
)


async def _tickets_in_db(api, branch: str) -> list[Ticket]:
    async with api.ctx.db.read() as tx:
        rows = await tx.fetch(_ALL_OF_BRANCH, {"branch": branch})
    return [ticket_rows.from_row(r) for r in rows]


async def test_random_days_through_the_api_call_what_the_rule_says(api):
    """Random presses through the HTTP API; every call-next answers the ticket ``next_for``
    picks from the database's own rows, and every issue's ``ahead`` is ``ahead_of``'s count.
    The clock moves in steps of 7 minutes, so the 45-minute fairness limit is crossed often
    but never sits on the boundary; the day starts at 09:00 so it never crosses midnight, where
    yesterday's waiting tickets expire."""
    api.clock.advance_to(9, SAMPLE_BRANCH["timezone"])
    b = await api.branch(code="rnd01")
    layout = from_dict("rnd01", {**SAMPLE_BRANCH, "code": "rnd01"})
    policy = layout.policy
    assert policy.max_wait_minutes == 45
    categories = [c.code for c in layout.categories]
    numbers = [c.number for c in layout.counters]
    for n in numbers:
        await b.open(n)
    paused: set[int] = set()
    calls = 0
    for seed in range(3):
        rnd = random.Random(seed)
        for _step in range(100):
            tickets = await _tickets_in_db(api, "rnd01")
            by_status = lambda *s: [t for t in tickets if t.status in s]  # noqa: E731
            op = rnd.choice(
                [
                    "issue",
                    "issue",
                    "issue",
                    "call_next",
                    "call_next",
                    "call_next",
                    "start",
                    "finish",
                    "skip",
                    "requeue",
                    "transfer",
                    "reassign",
                    "priority",
                    "pause",
                    "postpone",
                    "call_one",
                    "cancel",
                    "wait",
                ]
            )
            n = rnd.choice(numbers)
            if op == "issue":
                priority = rnd.choice(["normal", "normal", "normal", "vip", "green"])
                role = "kiosk" if priority == "normal" else "manager"
                issued = await b.issue(rnd.choice(categories), role=role, priority=priority)
                after = await _tickets_in_db(api, "rnd01")
                mine = next(t for t in after if t.id == issued["id"])
                assert issued["ahead"] == ordering.ahead_of(mine, after, policy, api.clock()), issued["number"]
            elif op == "call_next":
                current = next((t for t in tickets if t.counter == n and t.status in ("called", "serving")), None)
                if current is not None and current.status == "called" and n not in paused and rnd.random() < 0.7:
                    assert (await b.teller(n, rnd.choice(["finish", "skip", "start"]))).status_code == 200
                    tickets = await _tickets_in_db(api, "rnd01")
                    current = next((t for t in tickets if t.counter == n and t.status in ("called", "serving")), None)
                now = api.clock()
                r = await b.teller(n, "call-next")
                if n in paused:
                    assert r.status_code == 409
                    continue
                if current is not None and current.status == "called":
                    assert r.status_code == 409, r.text
                    continue
                expected = ordering.next_for(layout.counter(n), tickets, policy, now)
                if expected is None:
                    assert r.status_code == 204, r.text
                else:
                    assert r.status_code == 200, r.text
                    assert r.json()["id"] == expected.id, (n, r.json()["number"], expected.number)
                    calls += 1
            elif op in ("start", "finish", "skip", "postpone"):
                await b.teller(n, op)
            elif op == "transfer":
                if rnd.random() < 0.5:
                    await b.teller(n, "transfer", json={"category": rnd.choice(categories)})
                else:
                    await b.teller(n, "transfer", json={"counter": rnd.choice([m for m in numbers if m != n])})
            elif op == "requeue" and by_status("no_show"):
                t = rnd.choice(by_status("no_show"))
                r = await b.manager("POST", f"/tickets/{t.id}/requeue", json={"keep_place": rnd.random() < 0.5})
                assert r.status_code == 200, r.text
            elif op == "reassign" and by_status("waiting", "called", "serving", "postponed"):
                t = rnd.choice(by_status("waiting", "called", "serving", "postponed"))
                r = await b.manager("POST", f"/tickets/{t.id}/reassign", json={"category": rnd.choice(categories)})
                assert r.status_code == 200, r.text
            elif op == "priority" and by_status("waiting", "postponed"):
                t = rnd.choice(by_status("waiting", "postponed"))
                r = await b.manager(
                    "POST", f"/tickets/{t.id}/priority", json={"priority": rnd.choice(["green", "vip", "normal"])}
                )
                assert r.status_code == 200, r.text
            elif op == "pause":
                r = await b.teller(n, "resume" if n in paused else "pause", json={} if n in paused else {"reason": "x"})
                assert r.status_code == 200, r.text
                paused ^= {n}
            elif op == "call_one" and by_status("waiting", "postponed") and n not in paused:
                t = rnd.choice(by_status("waiting", "postponed"))
                await b.teller(n, f"call/{t.id}")
            elif op == "cancel" and by_status("waiting"):
                t = rnd.choice(by_status("waiting"))
                assert (await b.manager("POST", f"/tickets/{t.id}/cancel")).status_code == 200
            elif op == "wait":
                api.clock.advance(7 * 60)
        # the live snapshot's `ahead` is ahead_of's as well
        now = api.clock()
        tickets = await _tickets_in_db(api, "rnd01")
        by_id = {t.id: t for t in tickets}
        for w in (await b.state())["waiting"]:
            if w["pinned_counter"] is None:
                assert w["ahead"] == ordering.ahead_of(by_id[w["id"]], tickets, policy, now)
    assert calls > 15  # enough real claims were compared


# --------------------------------------------------------------------------- racing on PostgreSQL


def test_a_claim_passes_the_tickets_other_counters_hold(postgres_only_url):
    """PostgreSQL: while other transactions hold the best tickets (claimed, not yet
    committed), a claim takes the next free one at once, in call order, instead of
    waiting for them or calling one twice. Ten claims at once also go past the first
    two of a group that the claim reads at first. Once a holder rolls back, its ticket
    is next again."""
    database_url = postgres_only_url  # SQLite has one writer: no two claims are ever open at once
    migrate.upgrade(database_url)
    queue = [
        Ticket(
            id=f"r{i:02d}",
            branch=BRANCH,
            day="2027-01-15",
            number=f"R{i:02d}",
            category="personal",
            priority="normal",
            status="waiting",
            issued_at=START + i,
            queued_at=START + i,
            issue_seq=i,
        )
        for i in range(1, 11)
    ]

    async def scenario():
        database = await open_database(database_url)
        holders = []
        try:
            async with transaction(database) as tx:
                await tx.execute(_CLEAR, {})
                await tx.execute(_CLEAR_LENGTHS, {})
                for t in queue:
                    await ticket_rows.add(tx, t, track_token=f"track-{t.id}")
            claimed = []
            for n in range(1, 12):
                writing = await database.begin()
                holders.append(writing)
                counter = Counter(n, str(n), ("personal",))
                ticket = await asyncio.wait_for(
                    ticket_rows.claim_next(writing.tx, BRANCH, counter, Policy(), START + 60), 5
                )
                claimed.append(ticket and ticket.id)
            assert claimed == [t.id for t in queue] + [None]
            await holders[0].rollback()  # the first counter gives r01 back
            last = holders[-1].tx
            assert (
                await ticket_rows.claim_next(last, BRANCH, Counter(11, "11", ("personal",)), Policy(), START + 60)
            ).id == "r01"
        finally:
            for writing in holders:
                await writing.rollback()
            await database.close()

    asyncio.run(scenario())
