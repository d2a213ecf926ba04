"""The model check itself, on a small day written out by hand: it passes the day as it
happened and fails each way the server could break a promise (tests/reliability/checks.py)."""

from __future__ import annotations

import copy

import pytest

from tests.reliability import checks
from tests.reliability.workload import Op, Record


def ticket(id_: str, number: str, status: str, counter: int | None = None, recalls: int = 0) -> dict:
    called = "c" if counter else None
    return {
        **{"id": id_, "number": number, "status": status, "category": "personal", "priority": "normal"},
        **{"counter": counter, "pinned_counter": None, "recall_count": recalls, "score": None},
        **{"queued_at": f"q-{id_}", "called_at": called, "started_at": None, "finished_at": None},
    }


A_WAITING, B_WAITING = ticket("a", "A001", "waiting"), ticket("b", "A002", "waiting")
A_CALLED, A_SERVING, A_DONE = (ticket("a", "A001", s, 1) for s in ("called", "serving", "done"))
B_CALLED = ticket("b", "A002", "called", 2)


def day() -> tuple[Record, list[dict], list[dict], dict]:
    """Two tickets issued; A001 called, served and finished at counter 1; A002 called at 2."""
    moves = [
        ("issue", None, "ticket.issued", A_WAITING),
        ("issue", None, "ticket.issued", B_WAITING),
        ("call-next", 1, "ticket.called", A_CALLED),
        ("start", 1, "ticket.serving", A_SERVING),
        ("finish", 1, "ticket.done", A_DONE),
        ("call-next", 2, "ticket.called", B_CALLED),
    ]
    record = Record(ops=[Op("c", kind, "/", counter=n, status=201 if kind == "issue" else 200, body=dict(data))
                         for kind, n, _, data in moves])  # fmt: skip
    events = [{"seq": i, "type": t, "at": f"t{i}", "data": dict(data)} for i, (_, _, t, data) in enumerate(moves, 1)]
    counters = [
        {"number": 1, "state": "open", "current_ticket": None},
        {"number": 2, "state": "open", "current_ticket": "b"},
    ]
    return record, events, [dict(A_DONE), dict(B_CALLED)], {"seq": 6, "counters": counters}


def renumber(events: list[dict]) -> list[dict]:
    for seq, e in enumerate(events, 1):
        e["seq"] = seq
    return events


def test_the_day_as_it_happened_passes():
    record, events, tickets, state = day()
    assert checks.check(record, events, tickets, state, faults=False, min_issues=2)["events"] == 6


def lost_call(r, e, t, s):
    del e[2]
    return r, renumber(e), t, {**s, "seq": 5}


def called_twice(r, e, t, s):
    e.insert(3, {"seq": 0, "type": "ticket.called", "at": "x", "data": ticket("a", "A001", "called", 2)})
    return r, renumber(e), t, {**s, "seq": 7}


def seq_skipped(r, e, t, s):
    e[4]["seq"] = 6
    e[5]["seq"] = 7
    return r, e, t, {**s, "seq": 7}


def number_skipped(r, e, t, s):
    for x in (e[1]["data"], e[5]["data"], t[1], r.ops[1].body, r.ops[5].body):
        x["number"] = "A003"
    return r, e, t, s


def final_state_not_the_fold(r, e, t, s):
    t[1]["status"] = "serving"
    return r, e, t, s


def acknowledged_ticket_lost(r, e, t, s):
    return r, e, t[:1], s


def answer_not_as_recorded(r, e, t, s):
    r.ops[3].body["started_at"] = "later"
    return r, e, t, s


def counter_holds_another(r, e, t, s):
    s["counters"][1]["current_ticket"] = "a"
    return r, e, t, s


def event_of_a_refused_request(r, e, t, s):
    recalled = ticket("b", "A002", "called", 2, recalls=1)
    e.append({"seq": 7, "type": "ticket.recalled", "at": "t7", "data": recalled})
    r.ops.append(Op("c", "recall", "/", counter=2, status=409))
    return r, e, [t[0], dict(recalled)], {**s, "seq": 7}


@pytest.mark.parametrize(
    "broken",
    [
        lost_call,
        called_twice,
        seq_skipped,
        number_skipped,
        final_state_not_the_fold,
        acknowledged_ticket_lost,
        answer_not_as_recorded,
        counter_holds_another,
        event_of_a_refused_request,
    ],
)
def test_each_broken_promise_fails_the_check(broken):
    with pytest.raises(AssertionError):
        checks.check(*broken(*copy.deepcopy(day())), faults=True, min_issues=2)


def test_an_event_of_an_unanswered_request_may_have_happened():
    r, e, t, s = event_of_a_refused_request(*day())
    r.ops[-1].status = None  # no answer: the recall may have been done
    checks.check(r, e, t, s, faults=True, min_issues=2)
    with pytest.raises(AssertionError):  # but without a fault every request has its answer
        checks.check(r, e, t, s, faults=False, min_issues=2)
