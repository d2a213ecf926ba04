"""The pure ticket moves of ``app.rules.tickets`` against docs/domain.md: the fields each
legal move sets, and an ``IllegalMove`` naming the state for every move a state forbids."""

from __future__ import annotations

import dataclasses

import pytest

from app.rules import tickets as moves
from app.rules.tickets import IllegalMove, Ticket
from app.rules.vocabulary import Priority, TicketStatus

WAITING, CALLED, SERVING, DONE = TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE
NO_SHOW, POSTPONED = TicketStatus.NO_SHOW, TicketStatus.POSTPONED
CANCELLED, EXPIRED = TicketStatus.CANCELLED, TicketStatus.EXPIRED

ISSUED = 1_800_000_000.0
CALLED_AT = ISSUED + 600
STARTED_AT = ISSUED + 660
NOW = ISSUED + 900
WINDOW_S = 300


def make_ticket(**overrides) -> Ticket:
    """A waiting ticket A012 of the personal queue, issued (and queued) at ISSUED."""
    fields = dict(
        id="t-12",
        branch="b1",
        day="2027-01-15",
        number="A012",
        category="personal",
        priority=Priority.NORMAL,
        status=WAITING,
        issued_at=ISSUED,
        queued_at=ISSUED,
        issue_seq=12,
    )
    fields.update(overrides)
    return Ticket(**fields)


def ticket_in(status: TicketStatus, **overrides) -> Ticket:
    """A ticket with the fields a real one in ``status`` would have reached it with."""
    at_counter = dict(counter=3, teller="alice", called_at=CALLED_AT)
    typical = {
        WAITING: {},
        CALLED: at_counter,
        SERVING: {**at_counter, "started_at": STARTED_AT},
        POSTPONED: {**at_counter, "started_at": STARTED_AT},
        NO_SHOW: {**at_counter, "finished_at": CALLED_AT + 120},
        DONE: {**at_counter, "started_at": STARTED_AT, "finished_at": NOW - 10, "evaluation_until": NOW + 60},
        CANCELLED: {"finished_at": NOW - 10},
        EXPIRED: {},
    }[status]
    return make_ticket(status=status, **{**typical, **overrides})


def changed(before: Ticket, after: Ticket) -> set[str]:
    """The names of the fields a move changed."""
    return {f.name for f in dataclasses.fields(Ticket) if getattr(before, f.name) != getattr(after, f.name)}


# --------------------------------------------------------------------------- the table of who may do what

# Written from docs/domain.md's table of moves, not from the code's tuples.
RULES = {
    # name: (apply the move, the word the message uses, the states that allow it)
    "call": (lambda t: moves.call(t, 5, "bob", NOW), "call", {WAITING, POSTPONED}),
    "recall": (lambda t: moves.recall(t), "recall", {CALLED}),
    "start": (lambda t: moves.start(t, NOW), "start", {CALLED}),
    "finish": (lambda t: moves.finish(t, NOW, WINDOW_S), "finish", {CALLED, SERVING}),
    "no_show": (lambda t: moves.no_show(t, NOW), "no-show", {CALLED}),
    "postpone": (lambda t: moves.postpone(t), "postpone", {CALLED, SERVING}),
    "transfer": (lambda t: moves.transfer(t, category="fx"), "transfer", {CALLED, SERVING}),
    "requeue": (lambda t: moves.requeue(t, NOW, keep_place=False), "requeue", {NO_SHOW}),
    "cancel": (lambda t: moves.cancel(t, NOW), "cancel", {WAITING}),
    "expire": (lambda t: moves.expire(t), "expire", {WAITING}),
    "reassign": (lambda t: moves.reassign(t, "fx"), "reassign", {WAITING, CALLED, SERVING, POSTPONED}),
    "change_priority": (
        lambda t: moves.change_priority(t, Priority.VIP),
        "priority change",
        {WAITING, CALLED, SERVING, POSTPONED, NO_SHOW},
    ),
    "evaluate": (lambda t: moves.evaluate(t, 5, NOW), "evaluation", {DONE}),
}

EVERY_MOVE_IN_EVERY_STATE = [
    pytest.param(name, status, id=f"{name}-from-{status}") for name in RULES for status in TicketStatus
]
LEGAL_PAIRS = [
    pytest.param(name, status, id=f"{name}-from-{status}")
    for name, (_, _, allowed) in RULES.items()
    for status in TicketStatus
    if status in allowed
]


def test_the_table_covers_every_move_function_of_the_module():
    public_moves = {
        name
        for name, value in vars(moves).items()
        if callable(value)
        and getattr(value, "__module__", None) == moves.__name__
        and not name.startswith("_")
        and name not in {"Ticket", "IllegalMove"}
    }
    assert public_moves == set(RULES)


@pytest.mark.parametrize("name, status", EVERY_MOVE_IN_EVERY_STATE)
def test_a_move_succeeds_exactly_from_its_allowed_states(name, status):
    move, word, allowed = RULES[name]
    ticket = ticket_in(status)
    if status in allowed:
        after = move(ticket)
        assert isinstance(after, Ticket)
        assert after is not ticket
    else:
        with pytest.raises(IllegalMove) as refused:
            move(ticket)
        assert refused.value.status == status
        assert str(refused.value).startswith(f"ticket A012 is {status.value}; {word} needs it to be ")


def test_the_refusal_message_reads_as_in_the_domain_doc():
    with pytest.raises(IllegalMove) as refused:
        moves.start(ticket_in(DONE), NOW)
    assert str(refused.value) == "ticket A012 is done; start needs it to be called"
    assert refused.value.status is DONE


def test_a_refusal_lists_every_state_that_would_have_allowed_the_move():
    with pytest.raises(IllegalMove) as refused:
        moves.finish(ticket_in(WAITING), NOW, WINDOW_S)
    assert str(refused.value) == "ticket A012 is waiting; finish needs it to be called or serving"


@pytest.mark.parametrize("name, status", LEGAL_PAIRS)
def test_a_move_never_mutates_the_ticket_it_is_given(name, status):
    move, _, _ = RULES[name]
    ticket = ticket_in(status)
    snapshot = dataclasses.asdict(ticket)
    after = move(ticket)
    assert dataclasses.asdict(ticket) == snapshot
    assert changed(ticket, after), "a legal move changes something"


def test_a_ticket_is_frozen():
    ticket = make_ticket()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.status = DONE  # type: ignore[misc]
    assert ticket.status is WAITING


# --------------------------------------------------------------------------- each legal move's result


def test_call_sends_a_waiting_ticket_to_the_counter_keeping_its_queue_time():
    ticket = ticket_in(WAITING)
    after = moves.call(ticket, 5, "bob", NOW)
    assert (after.status, after.counter, after.teller, after.called_at) == (CALLED, 5, "bob", NOW)
    assert after.queued_at == ISSUED
    assert changed(ticket, after) == {"status", "counter", "teller", "called_at"}


def test_call_without_a_teller_leaves_the_teller_empty():
    after = moves.call(ticket_in(WAITING), 5, None, NOW)
    assert after.status == CALLED
    assert after.teller is None


def test_calling_back_a_postponed_ticket_moves_it_to_the_calling_counter():
    ticket = ticket_in(POSTPONED, counter=3, teller="alice")
    after = moves.call(ticket, 5, "bob", NOW)
    assert (after.status, after.counter, after.teller, after.called_at) == (CALLED, 5, "bob", NOW)
    assert after.queued_at == ISSUED


def test_recall_counts_each_recall_and_changes_nothing_else():
    ticket = ticket_in(CALLED)
    once = moves.recall(ticket)
    twice = moves.recall(once)
    assert (once.recall_count, twice.recall_count) == (1, 2)
    assert once.status == twice.status == CALLED
    assert changed(ticket, twice) == {"recall_count"}


def test_start_serves_a_called_ticket_from_now():
    ticket = ticket_in(CALLED)
    after = moves.start(ticket, NOW)
    assert (after.status, after.started_at) == (SERVING, NOW)
    assert (after.counter, after.teller, after.called_at) == (3, "alice", CALLED_AT)
    assert changed(ticket, after) == {"status", "started_at"}


def test_finish_from_serving_keeps_the_start_and_opens_the_evaluation_window():
    ticket = ticket_in(SERVING)
    after = moves.finish(ticket, NOW, WINDOW_S)
    assert (after.status, after.started_at, after.finished_at) == (DONE, STARTED_AT, NOW)
    assert after.evaluation_until == NOW + WINDOW_S
    assert after.score is None
    assert after.counter == 3
    assert changed(ticket, after) == {"status", "finished_at", "evaluation_until"}


def test_finish_from_called_passes_through_serving_starting_now():
    ticket = ticket_in(CALLED)
    after = moves.finish(ticket, NOW, WINDOW_S)
    assert (after.status, after.started_at, after.finished_at) == (DONE, NOW, NOW)
    assert after.evaluation_until == NOW + WINDOW_S


def test_finish_from_called_back_after_postponing_a_serving_ticket_starts_now():
    called_back = moves.call(moves.postpone(ticket_in(SERVING)), 5, "bob", NOW - 30)
    assert called_back.status == CALLED
    after = moves.finish(called_back, NOW, WINDOW_S)
    assert after.started_at == NOW


def test_no_show_ends_a_called_ticket_now_keeping_its_counter():
    ticket = ticket_in(CALLED)
    after = moves.no_show(ticket, NOW)
    assert (after.status, after.finished_at) == (NO_SHOW, NOW)
    assert after.counter == 3
    assert changed(ticket, after) == {"status", "finished_at"}


@pytest.mark.parametrize("status", [CALLED, SERVING])
def test_postpone_steps_aside_keeping_the_counter(status):
    ticket = ticket_in(status)
    after = moves.postpone(ticket)
    assert after.status == POSTPONED
    assert after.counter == 3
    assert changed(ticket, after) == {"status"}


@pytest.mark.parametrize("status", [CALLED, SERVING])
def test_transfer_to_a_category_goes_back_to_waiting_keeping_queue_time(status):
    ticket = ticket_in(status)
    after = moves.transfer(ticket, category="fx")
    assert (after.status, after.category) == (WAITING, "fx")
    assert after.queued_at == ISSUED
    assert (after.counter, after.teller, after.called_at, after.started_at) == (None, None, None, None)
    assert after.pinned_counter is None


@pytest.mark.parametrize("status", [CALLED, SERVING])
def test_transfer_to_a_counter_pins_it_there_in_the_same_category(status):
    ticket = ticket_in(status)
    after = moves.transfer(ticket, counter=7)
    assert (after.status, after.category, after.pinned_counter) == (WAITING, "personal", 7)
    assert after.queued_at == ISSUED
    assert (after.counter, after.teller, after.called_at, after.started_at) == (None, None, None, None)


def test_transfer_to_a_category_drops_an_earlier_pin():
    ticket = ticket_in(CALLED, pinned_counter=7)
    assert moves.transfer(ticket, category="fx").pinned_counter is None


def test_requeue_after_a_no_show_starts_queueing_again_from_now():
    ticket = ticket_in(NO_SHOW)
    after = moves.requeue(ticket, NOW, keep_place=False)
    assert (after.status, after.queued_at) == (WAITING, NOW)
    assert after.issued_at == ISSUED
    assert (after.counter, after.teller, after.called_at, after.started_at, after.finished_at) == (None,) * 5


def test_requeue_keeping_the_place_keeps_the_queue_time():
    ticket = ticket_in(NO_SHOW)
    after = moves.requeue(ticket, NOW, keep_place=True)
    assert (after.status, after.queued_at) == (WAITING, ISSUED)
    assert (after.counter, after.teller, after.called_at, after.finished_at) == (None,) * 4


def test_cancel_ends_a_waiting_ticket_now():
    ticket = ticket_in(WAITING)
    after = moves.cancel(ticket, NOW)
    assert (after.status, after.finished_at) == (CANCELLED, NOW)
    assert changed(ticket, after) == {"status", "finished_at"}


def test_expire_ends_a_waiting_ticket():
    ticket = ticket_in(WAITING)
    after = moves.expire(ticket)
    assert after.status == EXPIRED
    assert changed(ticket, after) == {"status"}


def test_reassign_of_a_waiting_ticket_changes_only_its_category():
    ticket = ticket_in(WAITING, pinned_counter=7)
    after = moves.reassign(ticket, "fx")
    assert changed(ticket, after) == {"category"}
    assert (after.status, after.category, after.queued_at) == (WAITING, "fx", ISSUED)


@pytest.mark.parametrize("status", [CALLED, SERVING, POSTPONED])
def test_reassign_of_a_ticket_at_a_counter_sends_it_back_to_waiting_unpinned(status):
    ticket = ticket_in(status, pinned_counter=3, priority=Priority.VIP)
    after = moves.reassign(ticket, "fx")
    assert (after.status, after.category) == (WAITING, "fx")
    assert after.queued_at == ISSUED
    assert after.priority == Priority.VIP
    assert (after.counter, after.pinned_counter, after.teller, after.called_at, after.started_at) == (None,) * 5


@pytest.mark.parametrize("status", [WAITING, CALLED, SERVING, POSTPONED, NO_SHOW])
def test_priority_change_changes_only_the_priority(status):
    ticket = ticket_in(status)
    after = moves.change_priority(ticket, Priority.GREEN)
    assert after.priority == Priority.GREEN
    assert (after.status, after.queued_at) == (status, ISSUED)
    assert changed(ticket, after) == {"priority"}


def test_recall_count_survives_a_priority_change():
    ticket = moves.recall(ticket_in(CALLED))
    assert moves.change_priority(ticket, Priority.VIP).recall_count == 1


# --------------------------------------------------------------------------- evaluation


def test_evaluate_records_the_score_and_closes_the_window():
    ticket = ticket_in(DONE)
    after = moves.evaluate(ticket, 4, NOW)
    assert (after.status, after.score, after.evaluation_until) == (DONE, 4, None)
    assert changed(ticket, after) == {"score", "evaluation_until"}


def test_evaluate_at_the_last_moment_of_the_window_is_accepted():
    ticket = moves.finish(ticket_in(SERVING), NOW, WINDOW_S)
    assert moves.evaluate(ticket, 5, NOW + WINDOW_S).score == 5


def test_evaluate_after_the_window_is_refused():
    ticket = moves.finish(ticket_in(SERVING), NOW, WINDOW_S)
    with pytest.raises(IllegalMove) as refused:
        moves.evaluate(ticket, 5, NOW + WINDOW_S + 1)
    assert refused.value.status == DONE
    assert "ticket A012 is done; evaluation" in str(refused.value)


def test_evaluate_twice_is_refused():
    rated = moves.evaluate(ticket_in(DONE), 5, NOW)
    with pytest.raises(IllegalMove) as refused:
        moves.evaluate(rated, 1, NOW + 1)
    assert refused.value.status == DONE
    assert "ticket A012 is done; evaluation" in str(refused.value)


def test_evaluate_a_rated_ticket_is_refused_even_inside_its_window():
    rated = ticket_in(DONE, score=3, evaluation_until=NOW + 60)
    with pytest.raises(IllegalMove):
        moves.evaluate(rated, 5, NOW)


def test_evaluate_a_done_ticket_without_a_window_is_refused():
    with pytest.raises(IllegalMove) as refused:
        moves.evaluate(ticket_in(DONE, evaluation_until=None), 5, NOW)
    assert refused.value.status == DONE


# --------------------------------------------------------------------------- a whole visit


def test_a_visit_through_no_show_postpone_and_transfer_never_loses_queue_time():
    t = moves.call(make_ticket(), 1, "alice", NOW)
    t = moves.no_show(t, NOW + 60)
    t = moves.requeue(t, NOW + 120, keep_place=True)
    t = moves.call(t, 2, "bob", NOW + 180)
    t = moves.start(t, NOW + 200)
    t = moves.postpone(t)
    t = moves.call(t, 4, "carol", NOW + 400)
    t = moves.transfer(t, counter=6)
    t = moves.change_priority(t, Priority.VIP)
    t = moves.call(t, 6, "dave", NOW + 500)
    t = moves.start(t, NOW + 520)
    t = moves.finish(t, NOW + 700, WINDOW_S)
    t = moves.evaluate(t, 5, NOW + 710)
    assert (t.status, t.queued_at, t.priority, t.counter, t.pinned_counter) == (DONE, ISSUED, Priority.VIP, 6, 6)
    assert (t.called_at, t.started_at, t.finished_at, t.score) == (NOW + 500, NOW + 520, NOW + 700, 5)
