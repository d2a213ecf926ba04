"""lobbyq's estimate on hand-built lobbies (docs/domain.md, estimated wait): it plays the
counters forward as the rules call, so priority classes before a counter's order of
categories, a pinned ticket, a busy counter, the VIPs who will overtake, the fairness
limit, who gives up and the service times learned at each counter all show in it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.estimates import CounterOutlook, LobbyOutlook, Target, call_times_s, lobbyq_wait_s, queue_length_wait_s
from app.rules.layout import Counter
from app.rules.lobby_outlook import BranchFacts, learned_service_s, lobby_outlook, staying_share

PERSONAL = Target("personal")
NORMAL, VIP, GREEN = 2, 1, 0


def counter(number: int, *serves: str, service_s: float = 300, free_in_s: float = 0, pinned: int = 0):
    return CounterOutlook(number, serves, {c: service_s for c in serves}, free_in_s, pinned)


def facts(**kw) -> BranchFacts:
    base = {
        "open_counters": {},
        "waiting": {},
        "pinned": {},
        "service": {},
        "service_at": {},
        "issued": {},
        "issued_over_s": 1800.0,
    }
    return BranchFacts(**{**base, **kw})


def test_one_free_counter_serves_the_ones_ahead_first():
    lobby = LobbyOutlook((counter(1, "personal"),))
    assert lobbyq_wait_s(lobby, PERSONAL, 0) == 0
    assert lobbyq_wait_s(lobby, PERSONAL, 6) == 1800


def test_a_second_open_counter_halves_the_wait():
    one = LobbyOutlook((counter(1, "personal"),))
    two = LobbyOutlook((counter(1, "personal"), counter(2, "personal")))
    assert lobbyq_wait_s(two, PERSONAL, 6) == lobbyq_wait_s(one, PERSONAL, 6) / 2


def test_a_counter_serving_the_category_second_helps_only_when_its_first_is_empty():
    """Counter 2 serves corporate first: with 10 corporate tickets waiting it does not touch
    personal for 10 services; with no corporate ticket it is a full second counter."""
    counters = (counter(1, "personal"), counter(2, "corporate", "personal"))
    busy = LobbyOutlook(counters, waiting={("corporate", NORMAL): 10})
    idle = LobbyOutlook(counters)
    assert lobbyq_wait_s(busy, PERSONAL, 6) == 1800  # counter 1 alone
    assert lobbyq_wait_s(idle, PERSONAL, 6) == 900


def test_priority_comes_before_a_counters_order_of_categories():
    """As the rules call (class first, then the counter's order): corporate VIPs waiting at a
    counter serving personal first still go before a normal personal ticket there, but not
    before a VIP one."""
    counters = (counter(1, "personal", "corporate"),)
    lobby = LobbyOutlook(counters, waiting={("corporate", VIP): 2, ("corporate", NORMAL): 5})
    assert lobbyq_wait_s(lobby, PERSONAL, 0) == 600  # behind the two VIPs, before the five
    assert lobbyq_wait_s(lobby, Target("personal", VIP), 0) == 0


def test_a_normal_ticket_past_the_fairness_limit_goes_before_other_normal_tickets():
    counters = (counter(1, "corporate", "personal"),)
    lobby = LobbyOutlook(counters, waiting={("corporate", NORMAL): 10})
    never = lobbyq_wait_s(lobby, PERSONAL, 0)
    ages = lobbyq_wait_s(lobby, Target("personal", ages_in_s=900), 0)
    assert never == 3000 and ages == 900


def test_arriving_tickets_of_a_counters_first_category_take_its_time():
    counters = (counter(1, "personal"), counter(2, "corporate", "personal"))
    quiet = LobbyOutlook(counters)
    # corporate arrives as fast as counter 2 serves it: counter 2 never gets to personal
    flooded = LobbyOutlook(counters, arrivals_per_s={("corporate", NORMAL): 1 / 300})
    assert lobbyq_wait_s(flooded, PERSONAL, 6) > lobbyq_wait_s(quiet, PERSONAL, 6)


def test_tickets_pinned_to_a_counter_are_served_there_first():
    free = LobbyOutlook((counter(1, "personal"),))
    pinned = LobbyOutlook((counter(1, "personal", pinned=2),))
    assert lobbyq_wait_s(pinned, PERSONAL, 1) == lobbyq_wait_s(free, PERSONAL, 1) + 600


def test_a_busy_counter_is_free_when_its_service_is_expected_to_end():
    lobby = LobbyOutlook((counter(1, "personal", free_in_s=120),))
    assert lobbyq_wait_s(lobby, PERSONAL, 0) == 120
    assert lobbyq_wait_s(lobby, PERSONAL, 1) == 420


def test_vips_arriving_overtake_a_normal_ticket_only_while_it_is_younger_than_the_limit():
    lobby = LobbyOutlook((counter(1, "personal"),))
    alone = lobbyq_wait_s(lobby, PERSONAL, 3)
    overtaken = lobbyq_wait_s(lobby, Target("personal", overtaking_per_s=1 / 600), 3)
    limited = lobbyq_wait_s(lobby, Target("personal", overtaking_per_s=1 / 600, ages_in_s=300), 3)
    assert alone == 900
    assert overtaken > limited > alone


def test_those_expected_to_give_up_are_not_waited_for():
    """Half the tickets ahead are expected to leave before their call: the estimate plays
    the half that stay, between the whole places either side."""
    lobby = LobbyOutlook((counter(1, "personal"),))
    assert lobbyq_wait_s(lobby, PERSONAL, 3) == 900
    assert lobbyq_wait_s(lobby, PERSONAL, 1.5) == 450
    recent = facts(called={"personal": 45}, left={"personal": 50})
    assert staying_share(recent, "personal") == pytest.approx(0.5)
    assert staying_share(facts(), "personal") == 1.0  # nobody has left yet: all stay


def test_no_counter_for_the_category_gives_no_estimate():
    assert lobbyq_wait_s(LobbyOutlook((counter(1, "corporate"),)), PERSONAL, 2) is None


def test_a_huge_queue_is_extrapolated_not_played_to_the_end():
    lobby = LobbyOutlook((counter(1, "personal"), counter(2, "personal")))
    assert lobbyq_wait_s(lobby, PERSONAL, 100_000) == pytest.approx(100_000 * 150, rel=0.01)


def test_a_counters_own_service_times_weigh_in_with_the_branchs():
    learned = facts(
        open_counters={1: None, 2: None},
        service={"personal": (300.0, 40)},
        service_at={(1, "personal"): (600.0, 20), (2, "personal"): (150.0, 1)},
    )
    slow = learned_service_s(learned, 1, "personal", 200)
    new = learned_service_s(learned, 2, "personal", 200)
    assert 500 < slow < 600  # twenty tickets: mostly its own
    assert 250 < new < 300  # one quick ticket does not make a fast counter
    assert learned_service_s(learned, 3, "personal", 200) == 300  # none of its own: the branch's


def test_the_outlook_plays_open_counters_or_all_of_them_before_any_opens():
    layout_counters = [Counter(number=n, name=f"{n}", serves=["personal"]) for n in (1, 2, 3)]
    assert len(lobby_outlook(layout_counters, facts(), 0, 300).counters) == 3
    busy = facts(open_counters={2: ("personal", -100.0)})
    (only,) = lobby_outlook(layout_counters, busy, 0, 300).counters
    assert (only.number, only.free_in_s) == (2, 200)
    overdue = facts(open_counters={2: ("personal", -1000.0)})
    (only,) = lobby_outlook(layout_counters, overdue, 0, 300).counters
    assert only.free_in_s == 150  # running long: half a service still expected


def test_call_times_give_every_place_of_a_line_in_one_play():
    lobby = LobbyOutlook((counter(1, "personal"), counter(2, "personal")))
    assert call_times_s(lobby, PERSONAL, 5) == [0, 0, 300, 300, 600]


@given(
    ahead=st.integers(0, 60),
    counters=st.integers(1, 6),
    service_s=st.floats(30, 1200),
)
def test_with_only_its_own_category_it_agrees_with_the_queue_length_estimate_of_the_ahead(ahead, counters, service_s):
    """All counters free, no arrivals: the k-th ticket is called after floor(k / c) services;
    QL's (k + 1) / c is the same number of rounds give or take one service."""
    lobby = LobbyOutlook(tuple(counter(n, "personal", service_s=service_s) for n in range(1, counters + 1)))
    wait = lobbyq_wait_s(lobby, PERSONAL, ahead)
    assert wait == pytest.approx(math.floor(ahead / counters) * service_s)
    assert abs(wait - queue_length_wait_s(ahead, counters, service_s)) <= service_s * (1 + 1e-9)


def test_a_vip_overtaking_a_normal_ticket_also_goes_before_other_categories_normal_tickets():
    """Counter 1 serves wealth first, then personal: a normal personal ticket yields to its
    ten wealth tickets, but a personal VIP does not (class before the counter's order). The
    VIPs arriving every 300 s are served there, so counter 2 gets through the two normal
    tickets ahead in two services instead of being kept busy by the VIPs for 50 minutes."""
    counters = (counter(1, "wealth", "personal"), counter(2, "personal"))
    lobby = LobbyOutlook(counters, waiting={("wealth", NORMAL): 10})
    target = Target("personal", overtaking_per_s=1 / 300)
    assert lobbyq_wait_s(lobby, target, 2) <= 900
