"""The demo's sample branch: a small Chinese bank branch with four windows."""

import copy
from typing import Any

SAMPLE_BRANCH: dict[str, Any] = {
    "code": "sjm01",
    "name": "石景山支行",
    "timezone": "Asia/Shanghai",
    "locale": "zh-CN",
    "kiosks": ["kiosk1"],
    "categories": [
        {"code": "personal", "name": "个人业务", "prefix": "A"},
        {"code": "corporate", "name": "对公业务", "prefix": "B"},
        {"code": "fx", "name": "外汇业务", "prefix": "C"},
        {"code": "wealth", "name": "理财业务", "prefix": "D"},
    ],
    "counters": [
        {"number": 1, "name": "1号窗口", "serves": ["personal", "wealth"]},
        {"number": 2, "name": "2号窗口", "serves": ["personal", "fx"]},
        {"number": 3, "name": "3号窗口", "serves": ["corporate", "personal"]},
        {"number": 4, "name": "4号窗口", "serves": ["fx", "corporate", "personal"]},
    ],
    "policy": {
        "evaluation_window_s": 30,
        "max_wait_minutes": 45,
        "alert_wait_minutes": 30,
        "alert_queue_length": 15,
        "default_service_s": 300,
        "alert_auto_clear": ["queue.too_long", "queue.long_wait", "device.fault"],
    },
}


def demo_branch() -> dict[str, Any]:
    """The demo's branch: the sample branch open around the clock (so the demo works
    whenever it is tried), with large cash (大额取现) booked ahead in 30-minute slots and
    personal business taken from the phone too (issue #13)."""
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["hours"] = {"weekly": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    layout["categories"][0]["remote"] = True
    layout["categories"].append(
        {
            "code": "cash",
            "name": "大额取现",
            "prefix": "E",
            "appointment": {
                "slot_minutes": 30,
                "capacity": 2,
                "hourly_share": 0.5,
                "cash": {"CNY": 50000, "USD": 10000},
            },
        }
    )
    layout["counters"][0]["serves"].append("cash")
    return layout
