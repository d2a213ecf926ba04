"""Opening hours: when a branch is open, and when it next opens (docs/layout.md).

Weekly hours, holidays and special days, all in the branch's own timezone. A layout
without hours is always open, so the layouts written before hours existed keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .messages import Message, say

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
# How far ahead "when does it open next" looks: a branch closed for longer is closed.
HORIZON_DAYS = 400

Span = tuple[int, int]  # minutes since local midnight, start inclusive, end exclusive


class HoursError(ValueError):
    """Hours that cannot be read; the message says which and why."""


def parse_span(text: str) -> Span:
    """ "09:00-12:30" → (540, 750); the end after the start, "24:00" the day's end."""
    found = _SPAN.match(text) if isinstance(text, str) else None
    if not found:
        raise HoursError(f"opening hours {text!r} must read HH:MM-HH:MM, e.g. 09:00-17:00")
    start = int(found[1]) * 60 + int(found[2])
    end = int(found[3]) * 60 + int(found[4])
    if end > 24 * 60 or end <= start:
        raise HoursError(f"opening hours {text!r} must end after they start, by 24:00 at the latest")
    return start, end


def format_span(span: Span) -> str:
    return f"{span[0] // 60:02d}:{span[0] % 60:02d}-{span[1] // 60:02d}:{span[1] % 60:02d}"


def parse_spans(texts: list[str] | tuple[str, ...], where: str) -> tuple[Span, ...]:
    """A day's spans, in order and not overlapping."""
    try:
        spans = tuple(sorted(parse_span(t) for t in texts))
    except HoursError as error:
        raise HoursError(f"{where}: {error}") from None
    for before, after in zip(spans, spans[1:], strict=False):
        if after[0] < before[1]:
            raise HoursError(f"{where}: {format_span(before)} and {format_span(after)} overlap")
    return spans


@dataclass(frozen=True)
class Hours:
    """``weekly[0]`` is Monday's spans; a holiday is closed all day; a special day has its own
    spans (none: closed), whatever its weekday."""

    weekly: tuple[tuple[Span, ...], ...] = ((),) * 7
    holidays: frozenset[str] = frozenset()
    special: dict[str, tuple[Span, ...]] = field(default_factory=dict)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        key = day.isoformat()
        if key in self.special:
            return self.special[key]
        if key in self.holidays:
            return ()
        return self.weekly[day.weekday()]


def from_dict(data: dict[str, Any]) -> Hours:
    """``{"weekly": {"mon": ["09:00-17:00"]}, "holidays": ["2026-10-01"], "special_days":
    {"2026-09-27": ["09:00-12:00"]}}``; a weekday left out is closed."""
    if not isinstance(data, dict):
        raise HoursError("hours must be a table with weekly, holidays and special_days")
    unknown = set(data) - {"weekly", "holidays", "special_days"}
    if unknown:
        raise HoursError(f"hours: unknown field {sorted(unknown)[0]!r}")
    weekly = data.get("weekly") or {}
    if not isinstance(weekly, dict) or set(weekly) - set(WEEKDAYS):
        raise HoursError(f"hours.weekly names days among {', '.join(WEEKDAYS)}")
    holidays = data.get("holidays") or []
    special = data.get("special_days") or {}
    if not isinstance(holidays, list) or not isinstance(special, dict):
        raise HoursError("hours.holidays is a list of days, hours.special_days a table of day → hours")
    for day in [*holidays, *special]:
        _calendar_day(day)
    return Hours(
        weekly=tuple(parse_spans(_list(weekly.get(d, [])), f"hours.weekly.{d}") for d in WEEKDAYS),
        holidays=frozenset(holidays),
        special={d: parse_spans(_list(spans), f"hours.special_days.{d}") for d, spans in sorted(special.items())},
    )


def to_dict(hours: Hours) -> dict[str, Any]:
    return {
        "weekly": {
            d: [format_span(s) for s in spans] for d, spans in zip(WEEKDAYS, hours.weekly, strict=True) if spans
        },
        "holidays": sorted(hours.holidays),
        "special_days": {d: [format_span(s) for s in spans] for d, spans in hours.special.items()},
    }


def _by_weekday(hours: Hours) -> list[tuple[str, tuple[Span, ...]]]:
    return list(zip(WEEKDAYS, hours.weekly, strict=True))


def _list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise HoursError(f"opening hours are a list of HH:MM-HH:MM, not {value!r}")
    return value


def _calendar_day(value: Any) -> None:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise HoursError(f"hours: {value!r} is not a calendar day (YYYY-MM-DD)") from None


def _moment(day: date, minute: int, zone: ZoneInfo) -> float:
    return (datetime.combine(day, time(0), zone) + timedelta(minutes=minute)).timestamp()


def open_spans(hours: Hours, day: date, zone: ZoneInfo) -> list[tuple[float, float]]:
    """A local day's opening spans as epoch seconds."""
    return [(_moment(day, s, zone), _moment(day, e, zone)) for s, e in hours.spans_on(day)]


def is_open(hours: Hours | None, zone: ZoneInfo, at: float) -> bool:
    if hours is None:
        return True
    day = datetime.fromtimestamp(at, zone).date()
    return any(start <= at < end for start, end in open_spans(hours, day, zone))


def next_opening(hours: Hours | None, zone: ZoneInfo, at: float) -> float | None:
    """The moment the branch next opens after ``at`` (``at`` itself when open then); None
    when it opens on none of the next ``HORIZON_DAYS`` days."""
    if hours is None:
        return at
    day = datetime.fromtimestamp(at, zone).date()
    for offset in range(HORIZON_DAYS):
        for start, end in open_spans(hours, day + timedelta(days=offset), zone):
            if end > at:
                return max(start, at)
    return None


def closed_message(hours: Hours | None, zone: ZoneInfo, at: float, locale: str) -> str:
    """Why a ticket or a booking is refused now, and when to come back, in the branch's language."""
    opens = next_opening(hours, zone, at)
    if opens is None:
        return say(Message.BRANCH_CLOSED_FOR_NOW, locale)
    return say(Message.BRANCH_CLOSED, locale, opens=datetime.fromtimestamp(opens, zone).strftime("%Y-%m-%d %H:%M"))
