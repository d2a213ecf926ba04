"""schemathesis against the OpenAPI of a running ``lobbyq serve``: no 5xx on any endpoint,
and every answer is one the document describes: its status among the operation's
responses, its body valid against that response's schema (the typed success bodies and
the error model ``{"message", "code"}``).

Every operation is fuzzed with valid data (positive mode) and invalid data (negative
mode), as an admin, on a laid-out branch with a ticket in every state worth having, so
that requests reach the service layer and the database instead of stopping at a 404.
Some cases name that branch, ticket and alert; others are entirely random.
"""

from __future__ import annotations

import collections
import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import own_postgres
from tests.support.server import LobbyqServer
from tests.support.services import postgres_url, require

pytestmark = pytest.mark.slow

POSITIVE = int(os.environ.get("LOBBYQ_FUZZ_EXAMPLES", "25"))
NEGATIVE = max(5, POSITIVE // 2)


@pytest.fixture(params=["sqlite", "postgres"])
def fuzzed(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}"
    else:
        pg = postgres_url()
        if pg is None:
            require("postgres")
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests skipped")
        url = own_postgres(pg)
    with LobbyqServer(url, workers=1, log_dir=tmp_path) as server:
        server.put_branch()
        known = lay_out(server)
        yield request.param, server, known


def lay_out(server: LobbyqServer) -> dict:
    """Tickets waiting, at a counter, done (rating window open), and an open alert."""
    with server.client() as c:
        ids = []
        for category in ("personal", "corporate", "fx", "personal"):
            r = c.post("/api/v1/branches/sjm01/tickets", json={"category": category})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        for n in (1, 2):
            assert c.post(f"/api/v1/branches/sjm01/counters/{n}/open").status_code == 200
        assert c.post("/api/v1/branches/sjm01/counters/1/call-next").status_code == 200
        assert c.post("/api/v1/branches/sjm01/counters/1/finish").status_code == 200
        assert c.post("/api/v1/branches/sjm01/counters/1/evaluation", json={"score": 4}).status_code == 200
        assert c.post("/api/v1/branches/sjm01/counters/2/call-next").status_code == 200
        alerts = c.get("/api/v1/branches/sjm01/alerts?status=open").json()["alerts"]
        track = c.post("/api/v1/branches/sjm01/tickets", json={"category": "wealth"}).json()["track_token"]
    return {
        "b": "sjm01",
        "n": 2,
        "ticket_id": ids[-1],
        "alert_id": alerts[0]["id"],
        "track_token": track,
        "device_id": "kiosk1-printer",
    }


def strategy_for(operation, known: dict, mode: GenerationMode):
    names = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in known.items() if k in names}
    options = [operation.as_strategy(generation_mode=mode)]
    if fixed and mode == GenerationMode.POSITIVE:
        options.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        if "b" in fixed:
            options.append(operation.as_strategy(generation_mode=mode, path_parameters={"b": "sjm01"}))
    elif fixed:
        options.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.one_of(options)


def skippable(error: Exception) -> bool:
    """schemathesis finding nothing to generate (e.g. no invalid request exists for GET /healthz)."""
    return type(error).__name__ == "Unsatisfiable"


def test_no_5xx_on_any_endpoint(fuzzed):
    name, server, known = fuzzed
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"Authorization": f"Bearer {server.admin}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35

    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE)):
            seen: list[str] = []

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=(Phase.explicit, Phase.generate),
            )
            @given(case=strategy_for(operation, known, mode))
            def run(case):
                try:
                    response = case.call(base_url=server.url, headers=headers, timeout=30)
                except Exception as error:  # a dropped connection is as bad as a 500
                    seen.append(f"{case.method} {case.formatted_path}: {type(error).__name__}: {error}")
                    raise
                if response.status_code >= 500:
                    seen.append(
                        f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300} -> "
                        f"{response.status_code} {response.text[:300]}"
                    )
                    raise AssertionError(seen[-1])
                try:
                    case.validate_response(
                        response,
                        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
                    )
                except Exception as error:
                    seen.append(
                        f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.200} -> "
                        f"{response.status_code} {response.text[:300]}: not as documented: {str(error)[:600]}"
                    )
                    raise

            try:
                run()
            except Exception as error:
                if seen:
                    failures.append(f"[{mode.value}] {seen[-1]}")
                elif os.environ.get("LOBBYQ_FUZZ_DEBUG"):
                    print("skipped", operation.label, mode.value, type(error).__name__, str(error)[:150])
                if not seen and not skippable(error):
                    failures.append(f"[{mode.value}] {operation.label}: {type(error).__name__}: {error}")
    # The server is still well after all that.
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert not failures, (
        f"{name}: {len(failures)} operations answered 5xx or other than documented:\n"
        + "\n".join(failures)
        + "\n--- server log ---\n"
        + server.log_tail(40)
    )


def test_stateful_sequences_answer_no_5xx(fuzzed):
    """#12: schemathesis's stateful run chains real calls (a ticket issued, then called,
    transferred, cancelled by its id ...) from the links it infers between the operations'
    answers and path parameters: no 5xx and nothing undocumented in any sequence."""
    name, server, known = fuzzed
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    machine = schema.as_state_machine()
    assert machine.bundles, "no links inferred: the stateful run would test nothing"
    headers = {"Authorization": f"Bearer {server.admin}"}
    answered: list[int] = []

    class Lobbyq(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"base_url": server.url, "headers": headers, "timeout": 30}

        def before_call(self, case):
            # the laid-out branch, and its counters, so that chains reach real tickets
            if case.path_parameters and "b" in case.path_parameters:
                case.path_parameters["b"] = known["b"]
            if case.path_parameters and "n" in case.path_parameters:
                case.path_parameters["n"] = 1 + len(answered) % 2

        def validate_response(self, response, case, **kwargs):
            answered.append(response.status_code)
            assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"
            case.validate_response(
                response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
            )

    Lobbyq.run(
        settings=settings(
            max_examples=int(os.environ.get("LOBBYQ_FUZZ_STATEFUL", "30")),
            stateful_step_count=8,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert httpx.get(f"{server.url}/healthz").status_code == 200, name
    # the chains reached real resources, not only 404s of random ids
    print(name, sorted(collections.Counter(answered).items()))
    assert sum(200 <= code < 300 for code in answered) >= 10, collections.Counter(answered)
