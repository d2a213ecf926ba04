"""A terse client for tests: the app in-process over httpx, tokens by role, a movable clock."""

from __future__ import annotations

import copy
import time
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from app.main import create_app
from app.sample_branch import SAMPLE_BRANCH
from app.services import auth
from app.settings import Settings


class Clock:
    """Real time plus an offset the test can move forward (day rollovers, windows, waits)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def advance_to(self, hour: int, timezone: str) -> None:
        """Forward to the next ``hour``:00 in ``timezone``, so a test's day cannot cross midnight."""
        now = datetime.fromtimestamp(self(), ZoneInfo(timezone))
        target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
        if target <= now:
            target += timedelta(days=1)
        self.advance(target.timestamp() - now.timestamp())


class Api:
    def __init__(self, app, client: httpx.AsyncClient, clock: Clock, admin: str):
        self.app = app
        self.client = client
        self.clock = clock
        self.admin = admin
        self.tokens: dict[str, str] = {}

    @classmethod
    @asynccontextmanager
    async def start(cls, database_url: str, **settings):
        clock = Clock()
        app = create_app(Settings(database_url=database_url, **settings), clock=clock, migrate_on_start=True)
        async with app.router.lifespan_context(app):
            admin = await auth.create_token(app.state.ctx, "admin", None, "admin")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lobbyq.test") as client:
                yield cls(app, client, clock, admin)

    @property
    def ctx(self):
        return self.app.state.ctx

    async def request(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def branch(self, layout: dict | None = None, code: str = "sjm01") -> BranchClient:
        layout = copy.deepcopy(layout or SAMPLE_BRANCH)
        layout["code"] = code
        r = await self.request("PUT", f"/api/v1/branches/{code}", self.admin, json=layout)
        assert r.status_code == 200, r.text
        return BranchClient(self, code)

    async def token(self, role: str, branch: str | None, name: str | None = None) -> str:
        r = await self.request(
            "POST", "/api/v1/tokens", self.admin, json={"role": role, "branch": branch, "name": name or role}
        )
        assert r.status_code == 201, r.text
        return r.json()["token"]


class BranchClient:
    """One branch, with one token per role made on first use."""

    def __init__(self, api: Api, code: str):
        self.api = api
        self.code = code
        self._tokens: dict[tuple[str, str], str] = {}

    async def token(self, role: str, name: str | None = None) -> str:
        key = (role, name or role)
        if key not in self._tokens:
            self._tokens[key] = await self.api.token(role, self.code, name or role)
        return self._tokens[key]

    async def as_(self, role: str, method: str, path: str, name: str | None = None, **kwargs) -> httpx.Response:
        token = await self.token(role, name)
        return await self.api.request(method, f"/api/v1/branches/{self.code}{path}", token, **kwargs)

    async def issue(self, category: str = "personal", role: str = "kiosk", **body) -> dict:
        r = await self.as_(role, "POST", "/tickets", json={"category": category, **body})
        assert r.status_code == 201, r.text
        return r.json()

    async def open(self, counter: int, teller: str | None = None) -> dict:
        r = await self.as_("teller", "POST", f"/counters/{counter}/open", name=teller or f"teller{counter}")
        assert r.status_code == 200, r.text
        return r.json()

    async def teller(self, counter: int, action: str, teller: str | None = None, **kwargs) -> httpx.Response:
        return await self.as_(
            "teller", "POST", f"/counters/{counter}/{action}", name=teller or f"teller{counter}", **kwargs
        )

    async def manager(self, method: str, path: str, **kwargs) -> httpx.Response:
        return await self.as_("manager", method, path, **kwargs)

    async def state(self) -> dict:
        r = await self.as_("manager", "GET", "/state")
        assert r.status_code == 200, r.text
        return r.json()

    async def events(self, after: int = 0) -> list[dict]:
        r = await self.as_("manager", "GET", f"/events?after={after}")
        assert r.status_code == 200, r.text
        return r.json()["events"]
