"""Issue #10 item 9: every text a person reads that the server makes is in the branch's
language (zh-CN or en): alert texts, the refusals of teller actions, the transfer warning."""

from __future__ import annotations

import copy
import string

import pytest

from app.sample_branch import SAMPLE_BRANCH


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_kind_has_both_languages_with_the_same_facts():
    from app.rules.layout import LOCALES
    from app.rules.messages import TEMPLATES, Message

    assert set(TEMPLATES) == set(Message)
    for kind in Message:
        assert set(TEMPLATES[kind]) == set(LOCALES), kind
        zh, en = TEMPLATES[kind]["zh-CN"], TEMPLATES[kind]["en"]
        assert zh and en and zh != en, kind
        assert _fields(zh) == _fields(en), kind


def test_every_word_a_message_uses_has_both_languages():
    from app.rules.layout import LOCALES
    from app.rules.messages import WORDS
    from app.rules.vocabulary import TicketStatus

    assert set(WORDS) == set(LOCALES)
    for status in TicketStatus:
        for locale in LOCALES:
            assert WORDS[locale].get(status), (locale, status)
    assert set(WORDS["zh-CN"]) == set(WORDS["en"])


def test_a_message_renders_in_the_asked_language_and_english_otherwise():
    from app.rules.messages import Message, say

    assert say(Message.COUNTER_CLOSED, "zh-CN", counter=5) == "5号窗口已关闭"
    assert say(Message.COUNTER_CLOSED, "en", counter=5) == "counter 5 is closed"
    assert say(Message.COUNTER_CLOSED, "fr", counter=5) == "counter 5 is closed"


ALERT_FACTS = {
    "evaluation.unsatisfied": {"ticket_number": "A005", "ticket_id": "x", "counter": 1, "teller": "王芳", "score": 4},
    "queue.long_wait": {
        "ticket_number": "A005",
        "ticket_id": "x",
        "category": "personal",
        "waited_s": 1900,
        "limit_minutes": 30,
    },
    "queue.too_long": {
        "category": "corporate",
        "category_name": "对公业务",
        "waiting": 21,
        "limit": 20,
        "counters": [{"number": 5, "name": "", "state": "closed"}],
        "open_counters": [3],
    },
    "ticket.missed_vulnerable": {
        "ticket_number": "G003",
        "ticket_id": "x",
        "category": "personal",
        "counter": 5,
        "counter_name": "",
        "called_at": "2026-11-22T09:30:00.000+08:00",
    },
    "device.fault": {
        "device": "kiosk1-printer",
        "kind": "printer",
        "status": "fault",
        "detail": None,
        "kiosk": "kiosk1",
    },
}


TEXTS = {
    "evaluation.unsatisfied": (
        "客户A005在1号窗口评价不满意（柜员：王芳）",
        "customer A005 was unsatisfied at counter 1 (teller: 王芳)",
    ),
    "queue.long_wait": ("A005已等候超过30分钟", "A005 has waited over 30 minutes"),
    "queue.too_long": (
        "对公业务有21位客户等候，请开放5号窗口办理对公业务",
        "21 customers wait for 对公业务. Open Counter 5 for 对公业务",
    ),
    "ticket.missed_vulnerable": (
        "绿色通道客户 G003 未应答（5号窗口），请到大厅寻找",
        "Green-channel customer G003 did not answer the call (Counter 5): please find them in the hall",
    ),
    "device.fault": ("打印机 kiosk1-printer 故障", "printer kiosk1-printer is fault"),
}


@pytest.mark.parametrize("type_", sorted(ALERT_FACTS))
def test_every_alert_type_has_a_text_in_both_languages(type_):
    from app.rules.messages import alert_text
    from app.rules.vocabulary import AlertType

    assert set(ALERT_FACTS) == set(TEXTS) == set(AlertType)
    assert (alert_text(type_, ALERT_FACTS[type_], "zh-CN"), alert_text(type_, ALERT_FACTS[type_], "en")) == TEXTS[type_]


def test_a_too_long_alert_raised_before_it_named_windows_keeps_its_old_text():
    from app.rules.messages import alert_text

    facts = {"category": "personal", "category_name": "个人业务", "waiting": 21, "limit": 20}
    assert alert_text("queue.too_long", facts, "zh-CN") == "个人业务有21位客户等候，请增开窗口"
    assert alert_text("queue.too_long", facts, "en") == "21 customers wait for 个人业务: open another window"


def test_a_device_fault_text_carries_the_agent_detail():
    from app.rules.messages import alert_text

    facts = {**ALERT_FACTS["device.fault"], "status": "offline", "detail": "no answer"}
    assert alert_text("device.fault", facts, "zh-CN") == "打印机 kiosk1-printer 离线：no answer"
    assert alert_text("device.fault", facts, "en") == "printer kiosk1-printer is offline: no answer"


def _branch(locale: str) -> dict:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["locale"] = locale
    return layout


async def _unsatisfied(api, locale: str) -> dict:
    b = await api.branch(_branch(locale))
    await b.issue("personal")
    await b.open(1, teller="王芳")
    await b.teller(1, "call-next", teller="王芳")
    await b.teller(1, "finish", teller="王芳")
    r = await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 4})
    assert r.status_code == 200, r.text
    alerts = (await b.manager("GET", "/alerts?status=open")).json()["alerts"]
    assert len(alerts) == 1
    raised = [e for e in await b.events() if e["type"] == "alert.raised"]
    assert raised[-1]["data"]["text"] == alerts[0]["text"]
    return alerts[0]


async def test_an_unsatisfied_rating_in_a_chinese_branch_raises_a_chinese_alert(api):
    alert = await _unsatisfied(api, "zh-CN")
    assert alert["text"].startswith("客户A001在1号窗口评价不满意"), alert["text"]
    assert "王芳" in alert["text"]


async def test_an_unsatisfied_rating_in_an_english_branch_raises_an_english_alert(api):
    alert = await _unsatisfied(api, "en")
    assert alert["text"].startswith("customer A001 was unsatisfied at counter 1"), alert["text"]


@pytest.mark.parametrize(
    ("locale", "paused", "illegal"),
    [("zh-CN", "1号窗口暂停服务中", "A001当前为「办理中」"), ("en", "counter 1 is paused", "ticket A001 is serving")],
)
async def test_refusals_of_teller_actions_are_in_the_branch_language(api, locale, paused, illegal):
    b = await api.branch(_branch(locale))
    await b.issue("personal")
    await b.open(1)
    await b.teller(1, "call-next")
    await b.teller(1, "start")
    r = await b.teller(1, "recall")  # the ticket's state machine refuses: recall needs `called`
    assert r.status_code == 409 and r.json()["code"] == "wrong_state" and r.json()["status"] == "serving"
    assert illegal in r.json()["message"], r.json()
    await b.teller(1, "finish")
    await b.teller(1, "pause")
    r = await b.teller(1, "call-next")
    assert r.status_code == 409 and r.json()["code"] == "counter_paused"
    assert r.json()["message"].startswith(paused), r.json()
