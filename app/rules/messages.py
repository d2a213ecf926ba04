"""Every text a person reads that the server writes, in each language a branch may speak
(``layout.LOCALES``): alert texts, the refusals of a teller's actions, the warning of a
transfer to a paused window. Pages translate their own labels (displays/static/i18n.js);
these are the words only the server knows how to put together.

A text is a ``Message`` kind and its facts: ``say(Message.COUNTER_CLOSED, "zh-CN",
counter=5)`` is "5号窗口已关闭". Every kind has a template in every language, with the
same facts (a test checks it). A locale the table does not know gets English.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .vocabulary import AlertType, TicketStatus

FALLBACK = "en"


class Message(StrEnum):
    # alerts for the lobby manager
    UNSATISFIED = "alert.unsatisfied"
    LONG_WAIT = "alert.long_wait"
    QUEUE_TOO_LONG = "alert.queue_too_long"
    DEVICE_FAULT = "alert.device_fault"
    DEVICE_FAULT_DETAIL = "alert.device_fault_detail"
    QUEUE_TOO_LONG_OPEN = "alert.queue_too_long_open"
    QUEUE_TOO_LONG_ALL_OPEN = "alert.queue_too_long_all_open"
    QUEUE_TOO_LONG_NO_WINDOW = "alert.queue_too_long_no_window"
    MISSED_VULNERABLE = "alert.missed_vulnerable"
    # refusals of an acknowledgement
    ALERT_ACKED_ALREADY = "alert_acked_already"
    ALERT_CLEARED_ALREADY = "alert_cleared_already"
    # refusals of a teller's actions at a counter
    COUNTER_NOT_FOUND = "counter_not_found"
    COUNTER_CLOSED = "counter_closed"
    COUNTER_CLOSED_OPEN_FIRST = "counter_closed_open_first"
    COUNTER_PAUSED_RESUME_FIRST = "counter_paused_resume_first"
    COUNTER_ALREADY_PAUSED = "counter_already_paused"
    COUNTER_NOT_PAUSED = "counter_not_paused"
    COUNTER_OF_ANOTHER_TELLER = "counter_of_another_teller"
    COUNTER_SIGNED_IN_BY = "counter_signed_in_by"
    NOT_YOURS_TO_RATE = "not_yours_to_rate"
    NO_CUSTOMER = "no_customer"
    NO_CUSTOMER_LAST = "no_customer_last"
    CUSTOMER_CALLED_HERE = "customer_called_here"
    CUSTOMER_STILL_HERE = "customer_still_here"
    ONLY_WAITING_CALLED = "only_waiting_called"
    ILLEGAL_MOVE = "illegal_move"
    NO_EVALUATION_OPEN = "no_evaluation_open"
    TRANSFER_ONE_TARGET = "transfer_one_target"
    TRANSFER_UNKNOWN_CATEGORY = "transfer_unknown_category"
    TRANSFER_UNKNOWN_COUNTER = "transfer_unknown_counter"
    TRANSFER_SAME_COUNTER = "transfer_same_counter"
    # a transfer accepted with a warning
    TRANSFER_TO_PAUSED = "transfer_to_paused"
    # outside opening hours (issue #13)
    BRANCH_CLOSED = "branch_closed"
    BRANCH_CLOSED_FOR_NOW = "branch_closed_for_now"


TEMPLATES: dict[Message, dict[str, str]] = {
    Message.UNSATISFIED: {
        "zh-CN": "客户{ticket}在{counter}号窗口评价不满意（柜员：{teller}）",
        "en": "customer {ticket} was unsatisfied at counter {counter} (teller: {teller})",
    },
    Message.LONG_WAIT: {
        "zh-CN": "{ticket}已等候超过{minutes}分钟",
        "en": "{ticket} has waited over {minutes} minutes",
    },
    Message.QUEUE_TOO_LONG: {
        "zh-CN": "{category}有{waiting}位客户等候，请增开窗口",
        "en": "{waiting} customers wait for {category}: open another window",
    },
    Message.QUEUE_TOO_LONG_OPEN: {
        "zh-CN": "{category}有{waiting}位客户等候，请开放{counters}办理{category}",
        "en": "{waiting} customers wait for {category}. Open {counters} for {category}",
    },
    Message.QUEUE_TOO_LONG_ALL_OPEN: {
        "zh-CN": "{category}有{waiting}位客户等候，办理{category}的窗口已全部开放",
        "en": "{waiting} customers wait for {category}. Every window serving {category} is already open",
    },
    Message.QUEUE_TOO_LONG_NO_WINDOW: {
        "zh-CN": "{category}有{waiting}位客户等候，但没有窗口办理{category}",
        "en": "{waiting} customers wait for {category}, but no window serves {category}",
    },
    Message.MISSED_VULNERABLE: {
        "zh-CN": "绿色通道客户 {ticket} 未应答（{counter}），请到大厅寻找",
        "en": "Green-channel customer {ticket} did not answer the call ({counter}): please find them in the hall",
    },
    Message.ALERT_ACKED_ALREADY: {
        "zh-CN": "该提醒已处理",
        "en": "this alert is already acknowledged",
    },
    Message.ALERT_CLEARED_ALREADY: {
        "zh-CN": "该提醒已于{at}自动解除：原因已消失",
        "en": "this alert cleared itself at {at}: its cause is gone",
    },
    Message.DEVICE_FAULT: {
        "zh-CN": "{kind} {device} {status}",
        "en": "{kind} {device} is {status}",
    },
    Message.DEVICE_FAULT_DETAIL: {
        "zh-CN": "{kind} {device} {status}：{detail}",
        "en": "{kind} {device} is {status}: {detail}",
    },
    Message.COUNTER_NOT_FOUND: {
        "zh-CN": "本网点没有{counter}号窗口",
        "en": "counter {counter} not found in this branch",
    },
    Message.COUNTER_CLOSED: {
        "zh-CN": "{counter}号窗口已关闭",
        "en": "counter {counter} is closed",
    },
    Message.COUNTER_CLOSED_OPEN_FIRST: {
        "zh-CN": "{counter}号窗口已关闭，请先登录开窗",
        "en": "counter {counter} is closed; open it first",
    },
    Message.COUNTER_PAUSED_RESUME_FIRST: {
        "zh-CN": "{counter}号窗口暂停服务中，请先恢复服务再叫号",
        "en": "counter {counter} is paused; resume it before calling",
    },
    Message.COUNTER_ALREADY_PAUSED: {
        "zh-CN": "{counter}号窗口已在暂停服务",
        "en": "counter {counter} is already paused",
    },
    Message.COUNTER_NOT_PAUSED: {
        "zh-CN": "{counter}号窗口未暂停",
        "en": "counter {counter} is not paused",
    },
    Message.COUNTER_OF_ANOTHER_TELLER: {
        "zh-CN": "{counter}号窗口已由其他柜员登录",
        "en": "counter {counter} is signed in by another teller",
    },
    Message.COUNTER_SIGNED_IN_BY: {
        "zh-CN": "{counter}号窗口已由{teller}登录",
        "en": "counter {counter} is signed in by {teller}",
    },
    Message.NOT_YOURS_TO_RATE: {
        "zh-CN": "{counter}号窗口不是您登录的窗口，不能评价",
        "en": "counter {counter} is not yours to rate",
    },
    Message.NO_CUSTOMER: {
        "zh-CN": "{counter}号窗口没有可{move}的客户",
        "en": "counter {counter} has no customer to {move}",
    },
    Message.NO_CUSTOMER_LAST: {
        "zh-CN": "{counter}号窗口没有可{move}的客户：上一个号码{ticket}{status}",
        "en": "counter {counter} has no customer to {move}: its last ticket {ticket} is {status}",
    },
    Message.CUSTOMER_CALLED_HERE: {
        "zh-CN": "{ticket}在{counter}号窗口已叫号，请先开始办理、办结、过号或转柜",
        "en": "ticket {ticket} is called at counter {counter}; start, finish, skip or transfer it first",
    },
    Message.CUSTOMER_STILL_HERE: {
        "zh-CN": "{ticket}仍在{counter}号窗口，请先办结或转柜",
        "en": "ticket {ticket} is still at counter {counter}; finish or transfer it first",
    },
    Message.ONLY_WAITING_CALLED: {
        "zh-CN": "{ticket}当前为「{status}」，只能叫排队中或暂缓中的号码",
        "en": "ticket {ticket} is {status}; only a waiting or postponed ticket can be called",
    },
    Message.ILLEGAL_MOVE: {
        "zh-CN": "{ticket}当前为「{status}」，{move}需要它为「{allowed}」",
        "en": "ticket {ticket} is {status}; {move} needs it to be {allowed}",
    },
    Message.NO_EVALUATION_OPEN: {
        "zh-CN": "{counter}号窗口当前没有待评价的业务，本次按键记为误按",
        "en": "no evaluation is open at counter {counter}; the press was counted as stray",
    },
    Message.TRANSFER_ONE_TARGET: {
        "zh-CN": "转柜需要指定业务类型或窗口之一",
        "en": "transfer needs exactly one of category or counter",
    },
    Message.TRANSFER_UNKNOWN_CATEGORY: {
        "zh-CN": "没有业务类型“{category}”",
        "en": "unknown category {category!r}",
    },
    Message.TRANSFER_UNKNOWN_COUNTER: {
        "zh-CN": "没有{counter}号窗口",
        "en": "unknown counter {counter}",
    },
    Message.TRANSFER_SAME_COUNTER: {
        "zh-CN": "不能转到客户所在的{counter}号窗口",
        "en": "a ticket cannot be transferred to the counter it is at ({counter})",
    },
    Message.TRANSFER_TO_PAUSED: {
        "zh-CN": "{counter}号窗口暂停服务中：{ticket}将在该窗口恢复服务后被叫号",
        "en": "counter {counter} is paused: {ticket} will be called there when it resumes",
    },
    Message.BRANCH_CLOSED: {
        "zh-CN": "本网点现在不营业，将于{opens}开始营业",
        "en": "the branch is closed now; it opens at {opens}",
    },
    Message.BRANCH_CLOSED_FOR_NOW: {
        "zh-CN": "本网点暂停营业，开门时间另行通知",
        "en": "the branch is closed until further notice",
    },
}

# The words the templates put in: ticket statuses (as the pages say them, i18n.js st_*),
# moves, device kinds and states.
WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        TicketStatus.WAITING: "排队中",
        TicketStatus.CALLED: "已叫号",
        TicketStatus.SERVING: "办理中",
        TicketStatus.DONE: "已完成",
        TicketStatus.NO_SHOW: "已过号",
        TicketStatus.POSTPONED: "暂缓中",
        TicketStatus.CANCELLED: "已取消",
        TicketStatus.EXPIRED: "已过期",
        "call": "叫号",
        "recall": "重呼",
        "start": "开始办理",
        "finish": "办结",
        "skip": "过号",
        "no-show": "过号",
        "postpone": "暂缓",
        "transfer": "转柜",
        "requeue": "重新排队",
        "cancel": "取消",
        "expire": "过期",
        "reassign": "改业务类型",
        "priority change": "改优先级",
        "evaluation": "评价",
        "done within its evaluation window": "已完成且在评价时限内",
        "printer": "打印机",
        "screen": "显示屏",
        "keypad": "按键器",
        "fault": "故障",
        "offline": "离线",
        "warning": "告警",
        "ok": "正常",
    },
    "en": {
        TicketStatus.WAITING: "waiting",
        TicketStatus.CALLED: "called",
        TicketStatus.SERVING: "serving",
        TicketStatus.DONE: "done",
        TicketStatus.NO_SHOW: "no_show",
        TicketStatus.POSTPONED: "postponed",
        TicketStatus.CANCELLED: "cancelled",
        TicketStatus.EXPIRED: "expired",
        "call": "call",
        "recall": "recall",
        "start": "start",
        "finish": "finish",
        "skip": "skip",
        "no-show": "no-show",
        "postpone": "postpone",
        "transfer": "transfer",
        "requeue": "requeue",
        "cancel": "cancel",
        "expire": "expire",
        "reassign": "reassign",
        "priority change": "priority change",
        "evaluation": "evaluation",
        "done within its evaluation window": "done within its evaluation window",
        "printer": "printer",
        "screen": "screen",
        "keypad": "keypad",
        "fault": "fault",
        "offline": "offline",
        "warning": "warning",
        "ok": "ok",
    },
}

# The "or" between allowed states of a move, or counters to open.
_OR = {"zh-CN": "或", "en": " or "}


def counter_name(number: int, name: str | None, locale: str) -> str:
    """A counter as people call it: its name in the layout, else "5号窗口" / "Counter 5"
    (as the pages' counterLabel)."""
    if name:
        return name
    return f"Counter {number}" if language(locale) == "en" else f"{number}号窗口"


def language(locale: str) -> str:
    return locale if locale in WORDS else FALLBACK


def word(value: str, locale: str) -> str:
    """A status, move or device word in the language; itself when the table lacks it."""
    return WORDS[language(locale)].get(value, value)


def say(kind: Message, locale: str, /, **facts: Any) -> str:
    return TEMPLATES[kind][language(locale)].format(**facts)


def illegal_move(ticket: str, status: str, move: str, allowed: tuple[str, ...], locale: str) -> str:
    """A move the ticket's state machine refuses, naming the state it is in."""
    lang = language(locale)
    return say(
        Message.ILLEGAL_MOVE,
        lang,
        ticket=ticket,
        status=word(status, lang),
        move=word(move, lang),
        allowed=_OR[lang].join(word(a, lang) for a in allowed),
    )


def alert_text(type_: str, data: dict[str, Any], locale: str) -> str:
    """The text the manager reads for an alert, from the facts in its data."""
    lang = language(locale)
    if type_ == AlertType.UNSATISFIED:
        return say(
            Message.UNSATISFIED, lang, ticket=data["ticket_number"], counter=data["counter"], teller=data["teller"]
        )
    if type_ == AlertType.LONG_WAIT:
        return say(Message.LONG_WAIT, lang, ticket=data["ticket_number"], minutes=data["limit_minutes"])
    if type_ == AlertType.QUEUE_TOO_LONG:
        return _queue_too_long(data, lang)
    if type_ == AlertType.MISSED_VULNERABLE:
        counter = counter_name(data["counter"], data.get("counter_name"), lang)
        return say(Message.MISSED_VULNERABLE, lang, ticket=data["ticket_number"], counter=counter)
    if type_ == AlertType.DEVICE_FAULT:
        facts = {
            "kind": word(data["kind"], lang),
            "device": data["device"],
            "status": word(data["status"], lang),
        }
        if data.get("detail"):
            return say(Message.DEVICE_FAULT_DETAIL, lang, detail=data["detail"], **facts)
        return say(Message.DEVICE_FAULT, lang, **facts)
    return str(type_)


_COMMA = {"zh-CN": "、", "en": ", "}


def _either(names: list[str], lang: str) -> str:
    """Names joined as people say them: 3号窗口、5号窗口或4号窗口 / Window 3, Window 5 or Window 4."""
    if len(names) < 2:
        return "".join(names)
    return _COMMA[lang].join(names[:-1]) + _OR[lang] + names[-1]


def _queue_too_long(data: dict[str, Any], lang: str) -> str:
    """Which closed or paused windows to open for the category, or that none can be."""
    facts = {"category": data.get("category_name") or data["category"], "waiting": data["waiting"]}
    if "counters" not in data:  # raised before alerts named the windows
        return say(Message.QUEUE_TOO_LONG, lang, **facts)
    if data["counters"]:
        names = _either([counter_name(c["number"], c.get("name"), lang) for c in data["counters"]], lang)
        return say(Message.QUEUE_TOO_LONG_OPEN, lang, counters=names, **facts)
    if data.get("open_counters"):
        return say(Message.QUEUE_TOO_LONG_ALL_OPEN, lang, **facts)
    return say(Message.QUEUE_TOO_LONG_NO_WINDOW, lang, **facts)
