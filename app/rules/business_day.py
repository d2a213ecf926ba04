"""The business day: the calendar day in the branch's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_of(moment: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(moment, zone).date().isoformat()


def day_bounds(day: str, zone: ZoneInfo) -> tuple[float, float]:
    """Start and end (epoch seconds) of a local day; DST days are 23 or 25 hours long."""
    d = date.fromisoformat(day)
    start = datetime.combine(d, time(0), zone)
    end = datetime.combine(d + timedelta(days=1), time(0), zone)
    return start.timestamp(), end.timestamp()


def iso(moment: float | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with the branch's offset, to the millisecond."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, zone).isoformat(timespec="milliseconds")


def utc_iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")


def clock_time(moment: float, zone: ZoneInfo) -> str:
    """The branch's wall-clock time of a moment, "09:41", as people say it."""
    return datetime.fromtimestamp(moment, zone).strftime("%H:%M")
