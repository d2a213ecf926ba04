"""Request bodies. Every field is bounded: bad input is a 422 that says what is wrong."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..rules.appointments import AMOUNT_MAX
from ..rules.appointments import BOUNDS as APPOINTMENT_BOUNDS
from ..rules.layout import AUTO_CLEARABLE, DEFAULT_AUTO_CLEAR, POLICY_BOUNDS
from ..rules.vocabulary import (
    AlertStatus,
    AlertType,
    BookingStatus,
    CounterState,
    EventType,
    Priority,
    Refusal,
    RemoteStatus,
    Role,
    TicketStatus,
)

Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


def _unstorable(value: Any) -> str | None:
    """Why a piece of a request's text cannot be stored, if it cannot."""
    if isinstance(value, str):
        if "\x00" in value:
            return "text may not contain NUL characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # JSON lets "\ud800" through; no database stores it
            return "text may not contain a lone surrogate (an invalid \\u escape such as \\ud800)"
        return None
    if isinstance(value, dict):
        return next((r for k, v in value.items() if (r := _unstorable(k) or _unstorable(v))), None)
    if isinstance(value, list):
        return next((r for v in value if (r := _unstorable(v))), None)
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data):
        # PostgreSQL cannot store NUL in text, nor UTF-8 a lone surrogate: refuse them here
        # (422 saying why), not in the database (500).
        if reason := _unstorable(data):
            raise ValueError(reason)
        return data


class TokenIn(Strict):
    """A new API token: its role, its branch (all roles but admin) and a name (a teller's,
    or the kiosk whose printer prints its tickets)."""

    role: Role
    branch: str | None = Field(None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field("", max_length=100)
    expires_in_days: float | None = Field(None, gt=0, le=3650, description="lifetime; none: until revoked")


class TokenOut(BaseModel):
    """The token itself, shown this once; only its SHA-256 is stored."""

    token: str
    id: str
    role: str
    branch: str | None
    name: str
    expires_at: str | None


class TokenInfo(BaseModel):
    """A token as lists show it: its public id (the first 12 characters of its SHA-256),
    never the token itself."""

    id: str
    role: str
    branch: str | None
    name: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class TokenList(BaseModel):
    tokens: list[TokenInfo]


def _appointment_bound(name: str, default: int) -> Any:
    low, high = APPOINTMENT_BOUNDS[name]
    return Field(default, ge=low, le=high)


class AppointmentIn(Strict):
    """How a category may be booked ahead (docs/layout.md): slots, capacity, how far ahead
    and how late, the share of each hour bookings may take, and for large cash the
    currencies with the amount above which a booking is made a business day ahead."""

    slot_minutes: int = _appointment_bound("slot_minutes", 30)
    capacity: int = _appointment_bound("capacity", 2)
    book_ahead_days: int = _appointment_bound("book_ahead_days", 14)
    book_until_minutes: int = _appointment_bound("book_until_minutes", 0)
    hourly_share: float = Field(0.5, gt=0, le=1)
    cash: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")], int] | None = Field(
        None, max_length=20, description="currency → the amount above which a booking is made a business day ahead"
    )


class CategoryIn(Strict):
    """A business type: code, display name and the ticket prefix (A → A001)."""

    code: str = Code
    name: str = Field(min_length=1, max_length=100)
    prefix: str = Field(min_length=0, max_length=3)
    appointment: AppointmentIn | None = None
    remote: bool = Field(False, description="customers may take a ticket from the phone, confirmed on arrival")


class CounterIn(Strict):
    """A window: its number, name, and the categories it serves in order of preference."""

    number: int = Field(ge=1, le=999)
    name: str = Field("", max_length=100)
    serves: list[str] = Field(max_length=50)


def _bounded(name: str, default: int | None) -> Any:
    low, high = POLICY_BOUNDS[name]
    return Field(default, ge=low, le=high)


class PolicyIn(Strict):
    """Branch rules: rating window, fairness, alert thresholds, the default service time for estimates."""

    evaluation_window_s: int = _bounded("evaluation_window_s", 30)
    max_wait_minutes: int | None = _bounded("max_wait_minutes", None)
    alert_wait_minutes: int | None = _bounded("alert_wait_minutes", 30)
    alert_queue_length: int | None = _bounded("alert_queue_length", 20)
    default_service_s: int = _bounded("default_service_s", 300)
    checkin_grace_minutes: int = _bounded("checkin_grace_minutes", 15)
    remote_confirm_minutes: int = _bounded("remote_confirm_minutes", 60)
    remote_per_day: int = _bounded("remote_per_day", 2)
    alert_auto_clear: list[str] = Field(
        default_factory=lambda: [str(t) for t in DEFAULT_AUTO_CLEAR],
        max_length=len(AUTO_CLEARABLE),
        description="alert types that clear themselves when their cause is gone (the others wait for"
        f" acknowledgement with a note): any of {', '.join(AUTO_CLEARABLE)}",
    )


def _calendar_day(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar day (YYYY-MM-DD)") from None
    return value


# A business day in a query: the pattern alone lets 2026-13-45 through.
CalendarDay = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_calendar_day)]


Span = Annotated[str, StringConstraints(max_length=11)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class HoursIn(Strict):
    """Opening hours in the branch's timezone (docs/layout.md): spans HH:MM-HH:MM per weekday
    (a day left out is closed), holidays closed all day, special days with their own spans."""

    weekly: dict[Weekday, list[Span]] = Field(default_factory=dict)
    holidays: list[CalendarDay] = Field(default_factory=list, max_length=1000)
    special_days: dict[CalendarDay, list[Span]] = Field(default_factory=dict, max_length=1000)

    @model_validator(mode="after")
    def _few_spans(self):
        if any(len(spans) > 12 for spans in [*self.weekly.values(), *self.special_days.values()]):
            raise ValueError("at most 12 opening spans a day")
        return self


class LayoutIn(Strict):
    """A branch layout (docs/layout.md). ``code`` in the body, if present, must match the path."""

    code: str | None = Field(None, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field("Asia/Shanghai", max_length=64)
    locale: Literal["zh-CN", "en"] = "zh-CN"
    categories: list[CategoryIn] = Field(min_length=1, max_length=50)
    counters: list[CounterIn] = Field(default_factory=list, max_length=200)
    policy: PolicyIn = Field(default_factory=PolicyIn)
    kiosks: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="the branch's kiosks by name (their kiosk tokens' names); the first is the default printer"
        " of the tickets the lobby manager issues",
    )
    hours: HoursIn | None = Field(None, description="opening hours; none: always open")


class VipCardsIn(Strict):
    """The whole VIP registry of the branch (replaces the previous one)."""

    cards: list[str] = Field(max_length=100000)

    @model_validator(mode="after")
    def _bounded(self):
        if any(len(c) > 64 for c in self.cards):
            raise ValueError("a VIP card number is at most 64 characters")
        return self


class IssueIn(Strict):
    """A ticket request: category, and optionally a VIP card (kiosk) or a priority (manager)."""

    category: str = Field(min_length=1, max_length=32)
    priority: Priority | None = None
    vip_card: str | None = Field(None, min_length=1, max_length=64)
    kiosk: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="manager: the kiosk of the layout whose printer prints the ticket; default the layout's first",
    )


Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
BOOKING_CODE = r"^[A-Za-z0-9_-]{16,64}$"


class SlotIn(Strict):
    """A slot by its day and start (``"09:30"``, the branch's time), with the amount and
    currency of a large-cash category."""

    date: CalendarDay
    time: Clock
    amount: int | None = Field(None, ge=1, le=AMOUNT_MAX, description="whole units; large-cash categories only")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")


class BookIn(SlotIn):
    """A booking: the category, the slot, and an optional phone number for reminders."""

    category: str = Field(min_length=1, max_length=32)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 -]{4,30}$", max_length=32)


class RemoteIn(Strict):
    """A ticket from the phone: the category, and an optional phone number for reminders."""

    category: str = Field(min_length=1, max_length=32)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 -]{4,30}$", max_length=32)


class CheckInIn(Strict):
    """The booking code, typed or scanned from its QR; the manager may name the printing kiosk."""

    code: str = Field(pattern=BOOKING_CODE)
    kiosk: str | None = Field(None, min_length=1, max_length=100)


class ReassignIn(Strict):
    """The right category for a customer who took the wrong ticket; the place in time is kept."""

    category: str = Field(min_length=1, max_length=32)


class PriorityIn(Strict):
    """green (green channel) > vip > normal."""

    priority: Priority


class RequeueIn(Strict):
    """Bring a no-show back; keep_place keeps the original place in time."""

    keep_place: bool = False


class PauseIn(Strict):
    """Why the window pauses (shown to the manager)."""

    reason: str | None = Field(None, max_length=200)


class TransferIn(Strict):
    """Where the customer goes: another category, or a named counter (pinned there)."""

    category: str | None = Field(None, min_length=1, max_length=32)
    counter: int | None = Field(None, ge=1, le=999)

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.category is None) == (self.counter is None):
            raise ValueError("give exactly one of category or counter")
        return self


class EvaluationIn(Strict):
    """The customer's rating of the service just finished."""

    score: int = Field(ge=1, le=4, description="1 very satisfied, 2 satisfied, 3 neutral, 4 unsatisfied")


class AckIn(Strict):
    """The manager's note on what was done about an alert."""

    note: str = Field(min_length=1, max_length=2000)


class HealthIn(Strict):
    """A device's health as the agent sees it; fault and offline raise a device.fault alert."""

    kind: Literal["printer", "screen", "keypad"]
    status: Literal["ok", "warning", "fault", "offline"]
    detail: str | None = Field(None, max_length=500)
    kiosk: str | None = Field(None, max_length=100, description="for a printer: the kiosk whose tickets it prints")


class PrintIn(Strict):
    """Whether a ticket's paper came out of the kiosk printer."""

    status: Literal["printed", "failed"]
    device: str | None = Field(None, max_length=64)
    detail: str | None = Field(None, max_length=500)


# ---------------------------------------------------------------- response bodies
# What the API answers (docs/api.md), for the OpenAPI document and its clients. Each
# shape lists the fields it always carries; a newer server may add fields, which pass
# through (extra="allow"): clients ignore the fields they do not know.


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class ValidationProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every refusal (4xx): ``message`` for people and logs, ``code`` for machines, which
    branch on it. A move the ticket's state refuses also names the ticket's ``status``;
    a 422 lists its problems in ``detail``."""

    model_config = ConfigDict(extra="allow")

    message: str
    code: Refusal
    status: TicketStatus | None = None
    detail: list[ValidationProblem] | None = None


class TicketOut(Out):
    """A ticket (docs/api.md, Ticket JSON). Times are ISO 8601 with the branch's offset."""

    id: str
    number: str
    category: str
    priority: Priority
    status: TicketStatus
    issued_at: str
    queued_at: str
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    counter: int | None
    pinned_counter: int | None
    recall_count: int
    score: int | None
    kiosk: str | None
    teller: str | None
    estimated_wait_s: int | None
    wait_minutes: int | None = Field(description="estimated_wait_s in whole minutes, as people are shown it")
    print_failed: bool
    day: str


class TicketDetailOut(TicketOut):
    """One ticket, with the booking it was checked in from (slot, amount), if any."""

    booking: BookingOut | None = None


class IssuedTicketOut(TicketOut):
    """The ticket just issued, with its place and the customer's tracking page."""

    ahead: int
    track_token: str
    track_url: str


class WaitingTicketOut(TicketOut):
    """A waiting ticket in the hall's state, with how many are ahead (null when pinned)."""

    ahead: int | None


class WarningOut(Out):
    """Accepted, but the person acting should know (e.g. a transfer to a paused counter)."""

    code: Refusal
    message: str = Field(description="in the branch's language")


class TransferredTicketOut(TicketOut):
    """The transferred ticket; ``warning`` when its new counter is paused."""

    warning: WarningOut | None = None


class TicketList(Out):
    tickets: list[TicketOut]


class CounterOut(Out):
    """A counter (window): its state, who is signed in, its current ticket."""

    number: int
    name: str
    serves: list[str]
    state: CounterState
    teller: str | None
    pause_reason: str | None
    current_ticket: str | None
    current: TicketOut | None
    waiting: int | None = Field(description="in the state: how many tickets it could call now; else null")
    stray_presses: int
    updated_at: str | None


class AlertOut(Out):
    """An alert for the lobby manager; ``data`` depends on its type and always has a ``message``."""

    id: str
    type: AlertType
    status: AlertStatus
    raised_at: str | None
    data: dict[str, Any]
    text: str = Field(description="what the alert says, in the branch's language")
    note: str | None
    acked_at: str | None
    acked_by: str | None
    cleared_at: str | None = Field(description="when it cleared itself (status cleared), else null")


class AlertList(Out):
    alerts: list[AlertOut]


class DeviceOut(Out):
    """A device's health as its agent last reported it."""

    id: str
    kind: str
    status: str
    detail: str | None
    updated_at: str | None


class DeviceList(Out):
    devices: list[DeviceOut]


class BranchOut(Out):
    code: str
    name: str


class BranchList(Out):
    branches: list[BranchOut]


class CategoryOut(Out):
    code: str
    name: str
    prefix: str


class StateCategoryOut(CategoryOut):
    waiting: int
    estimated_wait_s: int | None = Field(description="the estimated wait of a normal ticket taken now")
    wait_minutes: int | None


class LayoutCounterOut(Out):
    number: int
    name: str
    serves: list[str]


class PolicyOut(Out):
    evaluation_window_s: int
    max_wait_minutes: int | None
    alert_wait_minutes: int | None
    alert_queue_length: int | None
    default_service_s: int
    checkin_grace_minutes: int
    remote_confirm_minutes: int
    remote_per_day: int
    alert_auto_clear: list[str]


class LayoutOut(Out):
    """A branch layout as stored, defaults filled in (docs/layout.md)."""

    code: str
    name: str
    timezone: str
    locale: str
    categories: list[CategoryOut]
    counters: list[LayoutCounterOut]
    kiosks: list[str] = Field(description="kiosk token names; the first is the branch's default printer")
    policy: PolicyOut


class VipCardsOut(Out):
    cards: int = Field(description="distinct non-blank cards stored")


class RecentCallOut(Out):
    seq: int
    type: EventType
    number: str | None
    counter: int | None
    category: str | None
    at: str | None
    status: TicketStatus = Field(description="the ticket's status now (docs/state-fold.md)")
    finished_at: str | None


class StateOut(Out):
    """A snapshot of the hall, consistent with its ``seq`` (docs/api.md, docs/stream.md)."""

    seq: int
    branch: str
    name: str
    locale: str
    timezone: str
    date: str
    categories: list[StateCategoryOut]
    counters: list[CounterOut]
    waiting: list[WaitingTicketOut]
    recent_calls: list[RecentCallOut]
    device_faults: list[AlertOut]


class EventOut(Out):
    """An event's envelope (docs/events.md); ``data`` depends on its type."""

    seq: int
    type: EventType
    at: str
    branch: str
    data: dict[str, Any]


class EventsOut(Out):
    events: list[EventOut]
    snapshot_required: bool = Field(description="some events after `after` are no longer kept: take the state")


class Summary(Out):
    """Seconds: mean, median, 90th percentile (nearest rank) and maximum; null with no data."""

    avg: float | None
    p50: float | None
    p90: float | None
    max: float | None


class EstimateErrorOut(Out):
    """How wrong the waits promised at issue were (docs/domain.md, the day's figures)."""

    count: int = Field(description="called tickets that had an estimate")
    p50_s: float | None
    p90_s: float | None
    p50_pct: float | None = Field(description="in percent of the real wait, tickets that waited ≥ 60 s")
    p90_pct: float | None


class Figures(Out):
    """The figures of a set of tickets (docs/domain.md, the day's figures)."""

    issued: int
    served: int
    no_show: int
    cancelled: int
    expired: int
    waiting: int
    abandoned: int = Field(description="no-show + cancelled + expired")
    abandonment_rate: float | None
    wait_s: Summary
    service_s: Summary
    ratings: int
    scores: dict[str, int]
    satisfaction_rate: float | None
    score_avg: float | None
    estimate_error_s: float | None
    estimate_error: EstimateErrorOut


class CategoryFigures(Figures):
    category: str


class CounterFigures(Figures):
    counter: int
    utilisation: float | None


class HourFigures(Figures):
    hour: int


class StatsOut(Figures):
    """The figures of a business day, with the same per category, counter and hour."""

    branch: str
    date: str
    by_category: list[CategoryFigures]
    by_counter: list[CounterFigures]
    by_hour: list[HourFigures]


class TrackOut(Out):
    """A customer's own ticket, as the page their QR code opens shows it: no personal data."""

    number: str
    branch: str
    branch_name: str
    locale: str
    category: str
    category_name: str
    status: TicketStatus
    ahead: int | None
    estimated_wait_s: int | None
    wait_minutes: int | None
    counter: int | None
    counter_name: str | None
    pinned_counter: int | None = Field(description="the counter this ticket waits for, after a transfer")
    pinned_counter_name: str | None
    issued_at: str | None
    called_at: str | None


class HealthOut(Out):
    status: Literal["ok"]


# ---------------------------------------------------------------- reports (docs/api.md, Reports)


class ReportSummary(Figures):
    """The figures of the whole range, with the counters' utilisation."""

    utilisation: float | None = Field(description="every counter's service seconds over their spans of work")


class ReportHour(Out):
    """An hour of the branch's clock, summed over the range's days."""

    hour: int = Field(ge=0, le=23)
    arrivals: int = Field(description="tickets issued in this hour")
    served: int = Field(description="tickets finished in this hour")
    abandoned: int = Field(description="tickets issued in this hour that left without service")
    no_show: int
    cancelled: int
    expired: int
    abandonment_rate: float | None
    wait_avg_s: float | None
    wait_p90_s: float | None


class WaitBin(Out):
    from_s: int
    to_s: int | None = Field(description="null for the last bin when it counts every longer wait")
    count: int


class WaitHistogram(Out):
    """The waits of called tickets in bins of equal width, p50 and p90 by nearest rank."""

    count: int
    bin_s: int
    bins: list[WaitBin]
    avg_s: float | None
    p50_s: float | None
    p90_s: float | None
    max_s: float | None


class PeopleFigures(Out):
    served: int
    no_show: int
    service_avg_s: float | None
    service_p90_s: float | None
    ratings: int
    satisfaction_rate: float | None = Field(description="share of ratings 1–2")
    score_avg: float | None = Field(description="1 very satisfied … 4 unsatisfied")
    utilisation: float | None


class ReportCounter(PeopleFigures):
    counter: int
    name: str


class ReportTeller(PeopleFigures):
    teller: str
    counters: list[int] = Field(description="the counters the teller called tickets at")


class StaffingRow(Out):
    category: str
    hour: int = Field(ge=0, le=23)
    arrivals_per_hour: float = Field(description="this hour's arrivals averaged over the days with tickets")
    service_avg_s: float
    service_from: Literal["measured", "default"] = Field(
        description="`default`: no ticket of the category was served, the policy's default_service_s"
    )
    counters_needed: int = Field(description="Erlang C: the fewest counters keeping the p90 wait under the target")


class Staffing(Out):
    wait_target_s: float
    within: float = Field(description="the share of customers served within the target (0.9: the p90)")
    rows: list[StaffingRow]


class RemoteReport(Out):
    taken: int
    confirmed: int
    expired: int


class BookingReport(Out):
    """Bookings of the days and the waits of booked customers, apart (docs/api.md, Reports)."""

    booked: int = Field(description="bookings made for these days, whatever became of them")
    cancelled: int
    checked_in: int
    no_show: int = Field(description="booked, the slot over, never checked in")
    late: int = Field(description="checked in past the grace period, queued as walk-ins")
    wait_s: dict[str, float | None] = Field(
        description="avg, p50, p90, max of booked customers' waits, from the later of slot start and arrival"
    )
    remote: RemoteReport


class ReportOut(Out):
    """A branch's report of a day or a range of days (docs/api.md, Reports)."""

    branch: str
    name: str
    timezone: str
    locale: str
    from_: str = Field(alias="from")
    to: str
    days: int = Field(description="calendar days in the range")
    open_days: int = Field(description="days of the range with tickets; staffing averages over them")
    summary: ReportSummary
    hourly: list[ReportHour]
    waits: WaitHistogram
    counters: list[ReportCounter]
    tellers: list[ReportTeller]
    estimate_error: EstimateErrorOut
    staffing: Staffing
    bookings: BookingReport


class BranchComparison(Out):
    branch: str
    name: str
    issued: int
    served: int
    wait_avg_s: float | None
    wait_p90_s: float | None
    abandoned: int
    abandonment_rate: float | None
    ratings: int
    satisfaction_rate: float | None
    score_avg: float | None
    utilisation: float | None


class ComparisonOut(Out):
    """Every branch's lobby KPIs over the same days (admin)."""

    from_: str = Field(alias="from")
    to: str
    branches: list[BranchComparison]


class AppointmentOut(Out):
    slot_minutes: int
    capacity: int
    book_ahead_days: int
    book_until_minutes: int
    hourly_share: float
    cash: dict[str, int] | None


class BookableCategoryOut(AppointmentOut):
    code: str
    name: str


class RemoteCategoryOut(Out):
    code: str
    name: str


class BookableOut(Out):
    """What the public booking page shows first (docs/api.md)."""

    branch: str
    name: str
    locale: str
    timezone: str
    today: str
    open_now: bool
    opens_at: str | None = Field(description="when the branch next opens (now, when open); null: not in sight")
    hours: dict[str, Any] | None
    categories: list[BookableCategoryOut]
    remote: list[RemoteCategoryOut] = Field(description="categories whose ticket may be taken from the phone")


class SlotOut(Out):
    time: str
    start: str
    end: str
    free: int = Field(description="places left; 0 when full or no longer bookable")


class SlotsOut(Out):
    date: str
    category: str
    slots: list[SlotOut]


class BookingOut(Out):
    """A booking; ``phone`` and ``booked_by`` only in the staff's lists."""

    id: str
    branch: str
    branch_name: str
    category: str
    category_name: str
    date: str
    time: str
    slot_start: str
    slot_end: str
    status: BookingStatus
    amount: int | None
    currency: str | None
    ticket_id: str | None
    checked_in_at: str | None
    created_at: str


class BookedOut(BookingOut):
    """The booking just made, with its code: shown this once (only its hash is stored)."""

    code: str


class BookingList(Out):
    date: str
    bookings: list[BookingOut]


class CashOut(Out):
    """The booked large withdrawals of a day and their totals per currency."""

    date: str
    withdrawals: list[BookingOut]
    totals: dict[str, int]


class RemoteOut(Out):
    """A remote ticket: where it stands until confirmed at the branch (docs/api.md)."""

    id: str
    branch: str
    branch_name: str
    locale: str
    category: str
    category_name: str
    status: RemoteStatus
    requested_at: str
    confirm_by: str = Field(description="unconfirmed after this, it expires")
    ahead: int | None = Field(description="tickets ahead while it waits to be confirmed")
    ticket_id: str | None
    confirmed_at: str | None


class RemoteTakenOut(RemoteOut):
    """The remote ticket just taken, with its code: shown this once."""

    code: str


class RemoteShownOut(RemoteOut):
    track_url: str | None = Field(description="the ticket's tracking page, once confirmed")
