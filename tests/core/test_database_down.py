"""While the database does not answer, every request is answered 503 with a JSON message
and a Retry-After (docs/api.md), not a bare 500; the reliability suite restarts a real
PostgreSQL under load for the same promise (tests/reliability/test_outages.py)."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.client import Api


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    ],
)
async def test_a_database_that_does_not_answer_is_503_with_a_message(sqlite_url, monkeypatch, error):
    async with Api.start(sqlite_url) as api:
        b = await api.branch()
        kiosk = await b.token("kiosk")

        def down(*args, **kwargs):  # as acquiring a connection fails
            raise error

        monkeypatch.setattr(api.ctx.db, "begin", down)
        monkeypatch.setattr(api.ctx.db, "read", down)
        for method, path, token, body in (
            ("POST", "/api/v1/branches/sjm01/tickets", kiosk, {"category": "personal"}),
            ("GET", "/api/v1/branches/sjm01/state", kiosk, None),
            ("GET", "/healthz", None, None),
        ):
            r = await api.request(method, path, token, json=body)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.json() == {"message": "the database does not answer; try again in a moment", "code": "unavailable"}
            assert r.headers["retry-after"] == "2"
        monkeypatch.undo()
        assert (await api.request("GET", "/healthz")).status_code == 200
