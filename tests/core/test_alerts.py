"""Issue #11 section 2: alerts the manager can act on. A too-long queue names the windows
to open, a missed green-channel customer is an alert, one open alert per cause, and an
alert whose cause is gone clears itself only when the policy lists its type."""

from __future__ import annotations

import copy

import pytest

from app.rules.layout import LayoutError, from_dict
from app.sample_branch import SAMPLE_BRANCH
from app.services import housekeeping


def _layout(**policy) -> dict:
    layout = copy.deepcopy(SAMPLE_BRANCH)
    layout["counters"].append({"number": 5, "name": "5号窗口", "serves": ["corporate"]})
    layout["policy"].update(policy)
    return layout


def _english(**policy) -> dict:
    layout = _layout(**policy)
    layout["locale"] = "en"
    names = {"personal": "Personal", "corporate": "Corporate", "fx": "Foreign exchange", "wealth": "Wealth"}
    for c in layout["categories"]:
        c["name"] = names[c["code"]]
    for c in layout["counters"]:
        c["name"] = f"Window {c['number']}"
    return layout


async def _open_alerts(b, type_: str | None = None) -> list[dict]:
    r = await b.manager("GET", "/alerts?status=open")
    assert r.status_code == 200, r.text
    return [a for a in r.json()["alerts"] if type_ is None or a["type"] == type_]


async def _event_types(b) -> list[str]:
    return [e["type"] for e in await b.events()]


# -- queue.too_long names the windows to open --------------------------------------------


async def test_a_too_long_queue_names_the_closed_and_paused_windows_that_serve_it(api):
    b = await api.branch(_layout(alert_queue_length=2))
    await b.open(5)
    assert (await b.teller(5, "pause")).status_code == 200
    await b.open(1)  # open, but it does not serve corporate: never named
    for _ in range(2):
        await b.issue("corporate")
    assert await _open_alerts(b, "queue.too_long") == []
    await b.issue("corporate")  # the third: more than 2
    [alert] = await _open_alerts(b, "queue.too_long")
    # 3 and 5 have corporate first, 4 second; then by number. 5 is paused, not closed.
    assert alert["data"]["counters"] == [
        {"number": 3, "name": "3号窗口", "state": "closed"},
        {"number": 5, "name": "5号窗口", "state": "paused"},
        {"number": 4, "name": "4号窗口", "state": "closed"},
    ]
    assert alert["data"]["waiting"] == 3 and alert["data"]["limit"] == 2
    assert alert["text"] == "对公业务有3位客户等候，请开放3号窗口、5号窗口或4号窗口办理对公业务"


async def test_a_too_long_queue_in_english_says_which_window_to_open(api):
    b = await api.branch(_english(alert_queue_length=1))
    for n in (3, 4):
        await b.open(n)
    await b.issue("corporate")
    await b.issue("corporate")
    [alert] = await _open_alerts(b, "queue.too_long")
    assert [c["number"] for c in alert["data"]["counters"]] == [5]
    assert alert["text"] == "2 customers wait for Corporate. Open Window 5 for Corporate"


async def test_a_too_long_queue_with_every_window_open_says_so(api):
    b = await api.branch(_layout(alert_queue_length=1))
    for n in (3, 4, 5):
        await b.open(n)
    for n in (3, 4, 5):  # busy with customers of their own
        await b.issue("corporate")
        assert (await b.teller(n, "call-next")).status_code == 200
    await b.issue("corporate")
    await b.issue("corporate")
    [alert] = await _open_alerts(b, "queue.too_long")
    assert alert["data"]["counters"] == [] and alert["data"]["open_counters"] == [3, 4, 5]
    assert alert["text"] == "对公业务有2位客户等候，办理对公业务的窗口已全部开放"


# -- one open alert per cause ---------------------------------------------------------------


async def test_one_open_alert_per_cause(api):
    b = await api.branch(_layout(alert_queue_length=1, alert_wait_minutes=10))
    for _ in range(4):
        await b.issue("corporate")
    await b.issue("fx")
    await b.issue("fx")
    too_long = await _open_alerts(b, "queue.too_long")
    assert sorted(a["data"]["category"] for a in too_long) == ["corporate", "fx"]  # one per category

    api.clock.advance(11 * 60)
    await housekeeping.sweep_all(api.ctx)
    await housekeeping.sweep_all(api.ctx)  # a second sweep raises nothing again
    long_waits = await _open_alerts(b, "queue.long_wait")
    assert len(long_waits) == 6 and len({a["data"]["ticket_id"] for a in long_waits}) == 6  # one per ticket

    for status in ("fault", "offline", "fault"):
        r = await b.as_("agent", "POST", "/devices/kiosk1-printer/health", json={"kind": "printer", "status": status})
        assert r.status_code == 200, r.text
    assert len(await _open_alerts(b, "device.fault")) == 1  # one per device

    # A green-channel customer missed twice (requeued, missed again) before anyone acted: one.
    await b.open(1)
    green = await b.issue("personal", role="manager", priority="green")
    for _ in range(2):
        assert (await b.teller(1, "call-next")).json()["id"] == green["id"]
        assert (await b.teller(1, "skip")).status_code == 200
        await b.manager("POST", f"/tickets/{green['id']}/requeue", json={"keep_place": True})
    assert len(await _open_alerts(b, "ticket.missed_vulnerable")) == 1  # one per ticket


# -- ticket.missed_vulnerable --------------------------------------------------------------


async def _skipped(b, priority: str) -> dict:
    ticket = await b.issue("personal", role="manager", priority=priority)
    r = await b.teller(1, "call-next")
    assert r.status_code == 200 and r.json()["id"] == ticket["id"], r.text
    r = await b.teller(1, "skip")
    assert r.status_code == 200 and r.json()["status"] == "no_show", r.text
    return ticket


async def test_a_green_channel_no_show_alerts_the_manager_to_find_the_customer(api):
    b = await api.branch(_layout())
    await b.open(1)
    normal = await _skipped(b, "normal")
    assert await _open_alerts(b, "ticket.missed_vulnerable") == []  # a normal no-show is no alert
    green = await _skipped(b, "green")
    [alert] = await _open_alerts(b, "ticket.missed_vulnerable")
    assert alert["data"]["ticket_id"] == green["id"] != normal["id"]
    assert alert["data"]["ticket_number"] == green["number"]
    assert alert["data"]["category"] == "personal" and alert["data"]["counter"] == 1
    assert alert["data"]["called_at"].startswith(green["issued_at"][:10])
    assert alert["text"] == f"绿色通道客户 {green['number']} 未应答（1号窗口），请到大厅寻找"
    events = await b.events()
    assert [e["type"] for e in events][-2:] == ["ticket.no_show", "alert.raised"]


async def test_a_green_channel_no_show_in_english(api):
    b = await api.branch(_english())
    await b.open(1)
    green = await _skipped(b, "green")
    [alert] = await _open_alerts(b, "ticket.missed_vulnerable")
    assert alert["text"] == (
        f"Green-channel customer {green['number']} did not answer the call (Window 1): please find them in the hall"
    )


# -- clearing itself, by policy ------------------------------------------------------------


async def test_a_listed_type_clears_itself_when_its_cause_is_gone(api):
    b = await api.branch(_layout(alert_queue_length=2, alert_auto_clear=["queue.too_long"]))
    for _ in range(3):
        await b.issue("corporate")
    [alert] = await _open_alerts(b, "queue.too_long")
    await housekeeping.sweep_all(api.ctx)
    assert [a["id"] for a in await _open_alerts(b, "queue.too_long")] == [alert["id"]]  # still 3 > 2

    await b.open(3)
    assert (await b.teller(3, "call-next")).status_code == 200  # 2 wait: back to the limit
    await housekeeping.sweep_all(api.ctx)
    assert await _open_alerts(b, "queue.too_long") == []
    [cleared] = (await b.manager("GET", "/alerts?status=cleared")).json()["alerts"]
    assert cleared["id"] == alert["id"] and cleared["status"] == "cleared"
    assert cleared["cleared_at"] and cleared["note"] is None and cleared["acked_at"] is None
    [event] = [e for e in await b.events() if e["type"] == "alert.cleared"]
    assert event["data"]["id"] == alert["id"] and event["data"]["status"] == "cleared"

    r = await b.manager("POST", f"/alerts/{alert['id']}/ack", json={"note": "opened 3"})
    assert r.status_code == 409 and "自动解除" in r.json()["message"], r.text
    # The queue grows again: a new alert for the same cause.
    await b.issue("corporate")
    [again] = await _open_alerts(b, "queue.too_long")
    assert again["id"] != alert["id"]


async def test_an_unlisted_type_stays_open_until_acknowledged(api):
    b = await api.branch(_layout(alert_queue_length=2, alert_auto_clear=[]))
    for _ in range(3):
        await b.issue("corporate")
    [alert] = await _open_alerts(b, "queue.too_long")
    await b.open(3)
    for _ in range(3):
        assert (await b.teller(3, "call-next")).status_code == 200
        assert (await b.teller(3, "finish")).status_code == 200
    await housekeeping.sweep_all(api.ctx)
    assert [a["id"] for a in await _open_alerts(b, "queue.too_long")] == [alert["id"]]
    assert "alert.cleared" not in await _event_types(b)
    r = await b.manager("POST", f"/alerts/{alert['id']}/ack", json={"note": "opened 3"})
    assert r.status_code == 200 and r.json()["status"] == "acked" and r.json()["cleared_at"] is None


async def test_a_long_wait_clears_when_the_ticket_is_called(api):
    b = await api.branch(_layout(alert_wait_minutes=10))  # the default policy lists long waits
    first = await b.issue("personal")
    await b.issue("personal")
    api.clock.advance(11 * 60)
    await housekeeping.sweep_all(api.ctx)
    assert len(await _open_alerts(b, "queue.long_wait")) == 2
    await b.open(1)
    assert (await b.teller(1, "call-next")).json()["id"] == first["id"]
    await housekeeping.sweep_all(api.ctx)
    [still] = await _open_alerts(b, "queue.long_wait")
    assert still["data"]["ticket_id"] != first["id"]


async def test_a_device_fault_clears_at_once_when_the_device_reports_ok(api):
    b = await api.branch(_layout())

    async def report(device: str, status: str) -> None:
        r = await b.as_("agent", "POST", f"/devices/{device}/health", json={"kind": "printer", "status": status})
        assert r.status_code == 200, r.text

    await report("kiosk1-printer", "fault")
    await report("kiosk2-printer", "offline")
    assert len(await _open_alerts(b, "device.fault")) == 2
    await report("kiosk1-printer", "ok")
    [left] = await _open_alerts(b, "device.fault")
    assert left["data"]["device"] == "kiosk2-printer"
    assert (await _event_types(b))[-1] == "alert.cleared"


async def test_a_device_fault_not_listed_waits_for_a_note(api):
    b = await api.branch(_layout(alert_auto_clear=["queue.too_long"]))
    for status in ("fault", "ok"):
        r = await b.as_("agent", "POST", "/devices/p1/health", json={"kind": "printer", "status": status})
        assert r.status_code == 200, r.text
    await housekeeping.sweep_all(api.ctx)
    assert len(await _open_alerts(b, "device.fault")) == 1


async def test_a_missed_green_customer_clears_when_requeued_if_listed(api):
    b = await api.branch(_layout(alert_auto_clear=["ticket.missed_vulnerable"]))
    await b.open(1)
    green = await _skipped(b, "green")
    await housekeeping.sweep_all(api.ctx)
    assert len(await _open_alerts(b, "ticket.missed_vulnerable")) == 1  # still a no-show
    r = await b.manager("POST", f"/tickets/{green['id']}/requeue", json={"keep_place": True})
    assert r.status_code == 200, r.text
    await housekeeping.sweep_all(api.ctx)
    assert await _open_alerts(b, "ticket.missed_vulnerable") == []


# -- the policy field ----------------------------------------------------------------------


def test_the_default_policy_clears_the_lobbys_own_alerts_and_waits_for_people():
    layout = from_dict("x", {"name": "x", "categories": [{"code": "a", "name": "A", "prefix": "A"}]})
    assert set(layout.policy.alert_auto_clear) == {"queue.too_long", "queue.long_wait", "device.fault"}


@pytest.mark.parametrize(
    ("listed", "says"),
    [
        (["queue.too_long", "queue.too_slow"], "unknown alert type 'queue.too_slow'"),
        (["evaluation.unsatisfied"], "evaluation.unsatisfied cannot clear itself"),
        (["device.fault", "device.fault"], "lists an alert type twice"),
        ("device.fault", "must be a list of alert types"),
    ],
)
def test_the_policy_refuses_what_cannot_clear_itself(listed, says):
    data = {**_layout(), "policy": {"alert_auto_clear": listed}}
    with pytest.raises(LayoutError, match=says):
        from_dict("sjm01", data)


async def test_the_api_refuses_an_unknown_type_and_answers_the_list(api):
    await api.branch(_layout())
    bad = _layout(alert_auto_clear=["queue.long_wait", "printer.jam"])
    r = await api.request("PUT", "/api/v1/branches/sjm01", api.admin, json=bad)
    assert r.status_code == 422 and "unknown alert type 'printer.jam'" in r.json()["message"], r.text
    good = _layout(alert_auto_clear=["device.fault", "ticket.missed_vulnerable"])
    r = await api.request("PUT", "/api/v1/branches/sjm01", api.admin, json=good)
    assert r.status_code == 200, r.text
    assert r.json()["policy"]["alert_auto_clear"] == ["device.fault", "ticket.missed_vulnerable"]
