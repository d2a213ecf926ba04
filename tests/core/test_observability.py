"""Observability (#12 item 6): JSON log lines carrying the request's id, the id taken from
or given to the caller, /metrics without a branch label when a bank turns it off, the
stream lag, and the Prometheus alert rules naming only series that /metrics exposes."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from pathlib import Path

import pytest
import yaml

from app.api import request_id
from app.api.json_logs import LOGGERS, use_json_logs, uvicorn_log_config
from app.services import queries
from tests.support.client import Api

RULES = Path(__file__).resolve().parents[2] / "examples" / "prometheus" / "lobbyq-alerts.yml"
# Series Prometheus makes itself, not lobbyq
PROMETHEUS_OWN = {"up"}


@pytest.fixture
def json_logs():
    """JSON lines into a buffer; the loggers are given back as they were afterwards."""
    saved = {n: (list(lg.handlers), lg.propagate, lg.level) for n in LOGGERS for lg in [logging.getLogger(n)]}
    out = io.StringIO()
    use_json_logs(out)
    logging.getLogger("lobbyq").setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    yield out
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_a_log_line_in_a_request_is_json_with_the_request_id(sqlite_url, json_logs, monkeypatch):
    answers = queries.database_answers

    async def logging_answers(ctx):
        logging.getLogger("lobbyq.test").warning("checked %s", "the database")
        return await answers(ctx)

    monkeypatch.setattr(queries, "database_answers", logging_answers)
    async with Api.start(sqlite_url) as api:
        r = await api.request("GET", "/healthz", headers={"X-Request-ID": "lb-42.a_b"})
    assert r.status_code == 200
    [line] = [x for x in lines(json_logs) if x["logger"] == "lobbyq.test"]
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert line["message"] == "checked the database"
    assert line["level"] == "warning"
    assert line["request_id"] == "lb-42.a_b" == r.headers["x-request-id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_outside_a_request_a_line_has_no_request_id(json_logs):
    logging.getLogger("lobbyq.housekeeping").warning("swept")
    [line] = lines(json_logs)
    assert "request_id" not in line and line["message"] == "swept"


def test_the_access_log_in_json_still_masks_tokens(json_logs):
    token = request_id.current.set("rid-1")
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "10.0.0.9", "GET", "/api/v1/branches/b1/stream?token=SECRET1", "1.1", 101
        )
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.9", "GET", "/t/SECRET2", "1.1", 200)
    finally:
        request_id.current.reset(token)
    text = json_logs.getvalue()
    assert "SECRET" not in text
    found = lines(json_logs)
    assert [x["request_id"] for x in found] == ["rid-1", "rid-1"]
    assert "stream?token=***" in found[0]["message"] and "/t/***" in found[1]["message"]


def test_lobbyq_serve_gives_uvicorn_json_lines_from_its_start(json_logs, capsys):
    """The supervisor of several workers never builds the app: its lines come from this config."""
    logging.config.dictConfig(uvicorn_log_config())
    logging.getLogger("uvicorn.error").warning("Started parent process [%d]", 7)
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert line["logger"] == "uvicorn.error" and line["message"] == "Started parent process [7]"


@pytest.mark.parametrize(
    "given",
    [None, "", "a" * 65, "has space", "x\r\nSet-Cookie: y", "ünï", "semi;colon"],
)
async def test_a_missing_or_bad_request_id_is_replaced(sqlite_url, given):
    async with Api.start(sqlite_url) as api:
        headers = {} if given is None else {"X-Request-ID": given.encode()}
        r1 = await api.request("GET", "/healthz", headers=headers)
        r2 = await api.request("GET", "/healthz", headers=headers)
    rid = r1.headers["x-request-id"]
    assert rid != given and re.fullmatch(r"[0-9a-f]{32}", rid)
    assert r2.headers["x-request-id"] != rid  # a new one per request
    assert r1.headers.get_list("x-request-id") == [rid]


async def test_a_valid_request_id_is_echoed_even_on_a_refusal(sqlite_url):
    async with Api.start(sqlite_url) as api:
        r = await api.request("GET", "/api/v1/branches/nope/state", headers={"X-Request-ID": "a" * 64})
    assert r.status_code == 401
    assert r.headers["x-request-id"] == "a" * 64


async def _busy_branch(api: Api) -> None:
    b = await api.branch()
    await b.issue("personal")
    await b.issue("personal")
    r = await b.as_("agent", "POST", "/devices/kiosk1-printer/health", json={"kind": "printer", "status": "fault"})
    assert r.status_code == 200, r.text


def series(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("lobbyq_")]


async def test_metrics_per_branch_by_default(sqlite_url):
    async with Api.start(sqlite_url) as api:
        await _busy_branch(api)
        text = (await api.request("GET", "/metrics")).text
    assert 'lobbyq_waiting_tickets{branch="sjm01",category="personal"} 2.0' in text
    assert 'lobbyq_tickets_issued_total{branch="sjm01",category="personal"} 2.0' in text
    assert 'lobbyq_devices_faulty{branch="sjm01"} 1.0' in text


async def test_metrics_without_branch_labels_are_summed(sqlite_url):
    async with Api.start(sqlite_url, metrics_branch_labels=False) as api:
        await _busy_branch(api)
        b2 = await api.branch(code="sjm02")
        await b2.issue("personal")
        text = (await api.request("GET", "/metrics")).text
    assert not [s for s in series(text) if "branch=" in s]
    assert 'lobbyq_waiting_tickets{category="personal"} 3.0' in text
    assert 'lobbyq_tickets_issued_total{category="personal"} 3.0' in text
    assert "lobbyq_devices_faulty 1.0" in text
    assert "lobbyq_event_lag_seconds 0.0" in text


async def test_stream_lag_is_the_age_of_the_oldest_unread_event(sqlite_url):
    async with Api.start(sqlite_url) as api:
        b = await api.branch()
        await b.issue("personal")
        newest = (await b.events())[-1]["seq"]
        api.clock.advance(30)
        behind = await queries.stream_lag(api.ctx, {b.code: 0})
        caught_up = await queries.stream_lag(api.ctx, {b.code: newest})
    assert 30 <= behind < 40
    assert caught_up == 0


def test_alert_rules_have_for_labels_and_annotations():
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) >= 3
    for rule in rules:
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"].get("severity") in {"warning", "critical"}
        assert {"summary", "description"} <= set(rule["annotations"])


async def test_alert_rules_name_only_series_that_metrics_exposes(sqlite_url):
    async with Api.start(sqlite_url) as api:
        await _busy_branch(api)
        text = (await api.request("GET", "/metrics")).text
    exposed = {re.match(r"[a-z_:]+", line).group() for line in series(text)}
    rules = [rule for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for rule in group["rules"]]
    named: set[str] = set()
    for rule in rules:
        names = set(re.findall(r"\blobbyq_[a-z_]+", rule["expr"]))
        named |= names
        assert names or set(re.findall(r"\b[a-z_]+\b", rule["expr"])) & PROMETHEUS_OWN, rule["expr"]
        assert names <= exposed, f"{rule['alert']}: {names - exposed} not on /metrics"
    # queue too long, device down, event lag
    assert {"lobbyq_waiting_tickets", "lobbyq_devices_faulty", "lobbyq_event_lag_seconds"} <= named
