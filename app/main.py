"""The FastAPI application: routes, error shapes, limits, and the background parts
(bus, stream hub, housekeeping, and in the embedded default the device agent)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api import bookings, branches, counters, manager, public, reference, reports, tickets, websocket
from .api.json_logs import use_json_logs
from .api.limits import NoNul, RateLimit, RedisHits, hit_counter
from .api.log_secrets import mask_request_logs
from .api.metrics import Metrics
from .api.request_id import RequestId
from .api.security_headers import SecurityHeaders
from .errors import LobbyqError, Unavailable
from .events.feeds import Hub
from .events.wakeups import make_bus
from .notifiers import notifier_for
from .rules.tickets import IllegalMove
from .rules.vocabulary import Refusal, Role
from .services import auth, housekeeping, notifications
from .services.context import Context
from .settings import Settings, get_settings
from .store import migrate
from .store.database import UNAVAILABLE, open_database

if TYPE_CHECKING:
    from drivers.config import DevicesConfig

log = logging.getLogger("lobbyq")


def create_app(settings: Settings | None = None, clock=None, migrate_on_start: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    mask_request_logs()
    if settings.log_format == "json":
        use_json_logs()
    if migrate_on_start is None:
        migrate_on_start = os.environ.get("LOBBYQ_MIGRATE_ON_START", "1") != "0"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if migrate_on_start:
            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        db = await open_database(settings.database_url, settings.pg_pool_size)
        bus = make_bus(settings, db)
        ctx = Context(db=db, bus=bus, settings=settings, **({"clock": clock} if clock else {}))
        await bus.start()
        app.state.ctx = ctx
        hits = hit_counter(settings.redis_url, db, settings.database_url)
        app.state.kiosk_limit = RateLimit(hits, settings.kiosk_rate_per_minute, "kiosk", "tickets from this kiosk")
        app.state.track_limit = RateLimit(
            hits, settings.track_rate_per_minute, "track", "tracking requests from this address"
        )
        app.state.booking_limit = RateLimit(
            hits, settings.booking_rate_per_minute, "booking", "booking requests from this address"
        )
        app.state.hub = Hub(db, bus, settings, ctx.clock)
        app.state.sockets = sockets = websocket.OpenSockets(ctx)
        bus.subscribe(auth.TOKENS_CHANGED, sockets.tokens_changed)
        notifier = notifier_for(settings)
        stop = asyncio.Event()
        background = [
            asyncio.create_task(housekeeping.run(ctx, stop), name="housekeeping"),
            asyncio.create_task(sockets.run(stop), name="token-recheck"),
            asyncio.create_task(notifications.run(ctx, notifier, stop), name="notifications"),
        ]
        if settings.devices:
            from drivers.config import load

            # A devices file that does not parse stops the start, saying where: not a silent agent.
            devices = load(settings.devices)
            background.append(asyncio.create_task(_embedded_agent(ctx, devices, stop), name="device-agent"))
        app.state.background = background
        # Everything made at start-up lives as long as the process: out of the collector's
        # sight, a full collection walks only what requests made and stalls no screen.
        gc.collect()
        gc.freeze()
        # Requests and connections make many short-lived objects: collect them in larger,
        # rarer steps, and the old generation (a pause for every screen) rarely.
        gc.set_threshold(50_000, 20, 100)
        try:
            yield
        finally:
            stop.set()
            app.state.hub.close()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await notifier.close()
            await bus.stop()
            if isinstance(hits, RedisHits):
                await hits.close()
            await db.close()

    app = FastAPI(
        title="lobbyq",
        version="0.1.0",
        summary="Queue ticketing for bank branches",
        description=(
            "Tickets, counters, screens, keypads and the lobby manager's view. Every operation but the "
            "public ones needs a bearer token (**Authorize**); each says which roles may call it, and "
            'every refusal is `{"message", "code"}`. The narrative reference is docs/api.md.'
        ),
        lifespan=lifespan,
        # Swagger UI and ReDoc are served with their assets from this server (api/reference.py):
        # FastAPI's own pages load them from a CDN that a bank's intranet does not reach.
        docs_url=None,
        redoc_url=None,
    )
    app.state.metrics = Metrics(branch_labels=settings.metrics_branch_labels)

    # A request is matched against the routes in order, each a regular expression, and
    # no path of one router is a path of another: the busiest routers go first.
    for module in (tickets, counters, public, branches, manager, reports, bookings, websocket, reference):
        app.include_router(module.router)
    try:
        from displays.pages import router as pages
    except ImportError:  # the pages are optional for an API-only deployment
        log.info("displays not installed: API only")
    else:
        app.include_router(pages)

    _errors(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NoNul)
    app.add_middleware(Timing, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestId)  # outermost: every other part's log lines carry the id
    return app


async def _embedded_agent(ctx: Context, config: DevicesConfig, stop: asyncio.Event) -> None:
    """The embedded default: the same device agent, in this process, talking to this server."""
    from drivers.agent import run_agent

    token = os.environ.get("LOBBYQ_AGENT_TOKEN") or await auth.create_token(
        ctx, Role.AGENT, config.branch, "embedded-agent"
    )
    server = os.environ.get("LOBBYQ_INTERNAL_URL", "http://127.0.0.1:8000")
    await run_agent(server, token, config, stop)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LobbyqError)
    async def lobbyq_error(_: Request, error: LobbyqError):
        return JSONResponse(
            {"message": error.message, "code": error.code}, status_code=error.status, headers=error.headers
        )

    async def database_down(request: Request, error: Exception):
        log.warning("the database does not answer: %r", error)  # no path: it may hold a track token
        refusal = Unavailable("the database does not answer; try again in a moment")
        return await lobbyq_error(request, refusal)

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, database_down)

    @app.exception_handler(IllegalMove)
    async def illegal_move(_: Request, error: IllegalMove):
        return JSONResponse(
            {"message": str(error), "code": Refusal.WRONG_STATE, "status": error.status}, status_code=409
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError):
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in error.errors()
        ]
        return JSONResponse(
            {
                "message": "invalid request: " + "; ".join(problems),
                "code": Refusal.INVALID,
                "detail": _plain(list(error.errors())),
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException):
        message = error.detail if isinstance(error.detail, str) else "request refused"
        if error.status_code == 404 and message == "Not Found":
            message = "no such resource"
        code = _HTTP_REFUSALS.get(error.status_code, Refusal.INVALID)
        return JSONResponse({"message": message, "code": code}, status_code=error.status_code, headers=error.headers)


_HTTP_REFUSALS = {
    401: Refusal.UNAUTHORIZED,
    403: Refusal.FORBIDDEN,
    404: Refusal.NOT_FOUND,
    405: Refusal.NOT_FOUND,
    409: Refusal.CONFLICT,
    413: Refusal.TOO_LARGE,
    429: Refusal.TOO_MANY,
}


def _plain(errors: list[dict]) -> list[dict]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]


class BodyLimit:
    """Refuse request bodies over the limit (413) before they are read into memory."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(send)
        seen = 0
        too_large = started = False

        async def limited():
            nonlocal seen, too_large
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                too_large = True
                raise _TooLarge
            return message

        async def sending(message):
            # FastAPI turns an error while reading the body into its own 400: a chunked
            # body over the limit must still be a 413.
            nonlocal started
            if too_large:
                if not started:
                    started = True
                    await self._refuse(send)
                return
            started = True
            await send(message)

        try:
            await self.app(scope, limited, sending)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send):
        body = f'{{"message":"request body over {self.max_bytes} bytes","code":"{Refusal.TOO_LARGE}"}}'.encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class Timing:
    """Request latency per route template, for /metrics."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            self.metrics.observe(
                scope["method"], getattr(route, "path", "unmatched"), status, time.perf_counter() - started
            )
