"""Erlang C and the QL/LES baselines against hand-computed values and their own properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules import staffing
from app.rules.estimates import last_to_enter_service_wait_s, queue_length_wait_s


def test_erlang_c_known_values():
    # One counter: an arrival waits whenever it is busy, a share ρ of the time.
    assert staffing.probability_of_waiting(1, 0.7) == pytest.approx(0.7)
    # Two counters, one counter's worth of load: C(2, 1) = 1/3.
    assert staffing.probability_of_waiting(2, 1.0) == pytest.approx(1 / 3)
    # The closed form for s = 3, a = 2: (8/6 · 3) / (1 + 2 + 2 + 8/6 · 3) = 4/9.
    assert staffing.probability_of_waiting(3, 2.0) == pytest.approx(4 / 9)
    assert staffing.probability_of_waiting(2, 2.0) == 1.0  # cannot keep up


def test_mean_wait_of_one_counter_is_mm1():
    lam, service = 1 / 300, 200.0  # ρ = 2/3: W = ρ/(μ − λ) = 400 s
    assert staffing.mean_wait_s(1, lam, service) == pytest.approx(400.0)
    assert staffing.mean_wait_s(1, 1 / 100, 200.0) == math.inf


def test_counters_needed_for_a_p90_under_ten_minutes():
    # 60 customers an hour, 5 minutes each: 5 counters' worth of load.
    s = staffing.counters_needed(60 / 3600, 300.0, 600.0)
    assert staffing.share_waiting_longer(s, 60 / 3600, 300.0, 600.0) <= 0.1
    assert staffing.share_waiting_longer(s - 1, 60 / 3600, 300.0, 600.0) > 0.1
    assert s == 6
    assert staffing.counters_needed(0.0, 300.0, 600.0) == 0


@given(
    load=st.floats(0.05, 40.0),
    extra=st.integers(1, 20),
)
def test_erlang_c_is_a_probability_that_falls_as_counters_open(load, extra):
    s = math.floor(load) + extra
    c = staffing.probability_of_waiting(s, load)
    assert 0.0 <= c <= 1.0
    assert staffing.probability_of_waiting(s + 1, load) <= c + 1e-12


@given(
    per_hour=st.floats(1.0, 400.0),
    service=st.floats(30.0, 1200.0),
    target=st.floats(30.0, 1800.0),
)
def test_counters_needed_is_the_fewest_that_meet_the_target(per_hour, service, target):
    lam = per_hour / 3600
    s = staffing.counters_needed(lam, service, target)
    assert staffing.share_waiting_longer(s, lam, service, target) <= 0.1 + 1e-12
    if s > 1:
        assert staffing.share_waiting_longer(s - 1, lam, service, target) > 0.1


def test_ql_and_les_baselines():
    # 4 ahead, 2 counters' worth of service at 300 s: the 5th completion, 750 s.
    assert queue_length_wait_s(4, 2.0, 300.0) == pytest.approx(750.0)
    # A counter serving it second gives half its time: capacity 1.5.
    assert queue_length_wait_s(0, 1.5, 300.0) == pytest.approx(200.0)
    with pytest.raises(ValueError):
        queue_length_wait_s(3, 0.0, 300.0)
    assert last_to_enter_service_wait_s(None) is None
    assert last_to_enter_service_wait_s(412.0) == 412.0


def test_services_of_no_time_need_one_counter_and_nobody_waits():
    """A day whose tickets were all finished as soon as called (no start pressed) has a
    mean service of 0 s: one counter takes every arrival, and no formula divides by it."""
    assert staffing.counters_needed(10 / 3600, 0.0, 600) == 1
    assert staffing.mean_wait_s(1, 10 / 3600, 0.0) == 0.0
    assert staffing.share_waiting_longer(1, 10 / 3600, 0.0, 600) == 0.0
