"""The agent's fold of the event stream (drivers/hall_state.py) passes every shared case
of tests/data/event_folds.json, as the pages' state.js does (tests/displays/test_state_fold.py)."""

from __future__ import annotations

import pytest

from drivers.hall_state import GAP, SKIP, HallState, live_call
from tests.support.event_folds import cases, normalise

CASES = cases()


def fold(case: dict) -> dict:
    hall = HallState()
    hall.apply_snapshot(case["snapshot"])
    resync = False
    for ev in case["events"]:
        verdict = hall.apply(ev, now=0.0)
        if verdict == GAP:
            resync = True
            break
    return normalise(hall.state, resync, live_call(hall.state))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    assert fold(case) == case["expected"]


def test_the_cases_cover_every_kind_of_change():
    types = {ev["type"] for c in CASES for ev in c["events"]}
    assert {
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.serving",
        "ticket.done",
        "ticket.no_show",
        "ticket.postponed",
        "ticket.transferred",
        "ticket.reassigned",
        "ticket.priority_changed",
        "ticket.requeued",
        "ticket.cancelled",
        "ticket.expired",
        "counter.opened",
        "counter.closed",
        "counter.paused",
        "counter.resumed",
        "alert.raised",
        "alert.acked",
        "alert.cleared",
        "device.health",
        "branch.updated",
    } <= types
    assert any(c["expected"]["resync"] for c in CASES)
    assert any(c["expected"]["pinned"] for c in CASES)


def test_the_snapshot_copy_is_the_agents_own():
    case = CASES[1]
    hall = HallState()
    hall.apply_snapshot(case["snapshot"])
    for ev in case["events"]:
        hall.apply(ev, now=0.0)
    assert len(case["snapshot"]["waiting"]) == 3  # the fold never changed its input


def test_a_call_flashes_its_window_and_a_recall_shows_again():
    hall = HallState()
    hall.apply_snapshot(CASES[3]["snapshot"])
    called, recalled = CASES[3]["events"]
    assert hall.apply(called, now=100.0) != SKIP
    first = hall.counter_content(1, now=101.0)
    assert first.number == "A001" and first.blink
    assert not hall.counter_content(1, now=200.0).blink
    hall.apply(recalled, now=300.0)
    again = hall.counter_content(1, now=301.0)
    assert again.number == "A001" and again.blink and again.call_seq == first.call_seq + 1
    assert [c.number for c in hall.hall_content().calls] == ["A001"]  # a recall is no second line


def case_named(start: str) -> dict:
    return next(c for c in CASES if c["name"].startswith(start))


def hall_after(case: dict) -> HallState:
    hall = HallState()
    hall.apply_snapshot(case["snapshot"])
    for ev in case["events"]:
        hall.apply(ev, now=0.0)
    return hall


def test_an_led_hall_screen_shows_only_live_calls():
    """Each line of an LED hall screen says where to go now ("A002 请到2号窗口"): a call at a
    paused window, a no-show or a finished ticket takes no line."""
    paused = hall_after(case_named("a call at a paused counter"))
    assert [(c.number, c.counter) for c in paused.hall_content().calls] == [("A001", 1)]
    assert hall_after(case_named("no live call at all")).hall_content().calls == ()
    finished = hall_after(case_named("a finished ticket's call stays"))
    assert [c.number for c in finished.hall_content().calls] == ["A002"]
