"""``app.rules.ordering`` against a deliberately naive model of docs/domain.md ("Who is next").

The model below is written from the text of §2 alone, rule by rule, with plain loops and
filters; it never calls ``app.rules.ordering``. The system under test evolves its tickets
with the real moves of ``app.rules.tickets`` and asks ``next_for`` and ``ahead_of``; the
model keeps its own book of every ticket (status, category, priority, pin, queue time) and
both must agree at every step, for every counter and every waiting ticket.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.rules import ordering
from app.rules import tickets as moves
from app.rules.bookings import Booking, checkin_queued_at
from app.rules.layout import Counter, Policy
from app.rules.tickets import IllegalMove, Ticket
from app.rules.vocabulary import BookingStatus

CATEGORIES = ("personal", "corporate", "fx", "wealth")
COUNTERS = (1, 2, 3)
START = 1_800_000_000.0  # whole seconds, so equal queue times and fairness boundaries happen
GRACE_S = 15 * 60  # a booking's check-in grace period


# --------------------------------------------------------------------------- the model


@dataclasses.dataclass
class Card:
    """The model's own record of one ticket, as the lobby manager would write it down."""

    id: str
    category: str
    priority: str
    status: str
    queued_at: float
    order: int  # issue order
    pinned: int | None = None
    counter: int | None = None


def model_class(card: Card, max_wait_minutes: int | None, now: float) -> str:
    """Priority class, with fairness: a normal ticket queued longer than the limit ranks as vip."""
    if card.priority == "green":
        return "green"
    if card.priority == "vip":
        return "vip"
    if max_wait_minutes is not None and now - card.queued_at > max_wait_minutes * 60:
        return "vip"
    return "normal"


def model_next(cards: list[Card], number: int, serves: tuple[str, ...], max_wait: int | None, now: float) -> str | None:
    # The candidates: waiting tickets pinned to this counter, whatever their category, and
    # unpinned waiting tickets of a category the counter serves. Postponed never.
    candidates = []
    for card in cards:
        if card.status != "waiting":
            continue
        if card.pinned == number:
            candidates.append(card)
        elif card.pinned is None and card.category in serves:
            candidates.append(card)
    if not candidates:
        return None
    # 1. pinned to this counter first
    pinned = [c for c in candidates if c.pinned == number]
    if pinned:
        candidates = pinned
    # 2. priority class: green, then vip, then normal
    for wanted in ("green", "vip", "normal"):
        group = [c for c in candidates if model_class(c, max_wait, now) == wanted]
        if group:
            candidates = group
            break

    # 3. the position of the category in serves; a pinned foreign category counts as first
    def position(c: Card) -> int:
        for i, code in enumerate(serves):
            if code == c.category:
                return i
        return 0

    best = min(position(c) for c in candidates)
    candidates = [c for c in candidates if position(c) == best]
    # 4. queue time
    earliest = min(c.queued_at for c in candidates)
    candidates = [c for c in candidates if c.queued_at == earliest]
    # 5. issue order
    first = candidates[0]
    for c in candidates:
        if c.order < first.order:
            first = c
    return first.id


def model_ahead(cards: list[Card], me: Card, max_wait: int | None, now: float) -> int:
    """Unpinned waiting tickets of my category before me by class, then queue time, then issue order."""
    classes = ("green", "vip", "normal")
    mine = classes.index(model_class(me, max_wait, now))
    count = 0
    for other in cards:
        if other.id == me.id or other.status != "waiting" or other.pinned is not None:
            continue
        if other.category != me.category:
            continue
        theirs = classes.index(model_class(other, max_wait, now))
        if theirs < mine:
            count += 1
        elif theirs == mine and other.queued_at < me.queued_at:
            count += 1
        elif theirs == mine and other.queued_at == me.queued_at and other.order < me.order:
            count += 1
    return count


# --------------------------------------------------------------------------- the machine

# Mostly short serves lists, so transfers to a counter often pin a category it does not serve.
serves_strategy = st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True).map(tuple).filter(
    lambda s: len(s) <= 2
) | st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True).map(tuple)


class Lobby(RuleBasedStateMachine):
    """A hall with three counters; tellers and the manager press buttons in any order."""

    @initialize(
        serves=st.tuples(serves_strategy, serves_strategy, serves_strategy),
        max_wait=st.sampled_from([None, None, 1, 5, 20]),
    )
    def layout(self, serves, max_wait):
        self.now = START
        self.policy = Policy(max_wait_minutes=max_wait)
        self.counters = {n: Counter(n, f"{n}", s) for n, s in zip(COUNTERS, serves)}
        self.paused: set[int] = set()
        self.current: dict[int, str | None] = {n: None for n in COUNTERS}
        self.system: dict[str, Ticket] = {}  # evolved with app.rules.tickets
        self.cards: dict[str, Card] = {}  # the model's own book
        self.issued = 0

    # ---- helpers

    def ids_with(self, *statuses: str) -> list[str]:
        return sorted(i for i, c in self.cards.items() if c.status in statuses)

    def expected_next(self, n: int) -> str | None:
        return model_next(list(self.cards.values()), n, self.counters[n].serves, self.policy.max_wait_minutes, self.now)

    def call(self, n: int, ticket_id: str) -> None:
        self.system[ticket_id] = moves.call(self.system[ticket_id], n, f"teller{n}", self.now)
        card = self.cards[ticket_id]
        card.status, card.counter = "called", n
        self.current[n] = ticket_id

    def make_way(self, n: int) -> bool:
        """As call-next: a serving customer is finished first; a merely called one is in the way."""
        cur = self.current[n]
        if cur is None:
            return True
        if self.cards[cur].status == "called":
            return False
        if self.cards[cur].status == "serving":
            self.system[cur] = moves.finish(self.system[cur], self.now, 30)
            self.cards[cur].status = "done"
        self.current[n] = None
        return True

    def busy(self) -> list[int]:
        """Counters with a customer at the window (called or serving)."""
        if not hasattr(self, "current"):
            return []
        return [n for n, cur in self.current.items() if cur and self.cards[cur].status in ("called", "serving")]

    def leave_counter(self, ticket_id: str) -> None:
        for n, cur in self.current.items():
            if cur == ticket_id:
                self.current[n] = None

    # ---- rules

    @rule(category=st.sampled_from(CATEGORIES), priority=st.sampled_from(["normal"] * 4 + ["vip", "green"]))
    def issue(self, category, priority):
        self.add(category, priority, self.now, self.now)

    def add(self, category, priority, queued_system, queued_model):
        """A new waiting ticket queued at ``queued_system`` by the system, and at
        ``queued_model`` in the model's book."""
        self.issued += 1
        tid = f"t{self.issued:03d}"
        self.system[tid] = Ticket(
            id=tid,
            branch="b",
            day="d",
            number=f"X{self.issued:03d}",
            category=category,
            priority=priority,
            status="waiting",
            issued_at=self.now,
            queued_at=queued_system,
            issue_seq=self.issued,
        )
        self.cards[tid] = Card(tid, category, priority, "waiting", queued_model, self.issued)

    @rule(
        category=st.sampled_from(CATEGORIES),
        offset=st.sampled_from([-1800, -GRACE_S - 1, -GRACE_S, -60, 0, 1, 300, 1800]),
    )
    def check_in_booking(self, category, offset):
        """A booked customer checks in for a slot starting ``offset`` seconds from now: the
        ticket ranks from the slot's start when early or at most the grace period late, else
        from now, a walk-in (docs/domain.md, "Booked tickets")."""
        slot = self.now + offset
        booking = Booking("bk", "b", category, "d", slot, slot + 1800, slot, BookingStatus.BOOKED, 0.0, 0.0)
        queued = checkin_queued_at(booking, self.now, GRACE_S // 60)
        self.add(category, "normal", queued, slot if self.now - slot <= GRACE_S else self.now)

    @rule(
        batch=st.lists(
            st.tuples(st.sampled_from(CATEGORIES), st.sampled_from(["normal"] * 4 + ["vip", "green"])),
            min_size=2,
            max_size=6,
        )
    )
    def rush(self, batch):
        """Several customers at the kiosks in the same second: equal queue times, issue order decides."""
        for category, priority in batch:
            self.issue(category, priority)

    @precondition(lambda self: self.busy())
    @rule(data=st.data(), to=st.sampled_from(COUNTERS))
    def transfer_to_counter_again(self, data, to):
        """Transfers to a counter, twice as often: two tickets pinned to one counter (one of a
        category it does not serve) are otherwise too rare to reach."""
        self.transfer_to_counter(data, to)

    @rule(seconds=st.sampled_from([0, 1, 30, 59, 60, 61, 300, 1199, 1200, 1201]))
    def wait(self, seconds):
        self.now += seconds

    @rule(n=st.sampled_from(COUNTERS))
    def call_next(self, n):
        if n in self.paused or not self.make_way(n):
            return
        expected = self.expected_next(n)
        got = ordering.next_for(self.counters[n], self.system.values(), self.policy, self.now)
        assert (got.id if got else None) == expected
        if expected is not None:
            self.call(n, expected)

    @rule(n=st.sampled_from(COUNTERS), data=st.data())
    def call_chosen(self, n, data):
        choices = self.ids_with("waiting", "postponed")
        if n in self.paused or not choices or not self.make_way(n):
            return
        self.call(n, data.draw(st.sampled_from(choices)))

    @precondition(lambda self: self.busy())
    @rule(data=st.data())
    def start(self, data):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and self.cards[cur].status == "called":
            self.system[cur] = moves.start(self.system[cur], self.now)
            self.cards[cur].status = "serving"

    @precondition(lambda self: self.busy())
    @rule(data=st.data())
    def finish(self, data):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and self.cards[cur].status in ("called", "serving"):
            self.system[cur] = moves.finish(self.system[cur], self.now, 30)
            self.cards[cur].status = "done"
            self.current[n] = None

    @precondition(lambda self: self.busy())
    @rule(data=st.data())
    def skip(self, data):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and self.cards[cur].status == "called":
            self.system[cur] = moves.no_show(self.system[cur], self.now)
            self.cards[cur].status = "no_show"
            self.current[n] = None

    @precondition(lambda self: self.busy())
    @rule(data=st.data())
    def postpone(self, data):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and self.cards[cur].status in ("called", "serving"):
            self.system[cur] = moves.postpone(self.system[cur])
            self.cards[cur].status = "postponed"
            self.current[n] = None

    @precondition(lambda self: self.busy())
    @rule(data=st.data(), category=st.sampled_from(CATEGORIES))
    def transfer_to_category(self, data, category):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and self.cards[cur].status in ("called", "serving"):
            self.system[cur] = moves.transfer(self.system[cur], category=category)
            card = self.cards[cur]
            card.status, card.category, card.pinned, card.counter = "waiting", category, None, None
            self.current[n] = None

    @precondition(lambda self: self.busy())
    @rule(data=st.data(), to=st.sampled_from(COUNTERS))
    def transfer_to_counter(self, data, to):
        n = data.draw(st.sampled_from(self.busy()))
        cur = self.current[n]
        if cur and to != n and self.cards[cur].status in ("called", "serving"):
            self.system[cur] = moves.transfer(self.system[cur], counter=to)
            card = self.cards[cur]
            card.status, card.pinned, card.counter = "waiting", to, None
            self.current[n] = None

    @rule(data=st.data(), category=st.sampled_from(CATEGORIES))
    def reassign(self, data, category):
        choices = self.ids_with("waiting", "called", "serving", "postponed")
        if not choices:
            return
        tid = data.draw(st.sampled_from(choices))
        card = self.cards[tid]
        self.system[tid] = moves.reassign(self.system[tid], category)
        card.category = category
        if card.status != "waiting":  # from a counter back to the queue of the right category
            card.status, card.pinned, card.counter = "waiting", None, None
            self.leave_counter(tid)

    @rule(data=st.data(), priority=st.sampled_from(["green", "vip", "normal"]))
    def change_priority(self, data, priority):
        choices = self.ids_with("waiting", "called", "serving", "postponed", "no_show")
        if not choices:
            return
        tid = data.draw(st.sampled_from(choices))
        self.system[tid] = moves.change_priority(self.system[tid], priority)
        self.cards[tid].priority = priority

    @rule(data=st.data(), keep_place=st.booleans())
    def requeue(self, data, keep_place):
        choices = self.ids_with("no_show")
        if not choices:
            return
        tid = data.draw(st.sampled_from(choices))
        self.system[tid] = moves.requeue(self.system[tid], self.now, keep_place)
        card = self.cards[tid]
        card.status, card.counter = "waiting", None
        if not keep_place:
            card.queued_at = self.now

    @rule(data=st.data())
    def cancel(self, data):
        choices = self.ids_with("waiting")
        if not choices:
            return
        tid = data.draw(st.sampled_from(choices))
        self.system[tid] = moves.cancel(self.system[tid], self.now)
        self.cards[tid].status = "cancelled"

    @rule(n=st.sampled_from(COUNTERS))
    def pause_or_resume(self, n):
        self.paused ^= {n}

    @rule(data=st.data())
    def illegal_moves_refused(self, data):
        """A move the state does not allow is refused naming the state, and changes nothing."""
        if not self.system:
            return
        tid = data.draw(st.sampled_from(sorted(self.system)))
        ticket = self.system[tid]
        attempts = {
            "start": (("called",), lambda: moves.start(ticket, self.now)),
            "no_show": (("called",), lambda: moves.no_show(ticket, self.now)),
            "requeue": (("no_show",), lambda: moves.requeue(ticket, self.now, True)),
            "cancel": (("waiting",), lambda: moves.cancel(ticket, self.now)),
            "postpone": (("called", "serving"), lambda: moves.postpone(ticket)),
            "finish": (("called", "serving"), lambda: moves.finish(ticket, self.now, 30)),
            "transfer": (("called", "serving"), lambda: moves.transfer(ticket, category="fx")),
            "call": (("waiting", "postponed"), lambda: moves.call(ticket, 1, None, self.now)),
        }
        name = data.draw(st.sampled_from(sorted(attempts)))
        allowed, attempt = attempts[name]
        if ticket.status in allowed:
            return
        try:
            attempt()
        except IllegalMove as refused:
            assert ticket.status in str(refused)
        else:
            raise AssertionError(f"{name} allowed on a {ticket.status} ticket")

    # ---- what must hold after every step

    @invariant()
    def books_agree(self):
        for tid, card in getattr(self, "cards", {}).items():
            t = self.system[tid]
            assert (t.status, t.category, t.priority, t.pinned_counter, t.queued_at) == (
                card.status,
                card.category,
                card.priority,
                card.pinned,
                card.queued_at,
            ), tid

    @invariant()
    def same_next_everywhere(self):
        if not hasattr(self, "counters"):
            return
        for n in COUNTERS:
            got = ordering.next_for(self.counters[n], self.system.values(), self.policy, self.now)
            assert (got.id if got else None) == self.expected_next(n), f"counter {n}"
            assert got is None or got.status == "waiting"  # postponed (or any other) never

    @invariant()
    def same_ahead(self):
        if not hasattr(self, "cards"):
            return
        cards = list(self.cards.values())
        for tid, card in self.cards.items():
            if card.status != "waiting":
                continue
            got = ordering.ahead_of(self.system[tid], self.system.values(), self.policy, self.now)
            assert got == model_ahead(cards, card, self.policy.max_wait_minutes, self.now), tid


Lobby.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLobbyOrdering = Lobby.TestCase


# --------------------------------------------------------------------------- random snapshots

SNAPSHOT_STATUSES = ["waiting"] * 6 + ["postponed", "called", "serving", "done", "no_show", "cancelled"]


@st.composite
def snapshots(draw):
    """A hall at one instant: random tickets (ties in queue time on purpose), counters, policy."""
    n = draw(st.integers(0, 14))
    cards = []
    for i in range(n):
        cards.append(
            Card(
                id=f"t{i:02d}",
                category=draw(st.sampled_from(CATEGORIES)),
                priority=draw(st.sampled_from(["normal", "normal", "vip", "green"])),
                status=draw(st.sampled_from(SNAPSHOT_STATUSES)),
                queued_at=START + 60 * draw(st.integers(0, 6)),
                order=draw(st.integers(0, 10_000)),
                pinned=draw(st.sampled_from([None, None, None, 1, 2, 3])),
            )
        )
    # issue order is unique; shuffle so list order never stands in for it
    orders = draw(st.permutations(range(1, n + 1)))
    for card, order in zip(cards, orders):
        card.order = order
    serves = draw(st.tuples(serves_strategy, serves_strategy, serves_strategy))
    max_wait = draw(st.sampled_from([None, 1, 3, 5]))
    now = START + 60 * draw(st.integers(0, 12)) + draw(st.sampled_from([0, 0, 1, 59]))
    return cards, serves, max_wait, now


def as_ticket(card: Card) -> Ticket:
    return Ticket(
        id=card.id,
        branch="b",
        day="d",
        number=card.id,
        category=card.category,
        priority=card.priority,
        status=card.status,
        issued_at=card.queued_at,
        queued_at=card.queued_at,
        issue_seq=card.order,
        pinned_counter=card.pinned,
    )


@settings(max_examples=1000, deadline=None)
@given(snapshots())
def test_snapshot_next_and_ahead_agree_with_model(snapshot):
    cards, serves, max_wait, now = snapshot
    tickets = [as_ticket(c) for c in cards]
    policy = Policy(max_wait_minutes=max_wait)
    for number, s in zip(COUNTERS, serves):
        got = ordering.next_for(Counter(number, str(number), s), tickets, policy, now)
        assert (got.id if got else None) == model_next(cards, number, s, max_wait, now), f"counter {number}"
    for card, ticket in zip(cards, tickets):
        if card.status == "waiting":
            assert ordering.ahead_of(ticket, tickets, policy, now) == model_ahead(cards, card, max_wait, now)


# --------------------------------------------------------------------------- fixed cases


def _t(tid, category, *, priority="normal", queued_at=0.0, seq=0, pinned=None, status="waiting"):
    return Ticket(
        id=tid,
        branch="b",
        day="d",
        number=tid,
        category=category,
        priority=priority,
        status=status,
        issued_at=queued_at,
        queued_at=queued_at,
        issue_seq=seq,
        pinned_counter=pinned,
    )


def test_pinned_foreign_category_counts_as_first_position():
    """A pinned foreign ticket ranks with the first served category, so queue time decides between them."""
    counter = Counter(3, "3", ("corporate", "personal"))
    older_own = _t("own", "corporate", queued_at=100.0, seq=1, pinned=3)
    newer_foreign = _t("foreign", "fx", queued_at=200.0, seq=2, pinned=3)
    assert ordering.next_for(counter, [newer_foreign, older_own], Policy(), 1000.0).id == "own"
    older_foreign = _t("foreign", "fx", queued_at=50.0, seq=2, pinned=3)
    assert ordering.next_for(counter, [older_foreign, older_own], Policy(), 1000.0).id == "foreign"


def test_fairness_is_strictly_older_than_the_limit():
    counter = Counter(1, "1", ("personal",))
    policy = Policy(max_wait_minutes=10)
    vip = _t("vip", "personal", priority="vip", queued_at=500.0, seq=2)
    normal = _t("normal", "personal", queued_at=400.0, seq=1)
    assert ordering.next_for(counter, [vip, normal], policy, 400.0 + 600).id == "vip"  # exactly 10 min: not yet
    assert ordering.next_for(counter, [vip, normal], policy, 400.0 + 601).id == "normal"  # older: ranks as vip


def test_pinned_elsewhere_and_postponed_are_not_candidates():
    counter = Counter(1, "1", ("personal",))
    tickets = [
        _t("pinned2", "personal", queued_at=1.0, seq=1, pinned=2),
        _t("postponed", "personal", queued_at=2.0, seq=2, status="postponed"),
    ]
    assert ordering.next_for(counter, tickets, Policy(), 10.0) is None
