"""``lobbyq demo``: the embedded default, a sample branch, simulated devices, and every
page printed with its token, so a newcomer can walk a customer from kiosk to rating."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer

from .rules.vocabulary import Role
from .sample_branch import SAMPLE_BRANCH, demo_branch

# The demo's tokens: (role, name); a token is listed under its name.
ROLES: list[tuple[Role, str]] = [
    (Role.ADMIN, "admin"),
    (Role.MANAGER, "大堂经理"),
    (Role.KIOSK, "kiosk1"),
    (Role.DISPLAY, "hall"),
    (Role.AGENT, "agent"),
    *((Role.TELLER, f"teller{n}") for n in (1, 2, 3, 4)),
]


async def _prepare(url: str) -> dict[str, str]:
    from .events.wakeups import LocalBus
    from .services import auth, branches
    from .services.context import Context
    from .settings import Settings
    from .store import migrate
    from .store.database import open_database

    settings = Settings(database_url=url)
    await asyncio.to_thread(migrate.upgrade, url)
    db = await open_database(url)
    ctx = Context(db=db, bus=LocalBus(), settings=settings)
    try:
        layout = {k: v for k, v in demo_branch().items() if k != "code"}
        await branches.apply_layout(ctx, SAMPLE_BRANCH["code"], layout)
        await branches.replace_vip_cards(ctx, SAMPLE_BRANCH["code"], ["6222000011112222"])
        tokens = {}
        for role, name in ROLES:
            branch = None if role == Role.ADMIN else SAMPLE_BRANCH["code"]
            tokens[name] = await auth.create_token(ctx, role, branch, name)
        return tokens
    finally:
        await db.close()


def run_demo(port: int, workdir: Path, with_devices: bool) -> None:
    import uvicorn

    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{workdir / 'lobbyq.db'}"
    os.environ["LOBBYQ_DATABASE_URL"] = url
    os.environ["LOBBYQ_INTERNAL_URL"] = f"http://127.0.0.1:{port}"
    tokens = asyncio.run(_prepare(url))
    b = SAMPLE_BRANCH["code"]
    base = f"http://127.0.0.1:{port}"

    simulated = None
    if with_devices:
        try:
            from drivers.simulators.demo import start_demo_devices
        except ImportError as missing:
            typer.echo(f"(no simulated devices: {missing})")
        else:
            simulated = start_demo_devices(workdir, b, "kiosk1", [c["number"] for c in SAMPLE_BRANCH["counters"]])
            os.environ["LOBBYQ_DEVICES"] = str(simulated.devices_file)
            os.environ["LOBBYQ_AGENT_TOKEN"] = tokens["agent"]

    lines = [
        f"lobbyq demo: branch {b} ({SAMPLE_BRANCH['name']}), database {workdir / 'lobbyq.db'}",
        "",
        f"  hall screen     {base}/screens/{b}/hall?token={tokens['hall']}",
        f"  window screen   {base}/screens/{b}/counter/1?token={tokens['hall']}",
        f"  kiosk           {base}/kiosk/{b}?token={tokens['kiosk1']}",
        f"  teller console  {base}/teller/{b}    (sign in with a teller token below)",
        f"  manager         {base}/manager/{b}   (sign in with the manager token)",
        f"  manager phone   {base}/manager/{b}/phone   (alerts on a phone; the same token)",
        f"  book a visit    {base}/book/{b}   (the customer's phone: book 大额取现, then check in at the kiosk)",
        f"  API docs        {base}/docs",
        "",
        "tokens (shown once; a new demo run makes new ones):",
        *(f"  {name:10} {token}" for name, token in tokens.items()),
        "",
        "VIP card for the kiosk: 6222000011112222",
        "try:  curl -s -X POST -H 'Authorization: Bearer "
        + tokens["kiosk1"]
        + f"' -H 'Content-Type: application/json' "
        f'-d \'{{"category":"personal"}}\' {base}/api/v1/branches/{b}/tickets',
    ]
    if simulated is not None:
        lines += ["", "simulated devices:", *(f"  {line}" for line in simulated.describe())]
    typer.echo("\n".join(lines))
    try:
        uvicorn.run("app.main:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning")
    finally:
        if simulated is not None:
            simulated.stop()
