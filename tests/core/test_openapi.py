"""The OpenAPI document describes every operation as docs/api.md does (issue 10, item 13):
what it does and who may call it, its bearer security, its refusals with the error model
{"message", "code"}, and typed success bodies, never a bare object."""

from __future__ import annotations

import inspect
import re

import pytest
from fastapi.routing import APIRoute

from app.main import create_app
from app.rules.vocabulary import Refusal, Role
from tests.support.routes import PUBLIC


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def document(app):
    return app.openapi()


def operations(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", path, op


def resolve(document, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_bearer_security_scheme_gives_swagger_an_authorize_button(document):
    schemes = document["components"]["securitySchemes"]
    assert [s for s in schemes.values() if s == {"type": "http", "scheme": "bearer"} or s.get("scheme") == "bearer"]


def test_every_operation_says_what_it_does_and_who_may_call_it(document):
    for label, path, op in operations(document):
        text = op.get("description", "")
        assert text.strip() and text.strip() != op.get("summary", "").strip(), f"{label}: no description"
        assert re.search(r"^\*\*Roles:\*\* .+$", text, re.M), f"{label}: description names no roles"


def test_authenticated_operations_declare_the_bearer_scheme(document):
    for label, path, op in operations(document):
        if path in PUBLIC:
            assert not op.get("security"), f"{label} is public"
        else:
            assert op.get("security"), f"{label}: no security"
            assert "401" in op["responses"], label
            if path != "/api/v1/branches":  # any token may list the branches it sees
                assert "403" in op["responses"], label


def test_error_responses_carry_the_error_model_with_the_refusal_codes(document):
    error = document["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"message", "code"}
    code = resolve(document, error["properties"]["code"])
    assert set(code["enum"]) == {r.value for r in Refusal}
    for label, path, op in operations(document):
        refusals = {status: r for status, r in op["responses"].items() if status.startswith("4")}
        if "{" in path or op.get("requestBody") or op.get("parameters"):
            assert "422" in refusals, f"{label}: no 422"
        if "{" in path and label != "PUT /api/v1/branches/{b}":  # that one creates the branch
            assert "404" in refusals, f"{label}: no 404"
        if op.get("requestBody"):
            assert "413" in refusals and "400" in refusals, f"{label}: a body and no 400 or 413"
        for status, response in refusals.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, f"{label} {status}: {schema}"
    ops = {label: op for label, _, op in operations(document)}
    for limited in ("POST /api/v1/branches/{b}/tickets", "GET /api/v1/track/{track_token}"):
        assert "429" in ops[limited]["responses"], limited
    assert "409" in ops["POST /api/v1/branches/{b}/counters/{n}/call-next"]["responses"]


def test_success_bodies_are_typed(document):
    for label, path, op in operations(document):
        for status, response in op["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = response.get("content")
            assert content, f"{label} {status}: no body described"
            for media, body in content.items():
                schema = resolve(document, body.get("schema", {}))
                if media == "application/json":
                    assert schema.get("properties") or schema.get("items"), f"{label} {status}: bare {schema}"
                else:
                    assert schema.get("type") == "string", f"{label} {status} {media}: {schema}"
    ticket = document["components"]["schemas"]["TicketOut"]
    assert "wait_minutes" in ticket["properties"] and "wait_minutes" in ticket["required"]


def _checked_roles(endpoint) -> set[str] | None:
    """The roles the route's own ``who.require`` lets through (admins always may), or
    None when it checks no role (any role of the branch, or any token)."""
    source = inspect.getsource(endpoint)
    calls = re.findall(r"who\.require\(([^)]*)\)", source)
    if not calls:
        return None
    assert len(calls) == 1, source
    args = [a.strip() for a in calls[0].split(",")][1:]
    roles: set[str] = set()
    for arg in args:
        value = eval(arg.lstrip("*"), endpoint.__globals__)  # noqa: S307 - names of our own module
        roles.update(value if isinstance(value, tuple) else [value])
    return {str(r) for r in roles} | {Role.ADMIN.value} if roles else None


def _api_routes(router):
    """The routes of ``router`` and of the routers included in it: FastAPI keeps an
    included router whole (``original_router``), so ``app.routes`` alone holds no APIRoute."""
    for route in router.routes:
        if hasattr(route, "original_router"):
            yield from _api_routes(route.original_router)
        elif isinstance(route, APIRoute) and route.include_in_schema:
            yield route


def test_the_roles_described_are_the_roles_the_route_checks(app, document):
    routes = list(_api_routes(app))
    assert len(routes) == sum(len(ops) for ops in document["paths"].values())
    for route in routes:
        label = f"{sorted(route.methods)} {route.path}"
        line = re.search(r"^\*\*Roles:\*\* (.+)$", route.description, re.M)
        assert line, label
        named = set(re.findall(r"\b(" + "|".join(r.value for r in Role) + r")\b", line.group(1)))
        checked = _checked_roles(route.endpoint)
        if route.path in PUBLIC:
            assert "public" in line.group(1) and not named, label
        elif checked is None:
            assert "any" in line.group(1), (label, line.group(1))
        else:
            assert named == checked, (label, named, checked)
