"""Messages to customers (booking confirmations, reminders, "3 ahead of you"): what each
says, and when a failed delivery is tried again. Delivery itself is the notifier's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from .vocabulary import NoticeKind


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


# The words for a remote customer not yet confirmed in the branch.
_TO_CONFIRM = "three_ahead_to_confirm"

# Seconds before each retry of a failed delivery; after the last, the notice is failed.
# Spread over about two hours: a gateway down for a deploy is waited for, a reminder that
# would arrive after the visit is not sent.
RETRY_AFTER_S = (30, 120, 600, 1800, 3600)
# A delivery taken by one worker is another's to try again after this long (the first
# crashed): a customer may get a message twice, never not at all.
LEASE_S = 120


@dataclass(frozen=True)
class Notice:
    id: str
    kind: NoticeKind
    recipient: str  # a phone number, as the bank's gateway takes it
    data: dict[str, Any]
    locale: str
    created_at: float
    next_at: float  # when it is (next) due
    attempts: int = 0
    status: NoticeStatus = NoticeStatus.PENDING
    last_error: str | None = None
    sent_at: float | None = None


def delivered(notice: Notice, now: float) -> Notice:
    return replace(notice, status=NoticeStatus.SENT, sent_at=now, last_error=None)


def not_delivered(notice: Notice, now: float, error: str, *, permanent: bool = False) -> Notice:
    """After a failed attempt (``notice.attempts`` counts it): again later, or failed for good
    when the gateway refused the message itself or the retries are spent."""
    if permanent or notice.attempts > len(RETRY_AFTER_S):
        return replace(notice, status=NoticeStatus.FAILED, last_error=error[:500])
    return replace(notice, next_at=now + RETRY_AFTER_S[notice.attempts - 1], last_error=error[:500])


_TEXTS: dict[str, dict[str, str]] = {
    "zh-CN": {
        NoticeKind.BOOKING_CONFIRMED: (
            "【{branch_name}】预约成功：{date} {time}，{category_name}。预约码 {code}，到店请在取号机签到。"
        ),
        NoticeKind.BOOKING_CHANGED: "【{branch_name}】预约已改为：{date} {time}，{category_name}。",
        NoticeKind.BOOKING_CANCELLED: "【{branch_name}】您 {date} {time} 的{category_name}预约已取消。",
        NoticeKind.REMINDER_DAY_BEFORE: "【{branch_name}】提醒：您明天 {time} 预约了{category_name}，请到店签到。",
        NoticeKind.REMINDER_HOUR_BEFORE: "【{branch_name}】提醒：您今天 {time} 预约了{category_name}，请准时到店签到。",
        NoticeKind.THREE_AHEAD: "【{branch_name}】您的号码 {number} 前面还有 {ahead} 位，请回到大厅等候叫号。",
        _TO_CONFIRM: "【{branch_name}】您前面还有 {ahead} 位，请尽快到店在取号机确认。",
    },
    "en": {
        NoticeKind.BOOKING_CONFIRMED: (
            "{branch_name}: booked for {date} {time}, {category_name}. Code {code}: check in at the kiosk."
        ),
        NoticeKind.BOOKING_CHANGED: "{branch_name}: your booking is now {date} {time}, {category_name}.",
        NoticeKind.BOOKING_CANCELLED: "{branch_name}: your {category_name} booking on {date} at {time} is cancelled.",
        NoticeKind.REMINDER_DAY_BEFORE: "{branch_name}: reminder, tomorrow at {time}: {category_name}.",
        NoticeKind.REMINDER_HOUR_BEFORE: "{branch_name}: reminder, {category_name} today at {time}. Please be on time.",
        NoticeKind.THREE_AHEAD: "{branch_name}: ticket {number}, {ahead} ahead of you. Please come back to the hall.",
        _TO_CONFIRM: "{branch_name}: {ahead} ahead of you. Please come and confirm at the kiosk soon.",
    },
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def text_of(notice: Notice) -> str:
    """The words an SMS carries, in the branch's language (English when it has none here);
    a field the sender did not give is left blank rather than failing the message."""
    texts = _TEXTS.get(notice.locale, _TEXTS["en"])
    kind: str = notice.kind
    if kind == NoticeKind.THREE_AHEAD and not notice.data.get("number"):
        kind = _TO_CONFIRM  # a remote ticket not yet confirmed: it has no number to wait for
    return texts[kind].format_map(_Blank(notice.data))
