"""One simulated branch day: simpy drives lobbyq's own services, in-process, on a virtual clock.

Customers and tellers are simpy processes (plain generators). Each service call they make
(issue, call next, start, finish, recall, no-show, cancel, rate, open, pause, close) runs to
its end on one asyncio loop before the process goes on, so the rules, the store and the
events are the real ones and the clock is simpy's time added to the opening.
"""

from __future__ import annotations

import asyncio
import math
import random
import shutil
import tempfile
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar

import simpy

from ..events.wakeups import LocalBus
from ..rules.estimates import last_to_enter_service_wait_s, queue_length_wait_s, service_capacity
from ..rules.tickets import Ticket
from ..rules.vocabulary import Priority, Role, TicketStatus
from ..services import branches, counters, tickets
from ..services.auth import Principal
from ..services.context import Context
from ..settings import Settings
from ..store import migrate
from ..store import tickets as stored_tickets
from ..store.database import Database, open_database
from .scenario import CounterSchedule, Loaded, minutes_of

T = TypeVar("T")
MEAN_WINDOW_S = 7200  # QL's mean service time: the category's finished tickets of the last 2 hours


@dataclass
class Customer:
    """One arrival, drawn in full when it arrives (so a second run with the same seed meets
    the same people), and what happened to it."""

    n: int
    category: str
    priority: Priority
    arrives: float
    service_s: float
    shows: bool
    patience_s: float | None
    score: int | None
    id: str = ""
    number: str = ""
    ahead: int = 0
    estimate: float | None = None  # lobbyq's, from the issue response
    ql: float | None = None
    les: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    counter: int | None = None
    status: TicketStatus = TicketStatus.WAITING

    @property
    def wait_s(self) -> float | None:
        return None if self.called_at is None else self.called_at - self.arrives


@dataclass
class DayRun:
    """What a simulated day left: the customers, the store's own tickets, and time series."""

    loaded: Loaded
    seed: int
    opening: float  # epoch seconds of the opening, the virtual clock's zero
    customers: list[Customer]
    stored: list[Ticket]
    # (t, category, waiting count) at each change; (t, counters open) at each change
    waiting: list[tuple[float, str, int]] = field(default_factory=list)
    open_counters: list[tuple[float, int]] = field(default_factory=list)
    open_seconds: dict[int, float] = field(default_factory=dict)
    busy_seconds: dict[int, float] = field(default_factory=dict)
    end_s: float = 0.0
    service_calls: int = 0


def opening_epoch(loaded: Loaded) -> float:
    zone = loaded.parsed.zone
    minutes = minutes_of(loaded.scenario.hours.open)
    return datetime.combine(loaded.scenario.date, time(minutes // 60, minutes % 60), zone).timestamp()


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    if cv <= 0:
        return mean
    sigma2 = math.log(1 + cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


class _Template:
    """A migrated empty database, copied for each run: Alembic runs once per process."""

    path: Path | None = None

    @classmethod
    def copy_to(cls, target: Path) -> None:
        if cls.path is None or not cls.path.exists():
            folder = Path(tempfile.mkdtemp(prefix="lobbyq-sim-template-"))
            path = folder / "template.db"
            migrate.upgrade(f"sqlite+aiosqlite:///{path}")
            cls.path = path
        shutil.copyfile(cls.path, target)


class Day:
    """``Day(loaded, seed).run(progress)``: the scenario's day, once."""

    def __init__(self, loaded: Loaded, seed: int, *, durable: bool = False):
        self.loaded = loaded
        self.s = loaded.scenario
        self.seed = seed
        self.durable = durable
        self.layout = loaded.parsed
        self.code = loaded.code
        self.env = simpy.Environment()
        self.opening = opening_epoch(loaded)
        self.customers: list[Customer] = []
        self.by_id: dict[str, Customer] = {}
        self.waiting: dict[str, set[str]] = {c.code: set() for c in self.layout.categories}
        self.called_events: dict[str, simpy.Event] = {}
        self.open_numbers: set[int] = set()
        self.idle: dict[int, simpy.Event] = {}  # counters waiting for a customer, in idle order
        self.last_called_wait: dict[str, float] = {}
        self.finished: dict[str, list[tuple[float, float]]] = {c.code: [] for c in self.layout.categories}
        self.arrivals_over = False
        self.end_s = 0.0
        self.run_log = DayRun(loaded, seed, self.opening, self.customers, [])
        self.manager = Principal(Role.MANAGER, self.code, "simulator", "simulator-manager")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ctx: Context | None = None

    # -- the asyncio side ----------------------------------------------------------------

    def call(self, make: Callable[[Context], Coroutine[Any, Any, T]]) -> T:
        """One service call, run to its end at the current virtual moment."""
        assert self._loop is not None and self._ctx is not None
        self.run_log.service_calls += 1
        return self._loop.run_until_complete(make(self._ctx))

    def _clock(self) -> float:
        return self.opening + self.env.now

    async def _open(self, folder: Path) -> Database:
        path = folder / "lobbyq.db"
        await asyncio.to_thread(_Template.copy_to, path)
        url = f"sqlite+aiosqlite:///{path}"
        settings = Settings(database_url=url, sqlite_durable=self.durable)
        db = await open_database(url, durable=settings.sqlite_durable)
        self._ctx = Context(db=db, bus=LocalBus(), settings=settings, clock=self._clock)
        await branches.apply_layout(self._ctx, self.code, self.loaded.layout)
        return db

    def run(self, progress: Callable[[float], None] | None = None) -> DayRun:
        self._loop = asyncio.new_event_loop()
        with tempfile.TemporaryDirectory(prefix="lobbyq-sim-") as folder:
            db = self._loop.run_until_complete(self._open(Path(folder)))
            try:
                self._simulate(progress)
                self.run_log.stored = self._loop.run_until_complete(self._stored())
            finally:
                self._loop.run_until_complete(db.close())
                pending = asyncio.all_tasks(self._loop)
                for task in pending:
                    task.cancel()
                if pending:
                    self._loop.run_until_complete(asyncio.wait(pending))
                self._loop.close()
        return self.run_log

    async def _stored(self) -> list[Ticket]:
        assert self._ctx is not None
        from ..rules.business_day import day_of

        async with self._ctx.db.read() as tx:
            return await stored_tickets.of_day(tx, self.code, day_of(self.opening, self.layout.zone))

    # -- the simpy side ------------------------------------------------------------------

    def _simulate(self, progress: Callable[[float], None] | None) -> None:
        env = self.env
        arrivals = [env.process(self._arrivals(c.code, i)) for i, c in enumerate(self.layout.categories)]
        tellers = [env.process(self._counter(schedule)) for schedule in self._schedules()]
        closing = env.process(self._closing(arrivals, tellers))
        self._note_open()
        step = 300.0
        while not closing.triggered:
            env.run(until=env.now + step)
            if progress:
                progress(env.now)
        self.run_log.end_s = self.end_s

    def _schedules(self) -> list[CounterSchedule]:
        if self.s.counters is not None:
            return list(self.s.counters)
        return [CounterSchedule(number=c.number) for c in self.layout.counters]

    def _arrivals(self, category: str, index: int) -> Generator[simpy.Event, Any, None]:
        """Poisson arrivals at a piecewise-constant rate: memoryless, so at each step of the
        rate the next gap is drawn afresh."""
        rng = random.Random(f"{self.seed}:arrivals:{category}")
        steps = self.loaded.rates(category) + [(self.loaded.day_s, 0.0)]
        for (start, rate), (end, _) in zip(steps, steps[1:], strict=False):
            t = max(start, self.env.now)
            while rate > 0:
                t += rng.expovariate(rate)
                if t >= end:
                    break
                yield self.env.timeout(t - self.env.now)
                self.env.process(self._customer(self._draw(rng, category)))
            if end > self.env.now:
                yield self.env.timeout(end - self.env.now)

    def _draw(self, rng: random.Random, category: str) -> Customer:
        s = self.s
        roll = rng.random()
        priority = (
            Priority.GREEN
            if roll < s.green_share
            else Priority.VIP
            if roll < s.green_share + s.vip_share
            else Priority.NORMAL
        )
        service = s.service[category]
        patience = _lognormal(rng, s.patience.mean_minutes * 60, s.patience.cv) if s.patience else None
        shows = rng.random() >= s.no_show.probability
        rated = rng.random() < s.ratings.share
        score = rng.choices((1, 2, 3, 4), weights=s.ratings.weights)[0]
        service_s = max(10.0, _lognormal(rng, service.mean_s, service.cv))
        customer = Customer(
            n=len(self.customers),
            category=category,
            priority=priority,
            arrives=self.env.now,
            service_s=service_s,
            shows=shows,
            patience_s=patience,
            score=score if rated else None,
        )
        self.customers.append(customer)
        return customer

    def _customer(self, c: Customer) -> Generator[simpy.Event, Any, None]:
        body = self.call(lambda ctx: tickets.issue(ctx, self.code, self.manager, c.category, c.priority, None))
        c.id, c.number, c.ahead, c.estimate = body["id"], body["number"], body["ahead"], body["estimated_wait_s"]
        self._baselines(c)
        self.by_id[c.id] = c
        self.waiting[c.category].add(c.id)
        self._note_waiting(c.category)
        called = self.called_events[c.id] = self.env.event()
        self._wake(c.category)
        if c.patience_s is None:
            return
        yield called | self.env.timeout(c.patience_s)
        if c.status == TicketStatus.WAITING:
            self._leave(c)

    def _leave(self, c: Customer) -> None:
        self.call(lambda ctx: tickets.cancel(ctx, self.code, c.id))
        c.status = TicketStatus.CANCELLED
        c.finished_at = self.env.now
        self.waiting[c.category].discard(c.id)
        self._note_waiting(c.category)
        event = self.called_events.pop(c.id, None)
        if event is not None and not event.triggered:
            event.succeed()  # its patience no longer matters

    def _baselines(self, c: Customer) -> None:
        """QL and LES (Ibrahim & Whitt) at the moment of issue: QL from the ``ahead`` the
        service answered, the open counters' capacity and the category's mean service time
        over the last 2 hours (the layout's default before any); LES the wait of the
        category's ticket called last."""
        c.les = last_to_enter_service_wait_s(self.last_called_wait.get(c.category))
        now = self.env.now
        recent = [s for end, s in self.finished[c.category] if end > now - MEAN_WINDOW_S]
        mean = sum(recent) / len(recent) if recent else float(self.layout.policy.default_service_s)
        capacity = service_capacity(c.category, self.layout.counters, self.open_numbers)
        c.ql = queue_length_wait_s(c.ahead, capacity, mean)

    def _wake(self, category: str) -> None:
        """The counter idle longest among those serving ``category`` calls."""
        for number, event in list(self.idle.items()):
            counter = self.layout.counter(number)
            if counter is not None and category in counter.serves:
                del self.idle[number]
                event.succeed()
                return

    def _counter(self, schedule: CounterSchedule) -> Generator[simpy.Event, Any, None]:
        env, number = self.env, schedule.number
        teller = Principal(Role.TELLER, self.code, f"teller{number}", f"simulator-teller-{number}")
        counter = self.layout.counter(number)
        assert counter is not None
        start = self.loaded.at(schedule.open) if schedule.open else 0.0
        close = self.loaded.at(schedule.close) if schedule.close else self.loaded.day_s
        drains = close >= self.loaded.day_s  # the last counters serve whoever is still waiting
        pauses = sorted((self.loaded.at(p.at), p.minutes * 60) for p in schedule.pauses)
        if start > env.now:
            yield env.timeout(start - env.now)
        self.call(lambda ctx: counters.open_counter(ctx, self.code, teller, number))
        opened = env.now
        self._set_open(number, True)
        open_s = busy_s = 0.0
        while True:
            if pauses and pauses[0][0] <= env.now:
                _, length = pauses.pop(0)
                self.call(lambda ctx: counters.pause_counter(ctx, self.code, teller, number, "break"))
                self._set_open(number, False)
                open_s += env.now - opened
                yield env.timeout(length)
                self.call(lambda ctx: counters.resume_counter(ctx, self.code, teller, number))
                opened = env.now
                self._set_open(number, True)
                continue
            waiting_here = any(self.waiting[c] for c in counter.serves)
            if env.now >= close and not (drains and waiting_here):
                break
            body = self.call(lambda ctx: counters.call_next(ctx, self.code, teller, number))
            if body is None:
                if env.now >= close:
                    break
                wake = self.idle[number] = env.event()
                moments = [close] + [p[0] for p in pauses]
                next_moment = min(m for m in moments if m > env.now) if any(m > env.now for m in moments) else close
                yield wake | env.timeout(max(0.0, next_moment - env.now))
                self.idle.pop(number, None)
                continue
            c = self.by_id[body["id"]]
            self._called(c, number)
            if c.shows:
                yield env.timeout(self.s.walk_s)
                self.call(lambda ctx: counters.on_current(ctx, self.code, teller, number, "start"))
                c.started_at = env.now
                yield env.timeout(c.service_s)
                self.call(lambda ctx: counters.on_current(ctx, self.code, teller, number, "finish"))
                c.finished_at, c.status = env.now, TicketStatus.DONE
                busy_s += env.now - c.called_at if c.called_at is not None else 0
                self.finished[c.category].append((env.now, env.now - c.started_at))
                if c.score is not None:
                    self._rate(teller, number, c.score)
            else:
                for _ in range(self.s.no_show.recalls):
                    yield env.timeout(self.s.no_show.recall_after_s)
                    self.call(lambda ctx: counters.on_current(ctx, self.code, teller, number, "recall"))
                yield env.timeout(self.s.no_show.recall_after_s)
                self.call(lambda ctx: counters.on_current(ctx, self.code, teller, number, "skip"))
                busy_s += env.now - c.called_at if c.called_at is not None else 0
                c.finished_at, c.status = env.now, TicketStatus.NO_SHOW
        self.call(lambda ctx: counters.close_counter(ctx, self.code, teller, number))
        self._set_open(number, False)
        open_s += env.now - opened
        self.run_log.open_seconds[number] = open_s
        self.run_log.busy_seconds[number] = busy_s

    def _rate(self, teller: Principal, number: int, score: int) -> None:
        self.call(lambda ctx: counters.evaluate(ctx, self.code, teller, number, score))

    def _called(self, c: Customer, number: int) -> None:
        c.called_at, c.counter, c.status = self.env.now, number, TicketStatus.CALLED
        self.last_called_wait[c.category] = self.env.now - c.arrives
        self.waiting[c.category].discard(c.id)
        self._note_waiting(c.category)
        event = self.called_events.pop(c.id, None)
        if event is not None and not event.triggered:
            event.succeed()

    def _closing(self, arrivals: list[Any], tellers: list[Any]) -> Generator[simpy.Event, Any, None]:
        """After the last counter closes, whoever still waits (no counter served them) is sent away."""
        yield self.env.all_of(arrivals)
        self.arrivals_over = True
        yield self.env.all_of(tellers)
        self.end_s = self.env.now
        for ids in self.waiting.values():
            for ticket_id in sorted(ids, key=lambda i: self.by_id[i].n):
                self._leave(self.by_id[ticket_id])

    # -- time series -----------------------------------------------------------------------

    def _note_waiting(self, category: str) -> None:
        self.run_log.waiting.append((self.env.now, category, len(self.waiting[category])))

    def _set_open(self, number: int, is_open: bool) -> None:
        (self.open_numbers.add if is_open else self.open_numbers.discard)(number)
        self._note_open()

    def _note_open(self) -> None:
        self.run_log.open_counters.append((self.env.now, len(self.open_numbers)))
