"""The application includes its busiest routers first (app/main.py). That is safe only
while no request can match routes of two routers: a test keeps it so."""

from __future__ import annotations

import re

from app.main import create_app


def _routes(router):
    for route in router.routes:
        if hasattr(route, "original_router"):  # a router included in this one
            yield from _routes(route.original_router)
        else:
            yield route


def _example(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_no_request_matches_routes_of_two_routers():
    app = create_app(migrate_on_start=False)
    routers = [list(_routes(r.original_router)) for r in app.routes if hasattr(r, "original_router")]
    assert len(routers) >= 6
    clashes = []
    for i, mine in enumerate(routers):
        for theirs in routers[i + 1 :]:
            for a in mine:
                for b in theirs:
                    shared = (getattr(a, "methods", None) or {"WEBSOCKET"}) & (
                        getattr(b, "methods", None) or {"WEBSOCKET"}
                    )
                    if shared and (b.path_regex.match(_example(a.path)) or a.path_regex.match(_example(b.path))):
                        clashes.append((a.path, b.path, sorted(shared)))
    assert clashes == []


def test_the_check_sees_a_clash():
    """The regular expressions above do catch two routers claiming one path."""
    from fastapi import APIRouter, FastAPI

    one, two = APIRouter(), APIRouter()
    one.add_api_route("/api/v1/branches/{b}/tickets", lambda b: None, methods=["POST"])
    two.add_api_route("/api/v1/branches/{code}/{what}", lambda code, what: None, methods=["POST"])
    app = FastAPI()
    app.include_router(one)
    app.include_router(two)
    a, b = (next(_routes(r.original_router)) for r in app.routes if hasattr(r, "original_router"))
    assert b.path_regex.match(_example(a.path))
