"""A branch-day scenario (YAML): the layout, the hours, who comes when, how long they take,
who leaves, and the counters' schedules. Refused with the file and the field named."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..rules import layout as layouts


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the file and the field."""


def minutes_of(text: str) -> int:
    """ "HH:MM" → minutes after midnight."""
    try:
        hours, minutes = text.split(":")
        h, m = int(hours), int(minutes)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day HH:MM") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 24 * 60:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return h * 60 + m


def _time(value: Any) -> str:
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 09:00 as sexagesimal 540
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str):
        raise ValueError("a time of day is written HH:MM")
    minutes_of(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hours(_Strict):
    open: str
    close: str

    _times = field_validator("open", "close", mode="before")(_time)

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if minutes_of(self.close) <= minutes_of(self.open):
            raise ValueError("close must be after open")
        return self


class Service(_Strict):
    """Service time at the counter: lognormal with this mean and coefficient of variation."""

    mean_s: float = Field(gt=0)
    cv: float = Field(0.5, ge=0, le=5)


class NoShow(_Strict):
    """Called customers who do not come: the teller recalls ``recalls`` times,
    ``recall_after_s`` apart, then marks the ticket no-show."""

    probability: float = Field(0.0, ge=0, le=1)
    recalls: int = Field(1, ge=0, le=5)
    recall_after_s: float = Field(30, gt=0)


class Patience(_Strict):
    """How long a customer waits before leaving uncalled (lognormal); cancelled then."""

    mean_minutes: float = Field(gt=0)
    cv: float = Field(0.5, ge=0, le=5)


class Pause(_Strict):
    at: str
    minutes: float = Field(gt=0)

    _times = field_validator("at", mode="before")(_time)


class CounterSchedule(_Strict):
    """When a counter's teller signs in, pauses and closes (default: the branch's hours).
    A counter that closes with the branch serves the customers still waiting first."""

    number: int
    open: str | None = None
    close: str | None = None
    pauses: list[Pause] = Field(default_factory=list)
    # A counter of this scenario's own, not in the layout (the staffing suggestion's).
    serves: list[str] | None = None

    _times = field_validator("open", "close", mode="before")(lambda v: None if v is None else _time(v))


class Ratings(_Strict):
    """The share of served customers who press a rating key, and the scores' weights (1 best)."""

    share: float = Field(0.5, ge=0, le=1)
    weights: list[float] = Field(default_factory=lambda: [70.0, 20.0, 7.0, 3.0], min_length=4, max_length=4)


class Target(_Strict):
    p90_wait_minutes: float = Field(10, gt=0)


class Scenario(_Strict):
    name: str
    description: str = ""
    layout: str | dict[str, Any]
    date: dt.date = dt.date(2025, 3, 10)
    hours: Hours
    seed: int = 1
    # customers per hour, per category, from each "HH:MM" until the next or closing
    arrivals: dict[str, dict[str, float]]
    vip_share: float = Field(0.0, ge=0, le=1)
    green_share: float = Field(0.0, ge=0, le=1)
    service: dict[str, Service]
    walk_s: float = Field(20, ge=0, description="from the call to the counter")
    no_show: NoShow = Field(default_factory=NoShow)
    patience: Patience | None = None
    counters: list[CounterSchedule] | None = None
    policy: dict[str, Any] = Field(default_factory=dict)
    target: Target = Field(default_factory=Target)
    ratings: Ratings = Field(default_factory=Ratings)

    @field_validator("arrivals", mode="before")
    @classmethod
    def _arrival_times(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            c: {_time(t): r for t, r in rates.items()} if isinstance(rates, dict) else rates
            for c, rates in value.items()
        }

    @model_validator(mode="after")
    def _shares(self) -> Scenario:
        if self.vip_share + self.green_share > 1:
            raise ValueError("vip_share + green_share must be at most 1")
        return self


class Loaded:
    """A checked scenario with its layout resolved (a dict ``apply_layout`` takes)."""

    def __init__(self, scenario: Scenario, code: str, layout: dict[str, Any], source: str):
        self.scenario = scenario
        self.code = code
        self.layout = layout
        self.source = source
        self.parsed = layouts.from_dict(code, layout)

    @property
    def open_s(self) -> float:
        return minutes_of(self.scenario.hours.open) * 60.0

    @property
    def close_s(self) -> float:
        return minutes_of(self.scenario.hours.close) * 60.0

    def at(self, text: str) -> float:
        """A time of day as seconds after opening (the simulation's clock)."""
        return minutes_of(text) * 60.0 - self.open_s

    @property
    def day_s(self) -> float:
        return self.close_s - self.open_s

    def rates(self, category: str) -> list[tuple[float, float]]:
        """(from second, customers per second), ordered, covering the day from the opening."""
        steps = sorted((self.at(t), r / 3600) for t, r in self.scenario.arrivals.get(category, {}).items())
        if not steps or steps[0][0] > 0:
            steps.insert(0, (0.0, 0.0))
        return steps

    def rate_at(self, category: str, t: float) -> float:
        current = 0.0
        for start, rate in self.rates(category):
            if start <= t:
                current = rate
        return current

    def with_policy(self, **changes: Any) -> Loaded:
        policy = {**self.scenario.policy, **changes}
        return Loaded(self.scenario.model_copy(update={"policy": policy}), self.code, self._merge(policy), self.source)

    def with_counters(self, counters: list[CounterSchedule]) -> Loaded:
        """The same day with other counters (each serving what its ``serves`` says)."""
        scenario = self.scenario.model_copy(update={"counters": counters})
        layout = dict(self.layout)
        layout["counters"] = [
            {"number": c.number, "name": f"{c.number}", "serves": list(c.serves or ())} for c in counters
        ]
        return Loaded(scenario, self.code, layout, self.source)

    def _merge(self, policy: dict[str, Any]) -> dict[str, Any]:
        layout = dict(self.layout)
        layout["policy"] = {**(self.layout.get("policy") or {}), **policy}
        return layout


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def load(path: Path | str) -> Loaded:
    path = Path(path)
    try:
        data = _read(path)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (ValueError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: not readable: {error}") from None
    return parse(data, str(path), path.parent)


def parse(data: Any, source: str, base: Path) -> Loaded:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping of fields (name, layout, hours, arrivals, service …)")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        lines = [f"{source}: {_where(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ScenarioError("\n".join(lines)) from None
    layout = _layout(scenario, source, base)
    code = str(layout.pop("code", "sim"))
    layout["policy"] = {**(layout.get("policy") or {}), **scenario.policy}
    try:
        loaded = Loaded(scenario, code, layout, source)
    except layouts.LayoutError as error:
        raise ScenarioError(f"{source}: layout: {error}") from None
    _check_against_layout(loaded)
    return loaded


def _layout(scenario: Scenario, source: str, base: Path) -> dict[str, Any]:
    if isinstance(scenario.layout, dict):
        return dict(scenario.layout)
    path = base / scenario.layout
    try:
        data = _read(path)
    except FileNotFoundError:
        raise ScenarioError(f"{source}: layout: no layout file {path}") from None
    except (ValueError, yaml.YAMLError) as error:
        raise ScenarioError(f"{source}: layout: {path} is not readable: {error}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: layout: {path} is not a layout")
    return data


def _check_against_layout(loaded: Loaded) -> None:
    s, source, layout = loaded.scenario, loaded.source, loaded.parsed
    codes = [c.code for c in layout.categories]
    known = ", ".join(codes)
    open_s, close_s = loaded.open_s, loaded.close_s

    def fail(where: str, what: str) -> None:
        raise ScenarioError(f"{source}: {where}: {what}")

    for category, steps in s.arrivals.items():
        if category not in codes:
            fail(f"arrivals.{category}", f"unknown category {category!r}; the layout has {known}")
        for at, rate in steps.items():
            if rate < 0:
                fail(f"arrivals.{category}.{at}", f"a rate is customers per hour, 0 or more, not {rate:g}")
            if not open_s <= minutes_of(at) * 60 < close_s:
                fail(f"arrivals.{category}.{at}", f"outside the opening hours {s.hours.open}-{s.hours.close}")
    for category in s.service:
        if category not in codes:
            fail(f"service.{category}", f"unknown category {category!r}; the layout has {known}")
    for category in s.arrivals:
        if category not in s.service:
            fail("service", f"category {category!r} has arrivals but no service time")
    if not any(rate > 0 for steps in s.arrivals.values() for rate in steps.values()):
        fail("arrivals", "nobody comes: give at least one category a rate above 0")
    numbers = {c.number for c in layout.counters}
    seen: set[int] = set()
    for i, counter in enumerate(s.counters or []):
        where = f"counters.{i}"
        if counter.number in seen:
            fail(where, f"counter {counter.number} is listed twice")
        seen.add(counter.number)
        if counter.serves is None and counter.number not in numbers:
            fail(where, f"counter {counter.number} is not in the layout (it has {sorted(numbers)})")
        for code in counter.serves or ():
            if code not in codes:
                fail(f"{where}.serves", f"unknown category {code!r}; the layout has {known}")
        start = minutes_of(counter.open) * 60 if counter.open else open_s
        end = minutes_of(counter.close) * 60 if counter.close else close_s
        if end <= start:
            fail(where, "close must be after open")
        for j, pause in enumerate(counter.pauses):
            if not start <= minutes_of(pause.at) * 60 < end:
                fail(f"{where}.pauses.{j}", "a pause starts while the counter is open")
