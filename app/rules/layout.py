"""A branch layout: categories, counters and policy, and what makes one valid."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import appointments
from . import hours as opening
from .vocabulary import AlertType

LOCALES = ("zh-CN", "en")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")


KIOSK_NAME_MAX = 100  # a token's name, and a ticket's kiosk column

_OPTIONAL_POLICY = ("max_wait_minutes", "alert_wait_minutes", "alert_queue_length")

# Alert types whose cause can go away by itself, so the policy may let them clear
# themselves (docs/domain.md): a rating of 4 stays what it was, it waits for a note.
AUTO_CLEARABLE = (
    AlertType.LONG_WAIT,
    AlertType.QUEUE_TOO_LONG,
    AlertType.DEVICE_FAULT,
    AlertType.MISSED_VULNERABLE,
)
# By default the lobby's own state clears what it raised (a queue back under its limit,
# a waiting customer called, a printer refilled); a missed green-channel customer is
# somebody the manager must go and find, so it waits for a note.
DEFAULT_AUTO_CLEAR = (AlertType.QUEUE_TOO_LONG, AlertType.LONG_WAIT, AlertType.DEVICE_FAULT)


class LayoutError(ValueError):
    """A layout that would leave the branch unusable; the message says what is wrong."""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    prefix: str
    # How it may be booked ahead (issue #13); none: walk-ins only.
    appointment: appointments.Appointment | None = None
    # Whether a customer may take a ticket from the phone, confirmed on arrival (issue #13).
    remote: bool = False


@dataclass(frozen=True)
class Counter:
    number: int
    name: str
    serves: tuple[str, ...]


# Each policy field's bounds, inclusive: the one place they are written (the API's
# request model reads them too).
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "evaluation_window_s": (1, 3600),
    "max_wait_minutes": (1, 1440),
    "alert_wait_minutes": (1, 1440),
    "alert_queue_length": (1, 100_000),
    "default_service_s": (1, 86400),
    "checkin_grace_minutes": (0, 240),
    "remote_confirm_minutes": (5, 480),
    "remote_per_day": (1, 20),
}


@dataclass(frozen=True)
class Policy:
    evaluation_window_s: int = 30
    max_wait_minutes: int | None = None
    alert_wait_minutes: int | None = 30
    alert_queue_length: int | None = 20
    default_service_s: int = 300
    # A booked customer checking in later than this after the slot's start ranks as a
    # walk-in (from the check-in), not from the slot.
    checkin_grace_minutes: int = 15
    # A remote ticket not confirmed at the branch this long after it was taken expires;
    # a phone number or an address takes at most ``remote_per_day`` a business day.
    remote_confirm_minutes: int = 60
    remote_per_day: int = 2
    # Alert types that clear themselves when their cause is gone; the others stay open
    # until a manager acknowledges them with a note.
    alert_auto_clear: tuple[str, ...] = tuple(str(t) for t in DEFAULT_AUTO_CLEAR)


@dataclass(frozen=True)
class Layout:
    code: str
    name: str
    timezone: str = "Asia/Shanghai"
    locale: str = "zh-CN"
    categories: tuple[Category, ...] = ()
    counters: tuple[Counter, ...] = ()
    policy: Policy = field(default_factory=Policy)
    # The branch's kiosks by name (each the name of a kiosk token, and the ``kiosk`` of
    # its printer in the devices file); the first is the default one, which prints the
    # tickets the lobby manager issues unless the manager picks another.
    kiosks: tuple[str, ...] = ()
    # Opening hours (issue #13); none: always open, as every layout before them.
    hours: opening.Hours | None = None

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def counter(self, number: int) -> Counter | None:
        return next((c for c in self.counters if c.number == number), None)

    @property
    def default_kiosk(self) -> str | None:
        return self.kiosks[0] if self.kiosks else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def validate(layout: Layout) -> Layout:
    """Refuse a layout that names unknown things or repeats itself."""
    if not _CODE.match(layout.code):
        raise LayoutError(f"branch code {layout.code!r} must be 1-32 letters, digits, '-' or '_'")
    try:
        ZoneInfo(layout.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise LayoutError(f"unknown timezone {layout.timezone!r}") from None
    if layout.locale not in LOCALES:
        raise LayoutError(f"locale must be one of {', '.join(LOCALES)}, not {layout.locale!r}")
    if not layout.categories:
        raise LayoutError("a branch needs at least one category")
    codes: set[str] = set()
    prefixes: set[str] = set()
    for cat in layout.categories:
        if not _CODE.match(cat.code):
            raise LayoutError(f"category code {cat.code!r} must be 1-32 letters, digits, '-' or '_'")
        if cat.code in codes:
            raise LayoutError(f"duplicate category code {cat.code!r}")
        if not cat.prefix:
            raise LayoutError(f"category {cat.code!r} has an empty prefix")
        if not _PREFIX.match(cat.prefix):
            raise LayoutError(f"category {cat.code!r}: prefix {cat.prefix!r} must be 1-3 capital letters")
        if cat.prefix in prefixes:
            raise LayoutError(f"prefix {cat.prefix!r} is used by two categories")
        codes.add(cat.code)
        prefixes.add(cat.prefix)
    numbers: set[int] = set()
    for counter in layout.counters:
        if counter.number < 1 or counter.number > 999:
            raise LayoutError(f"counter number {counter.number} must be between 1 and 999")
        if counter.number in numbers:
            raise LayoutError(f"duplicate counter number {counter.number}")
        numbers.add(counter.number)
        if not counter.serves:
            raise LayoutError(f"counter {counter.number} serves no category")
        if len(set(counter.serves)) != len(counter.serves):
            raise LayoutError(f"counter {counter.number} lists a category twice in serves")
        for code in counter.serves:
            if code not in codes:
                raise LayoutError(f"counter {counter.number} serves unknown category {code!r}")
    for kiosk in layout.kiosks:
        if not isinstance(kiosk, str) or not kiosk.strip() or len(kiosk) > KIOSK_NAME_MAX:
            raise LayoutError(f"a kiosk name is 1-{KIOSK_NAME_MAX} characters, not {kiosk!r}")
    if len(set(layout.kiosks)) != len(layout.kiosks):
        raise LayoutError("a kiosk is listed twice in kiosks")
    for name, (low, high) in POLICY_BOUNDS.items():
        value = getattr(layout.policy, name)
        if value is None and name in _OPTIONAL_POLICY:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            null = " or null" if name in _OPTIONAL_POLICY else ""
            raise LayoutError(f"policy.{name} must be a whole number between {low} and {high}{null}")
    _validate_auto_clear(layout.policy.alert_auto_clear)
    booked = [c.code for c in layout.categories if c.appointment is not None]
    if booked and layout.hours is None:
        raise LayoutError(f"category {booked[0]!r} takes appointments: the branch needs opening hours for its slots")
    return layout


def _validate_auto_clear(types: Any) -> None:
    if not isinstance(types, (list, tuple)) or not all(isinstance(t, str) for t in types):
        raise LayoutError("policy.alert_auto_clear must be a list of alert types")
    for type_ in types:
        if type_ == AlertType.UNSATISFIED:
            raise LayoutError(
                f"policy.alert_auto_clear: {type_} cannot clear itself (a rating does not go away);"
                " it waits for acknowledgement"
            )
        if type_ not in AUTO_CLEARABLE:
            known = ", ".join(AUTO_CLEARABLE)
            raise LayoutError(f"policy.alert_auto_clear: unknown alert type {type_!r}; one of {known}")
    if len(set(types)) != len(types):
        raise LayoutError("policy.alert_auto_clear lists an alert type twice")


def _policy(data: dict[str, Any]) -> Policy:
    """The policy of plain data: its list of alert types kept as a tuple (frozen)."""
    if isinstance(data.get("alert_auto_clear"), list):
        data = {**data, "alert_auto_clear": tuple(data["alert_auto_clear"])}
    return Policy(**data)


def from_dict(code: str, data: dict[str, Any]) -> Layout:
    """Build a layout from plain data (JSON, YAML or TOML), then validate it."""
    try:
        policy = _policy(data.get("policy") or {})
        layout = Layout(
            code=code,
            name=data["name"],
            timezone=data.get("timezone", "Asia/Shanghai"),
            locale=data.get("locale", "zh-CN"),
            categories=tuple(
                Category(c["code"], c.get("name", c["code"]), c["prefix"], _appointment(c), bool(c.get("remote")))
                for c in data.get("categories", [])
            ),
            counters=tuple(
                Counter(int(c["number"]), c.get("name", f"{c['number']}"), tuple(c.get("serves", [])))
                for c in data.get("counters", [])
            ),
            policy=policy,
            kiosks=tuple(data.get("kiosks") or ()),
            hours=opening.from_dict(data["hours"]) if data.get("hours") is not None else None,
        )
    except (opening.HoursError, appointments.AppointmentError) as error:
        raise LayoutError(str(error)) from None
    except KeyError as missing:
        raise LayoutError(f"missing field {missing.args[0]!r}") from None
    except TypeError as bad:
        raise LayoutError(f"bad layout: {bad}") from None
    return validate(layout)


def _appointment(category: dict[str, Any]) -> appointments.Appointment | None:
    data = category.get("appointment")
    return None if data is None else appointments.from_dict(data, f"category {category.get('code')!r}")


def _category_dict(c: Category) -> dict[str, Any]:
    out: dict[str, Any] = {"code": c.code, "name": c.name, "prefix": c.prefix}
    if c.appointment is not None:
        out["appointment"] = appointments.to_dict(c.appointment)
    if c.remote:
        out["remote"] = True
    return out


def to_dict(layout: Layout) -> dict[str, Any]:
    p = layout.policy
    return {
        "code": layout.code,
        "name": layout.name,
        "timezone": layout.timezone,
        "locale": layout.locale,
        "categories": [_category_dict(c) for c in layout.categories],
        "counters": [{"number": c.number, "name": c.name, "serves": list(c.serves)} for c in layout.counters],
        "policy": {
            "evaluation_window_s": p.evaluation_window_s,
            "max_wait_minutes": p.max_wait_minutes,
            "alert_wait_minutes": p.alert_wait_minutes,
            "alert_queue_length": p.alert_queue_length,
            "default_service_s": p.default_service_s,
            "checkin_grace_minutes": p.checkin_grace_minutes,
            "remote_confirm_minutes": p.remote_confirm_minutes,
            "remote_per_day": p.remote_per_day,
            "alert_auto_clear": list(p.alert_auto_clear),
        },
        "kiosks": list(layout.kiosks),
        **({"hours": opening.to_dict(layout.hours)} if layout.hours is not None else {}),
    }
