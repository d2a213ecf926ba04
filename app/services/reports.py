"""Reports of a day or a range of days: a branch's (JSON and one CSV per table), and the
admin's side-by-side of every branch. Read-only, one read transaction each."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..errors import Invalid, NotFound
from ..rules.booking_report import booking_report
from ..rules.reports import DEFAULT_WAIT_TARGET_S, RangeError, branch_report, comparison_row, date_range
from ..store import bookings as stored_bookings
from ..store import branches
from ..store import remote as stored_remote
from ..store import reports as store
from .context import Context
from .queries import BOM

# The columns of each table a branch's report downloads as CSV, in the JSON's names.
TABLES: dict[str, tuple[str, ...]] = {
    "hourly": (
        "hour",
        "arrivals",
        "served",
        "abandoned",
        "no_show",
        "cancelled",
        "expired",
        "abandonment_rate",
        "wait_avg_s",
        "wait_p90_s",
    ),
    "waits": ("from_s", "to_s", "count"),
    "counters": (
        "counter",
        "name",
        "served",
        "no_show",
        "service_avg_s",
        "service_p90_s",
        "ratings",
        "satisfaction_rate",
        "score_avg",
        "utilisation",
    ),
    "tellers": (
        "teller",
        "counters",
        "served",
        "no_show",
        "service_avg_s",
        "service_p90_s",
        "ratings",
        "satisfaction_rate",
        "score_avg",
        "utilisation",
    ),
    "staffing": ("category", "hour", "arrivals_per_hour", "service_avg_s", "service_from", "counters_needed"),
    # one line: the `bookings` section, its nested figures named `wait_avg_s`, `remote_taken`…
    "bookings": (
        "from",
        "to",
        "booked",
        "cancelled",
        "checked_in",
        "no_show",
        "late",
        "wait_avg_s",
        "wait_p50_s",
        "wait_p90_s",
        "wait_max_s",
        "remote_taken",
        "remote_confirmed",
        "remote_expired",
    ),
}
COMPARISON = (
    "branch",
    "name",
    "issued",
    "served",
    "wait_avg_s",
    "wait_p90_s",
    "abandoned",
    "abandonment_rate",
    "ratings",
    "satisfaction_rate",
    "score_avg",
    "utilisation",
)


def _range(start: str, end: str | None) -> tuple[str, str]:
    try:
        first, last, _ = date_range(start, end)
    except RangeError as e:
        raise Invalid(str(e)) from None
    return first, last


def span_name(first: str, last: str) -> str:
    """How a file names its dates: the day, or the first and last day."""
    return first if first == last else f"{first}_{last}"


async def report(ctx: Context, code: str, start: str, end: str | None, wait_target_s: float | None = None) -> dict:
    first, last = _range(start, end)
    async with ctx.db.read() as tx:
        branch = await branches.read(tx, code)
        if branch is None:
            raise NotFound(f"branch {code!r} not found")
        found = await store.tickets_of_days(tx, code, first, last)
        booked = await stored_bookings.of_days(tx, code, first, last)
        remotes = await stored_remote.of_days(tx, code, first, last)
    layout = branch.layout
    body = branch_report(
        found,
        layout.zone,
        start=first,
        end=last,
        default_service_s=layout.policy.default_service_s,
        wait_target_s=wait_target_s or DEFAULT_WAIT_TARGET_S,
        counter_names={c.number: c.name for c in layout.counters},
    )
    body["bookings"] = booking_report(
        booked, remotes, {t.id: t for t in found}, ctx.clock(), layout.policy.remote_confirm_minutes
    )
    return {"branch": code, "name": layout.name, "timezone": layout.timezone, "locale": layout.locale, **body}


def _csv(fields: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    out.write(BOM)  # Excel on a Chinese PC reads UTF-8 only with it (queries.BOM)
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bookings_row(body: dict[str, Any]) -> dict[str, Any]:
    """The report's `bookings` section as one flat line, its days first: a spreadsheet
    gathering the lines of several downloads still says which days each counts."""
    section = body["bookings"]
    return {
        "from": body["from"],
        "to": body["to"],
        **{k: v for k, v in section.items() if k not in ("wait_s", "remote")},
        **{f"wait_{k}_s": v for k, v in section["wait_s"].items()},
        **{f"remote_{k}": v for k, v in section["remote"].items()},
    }


def table_rows(body: dict[str, Any], table: str) -> list[dict[str, Any]]:
    if table == "bookings":
        return [bookings_row(body)]
    if table == "waits":
        return list(body["waits"]["bins"])
    if table == "staffing":
        return list(body["staffing"]["rows"])
    if table == "tellers":
        return [{**row, "counters": " ".join(map(str, row["counters"]))} for row in body["tellers"]]
    return list(body[table])


async def report_csv(
    ctx: Context, code: str, start: str, end: str | None, table: str, wait_target_s: float | None = None
) -> tuple[str, str]:
    """One table of the report as a CSV file's text, and the file's name."""
    body = await report(ctx, code, start, end, wait_target_s)
    name = f"lobbyq-report-{code}-{span_name(body['from'], body['to'])}-{table}.csv"
    return name, _csv(TABLES[table], table_rows(body, table))


async def comparison(ctx: Context, start: str, end: str | None) -> dict[str, Any]:
    """Every branch's KPIs over the same days, side by side (admin)."""
    first, last = _range(start, end)
    rows = []
    async with ctx.db.read() as tx:
        for code, name in await branches.all_codes_and_names(tx):
            rows.append(comparison_row(code, name, await store.tickets_of_days(tx, code, first, last)))
    return {"from": first, "to": last, "branches": rows}


async def comparison_csv(ctx: Context, start: str, end: str | None) -> tuple[str, str]:
    body = await comparison(ctx, start, end)
    return f"lobbyq-branches-{span_name(body['from'], body['to'])}.csv", _csv(COMPARISON, body["branches"])
