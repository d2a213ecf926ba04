"""lobbyq's estimate on hand-built lobbies (docs/domain.md, estimated wait): it plays the
counters forward, so what a counter serves first, a pinned ticket, a busy counter, the
VIPs who will overtake and the service times learned at each counter all show in it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.estimates import (
    BranchFacts,
    CounterOutlook,
    LobbyOutlook,
    learned_service_s,
    lobby_outlook,
    lobbyq_wait_s,
    queue_length_wait_s,
)
from app.rules.layout import Counter


def counter(number: int, *serves: str, service_s: float = 300, free_in_s: float = 0, pinned: int = 0):
    return CounterOutlook(number, serves, {c: service_s for c in serves}, free_in_s, pinned)


def test_one_free_counter_serves_the_ones_ahead_first():
    lobby = LobbyOutlook((counter(1, "personal"),))
    assert lobbyq_wait_s(lobby, "personal", 0) == 0
    assert lobbyq_wait_s(lobby, "personal", 6) == 1800


def test_a_second_open_counter_halves_the_wait():
    one = LobbyOutlook((counter(1, "personal"),))
    two = LobbyOutlook((counter(1, "personal"), counter(2, "personal")))
    assert lobbyq_wait_s(two, "personal", 6) == lobbyq_wait_s(one, "personal", 6) / 2


def test_a_counter_serving_the_category_second_helps_only_when_its_first_is_empty():
    """Counter 2 serves corporate first: with 10 corporate tickets waiting it does not touch
    personal for 10 services; with no corporate ticket it is a full second counter."""
    counters = (counter(1, "personal"), counter(2, "corporate", "personal"))
    busy = LobbyOutlook(counters, waiting={"corporate": 10})
    idle = LobbyOutlook(counters)
    assert lobbyq_wait_s(busy, "personal", 6) == 1800  # counter 1 alone
    assert lobbyq_wait_s(idle, "personal", 6) == 900


def test_arriving_tickets_of_a_counters_first_category_take_its_time():
    counters = (counter(1, "personal"), counter(2, "corporate", "personal"))
    quiet = LobbyOutlook(counters)
    # corporate arrives as fast as counter 2 serves it: counter 2 never gets to personal
    flooded = LobbyOutlook(counters, arrivals_per_s={"corporate": 1 / 300})
    assert lobbyq_wait_s(flooded, "personal", 6) > lobbyq_wait_s(quiet, "personal", 6)


def test_tickets_pinned_to_a_counter_are_served_there_first():
    free = LobbyOutlook((counter(1, "personal"),))
    pinned = LobbyOutlook((counter(1, "personal", pinned=2),))
    assert lobbyq_wait_s(pinned, "personal", 1) == lobbyq_wait_s(free, "personal", 1) + 600


def test_a_busy_counter_is_free_when_its_service_is_expected_to_end():
    lobby = LobbyOutlook((counter(1, "personal", free_in_s=120),))
    assert lobbyq_wait_s(lobby, "personal", 0) == 120
    assert lobbyq_wait_s(lobby, "personal", 1) == 420


def test_vips_arriving_overtake_a_normal_ticket_only_while_it_is_younger_than_the_limit():
    lobby = LobbyOutlook((counter(1, "personal"),))
    alone = lobbyq_wait_s(lobby, "personal", 3)
    overtaken = lobbyq_wait_s(lobby, "personal", 3, overtaking_per_s=1 / 600)
    limited = lobbyq_wait_s(lobby, "personal", 3, overtaking_per_s=1 / 600, overtaking_for_s=300)
    assert alone == 900
    assert overtaken > limited > alone


def test_no_counter_for_the_category_gives_no_estimate():
    assert lobbyq_wait_s(LobbyOutlook((counter(1, "corporate"),)), "personal", 2) is None


def test_a_huge_queue_is_extrapolated_not_played_to_the_end():
    lobby = LobbyOutlook((counter(1, "personal"), counter(2, "personal")))
    assert lobbyq_wait_s(lobby, "personal", 100_000) == pytest.approx(100_000 * 150, rel=0.01)


def test_a_counters_own_service_times_weigh_in_with_the_branchs():
    facts = BranchFacts(
        open_counters={1: None, 2: None},
        waiting={},
        pinned={},
        service={"personal": (300.0, 40)},
        service_at={(1, "personal"): (600.0, 20), (2, "personal"): (150.0, 1)},
        issued={},
        issued_over_s=1800,
    )
    slow = learned_service_s(facts, 1, "personal", 200)
    new = learned_service_s(facts, 2, "personal", 200)
    assert 500 < slow < 600  # twenty tickets: mostly its own
    assert 250 < new < 300  # one quick ticket does not make a fast counter
    assert learned_service_s(facts, 3, "personal", 200) == 300  # none of its own: the branch's


def test_the_outlook_plays_open_counters_or_all_of_them_before_any_opens():
    layout_counters = [Counter(number=n, name=f"{n}", serves=["personal"]) for n in (1, 2, 3)]
    facts = BranchFacts({}, {}, {}, {}, {}, {}, 1800)
    assert len(lobby_outlook(layout_counters, facts, 0, 300).counters) == 3
    busy = BranchFacts({2: ("personal", -100.0)}, {}, {}, {}, {}, {}, 1800)
    (only,) = lobby_outlook(layout_counters, busy, 0, 300).counters
    assert (only.number, only.free_in_s) == (2, 200)


@given(
    ahead=st.integers(0, 60),
    counters=st.integers(1, 6),
    service_s=st.floats(30, 1200),
)
def test_with_only_its_own_category_it_agrees_with_the_queue_length_estimate_of_the_ahead(ahead, counters, service_s):
    """All counters free, no arrivals: the k-th ticket is called after floor(k / c) services;
    QL's (k + 1) / c is the same number of rounds give or take one service."""
    lobby = LobbyOutlook(tuple(counter(n, "personal", service_s=service_s) for n in range(1, counters + 1)))
    wait = lobbyq_wait_s(lobby, "personal", ahead)
    assert wait == pytest.approx(math.floor(ahead / counters) * service_s)
    assert abs(wait - queue_length_wait_s(ahead, counters, service_s)) <= service_s * (1 + 1e-9)
