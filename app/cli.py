"""The ``lobbyq`` command line (docs/deployment.md)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
import yaml

app = typer.Typer(help="lobbyq: queue ticketing for bank branches", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
branch_app = typer.Typer(help="Branch layouts", no_args_is_help=True)
db_app = typer.Typer(help="The database schema", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(branch_app, name="branch")
app.add_typer(db_app, name="db")


def _require_free_port(host: str, port: int) -> None:
    """Refuse at once, naming the port, rather than print pages and tokens that lead nowhere."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as e:
            typer.echo(
                f"error: port {port} on {host} is taken ({e.strerror}): stop what listens there or choose "
                "another with --port",
                err=True,
            )
            raise typer.Exit(2) from None


def _all_interfaces(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a host name
        return False


def _startup_lines(settings, host: str, port: int, workers: int) -> list[str]:
    """What an operator needs to see when the server starts: where it answers and what it uses."""
    from .store.database import shown_url

    shown = "localhost" if _all_interfaces(host) else host
    base = f"http://{shown}:{port}"

    database = shown_url(settings.database_url)
    return [
        f"lobbyq serve: {base} (listening on {host}:{port}), {workers} worker{'s' if workers != 1 else ''}",
        f"  database        {database}",
        f"  bus             {shown_url(settings.redis_url) if settings.redis_url else 'in-process (no Redis)'}",
        f"  devices         {settings.devices or 'none here (a separate `lobbyq agent` drives them)'}",
        "  pages, for a branch code B, each with a token of its role:",
        f"    hall screen     {base}/screens/B/hall?token=…",
        f"    window screen   {base}/screens/B/counter/N?token=…",
        f"    kiosk           {base}/kiosk/B?token=…",
        f"    teller console  {base}/teller/B",
        f"    manager         {base}/manager/B",
        f"  API and its docs  {base}/api/v1  ·  {base}/docs",
    ]


def _settings():
    from .settings import get_settings

    return get_settings()


async def _with_context(work):
    from .events.wakeups import make_bus
    from .services.context import Context
    from .store import migrate
    from .store.database import open_database

    settings = _settings()
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    db = await open_database(settings.database_url, 2)
    bus = make_bus(settings, db)  # the servers' own bus: a revocation reaches them at once
    await bus.start()
    try:
        return await work(Context(db=db, bus=bus, settings=settings))
    finally:
        await bus.stop()
        await db.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Alembic migrations to head."""
    from .store import migrate

    migrate.upgrade(_settings().database_url)
    typer.echo("schema is up to date")


@db_app.command("backup")
def db_backup(dest: Path = typer.Argument(..., help="the file to write; it must not exist")) -> None:
    """Copy the embedded SQLite database while the server runs (PostgreSQL: pg_dump)."""
    from .store.backup import backup_sqlite

    try:
        tickets = backup_sqlite(_settings().database_url, dest)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"backed up to {dest}: {tickets} tickets")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., help="admin, manager, teller, kiosk, display or agent"),
    branch: str | None = typer.Option(None, help="the branch (all roles but admin)"),
    name: str | None = typer.Option(None, help="a name: the teller's, or the kiosk's (its printer is found by it)"),
    days: float | None = typer.Option(None, min=0.001, help="expire after this many days (default: until revoked)"),
) -> None:
    """Create a token; it is printed alone on the last line, and never shown again."""
    from .services import auth

    lifetime = None if days is None else days * 86400
    token = _run_or_exit(lambda ctx: auth.create_token(ctx, role, branch, name or role, lifetime))
    until = "until revoked" if days is None else f"for {days:g} days"
    typer.echo(f"{role} token {auth.token_id(token)} for {branch or 'all branches'} ({name or role}), {until}.")
    typer.echo("Keep it, it is shown once:")
    typer.echo(token)


@token_app.command("list")
def token_list(branch: str | None = typer.Option(None, help="only this branch's tokens")) -> None:
    """Every token: its id, role, branch, name, and when it was made, expires, was revoked."""
    from .services import auth

    records = _run_or_exit(lambda ctx: auth.list_tokens(ctx, branch))
    typer.echo(f"{'ID':<12}  {'ROLE':<8} {'BRANCH':<12} {'NAME':<20} {'CREATED':<16} {'EXPIRES':<16} REVOKED")
    for r in records:
        typer.echo(
            f"{r.id:<12}  {r.role:<8} {r.branch or '*':<12} {r.name[:20]:<20} {_when(r.created_at):<16} "
            f"{_when(r.expires_at):<16} {_when(r.revoked_at)}"
        )


@token_app.command("revoke")
def token_revoke(token_id: str = typer.Argument(..., help="the id `token list` shows")) -> None:
    """Revoke a token: every worker refuses it at once and closes its open streams."""
    from .services import auth

    record = _run_or_exit(lambda ctx: auth.revoke_token(ctx, token_id))
    typer.echo(f"revoked {record.id} ({record.role}, {record.branch or 'all branches'}, {record.name})")


def _when(at: float | None) -> str:
    return "-" if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M")


def _run_or_exit(action):
    """Run a service call with a context of its own; a refusal is one line on stderr and exit 2."""
    from .errors import LobbyqError

    try:
        return asyncio.run(_with_context(action))
    except LobbyqError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None


def load_layout_file(path: Path) -> dict:
    """A layout in JSON, YAML or TOML, chosen by the file's suffix."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise ValueError("use a .json, .yaml, .yml or .toml file")
    except (ValueError, yaml.YAMLError) as error:
        raise typer.BadParameter(f"{path}: {error}") from None
    if not isinstance(data, dict) or "code" not in data:
        raise typer.BadParameter(f"{path}: a layout needs at least 'code', 'name' and 'categories'")
    return data


@branch_app.command("apply")
def branch_apply(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Create or replace a branch from a layout file (JSON, YAML or TOML)."""
    from pydantic import ValidationError

    from .api.schemas import LayoutIn
    from .errors import LobbyqError
    from .services import branches

    data = load_layout_file(file)
    try:
        layout = LayoutIn.model_validate(data).model_dump()
    except ValidationError as error:
        typer.echo(f"error: {file}: {error}", err=True)
        raise typer.Exit(2) from None
    code = layout.pop("code")
    try:
        result = asyncio.run(_with_context(lambda ctx: branches.apply_layout(ctx, code, layout)))
    except LobbyqError as error:
        typer.echo(f"error: {file}: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"branch {code} ({result['name']}): {len(result['categories'])} categories, {len(result['counters'])} counters"
    )


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port"),
    workers: int = typer.Option(1, min=1, max=64, help="uvicorn worker processes"),
) -> None:
    """The API, the pages and (embedded) the device drivers."""
    import uvicorn

    from .store import migrate

    settings = _settings()
    _require_free_port(host, port)
    migrate.upgrade(settings.database_url)
    os.environ["LOBBYQ_MIGRATE_ON_START"] = "0"
    os.environ.setdefault("LOBBYQ_INTERNAL_URL", f"http://127.0.0.1:{port}")
    if settings.devices and workers > 1:
        typer.echo(
            "error: LOBBYQ_DEVICES runs the drivers in-process; use --workers 1 or a separate `lobbyq agent`", err=True
        )
        raise typer.Exit(2) from None
    typer.echo("\n".join(_startup_lines(settings, host, port, workers)))
    extra: dict[str, Any] = {}
    if settings.log_format == "json":
        from .api.json_logs import uvicorn_log_config

        extra["log_config"] = uvicorn_log_config()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=os.environ.get("LOBBYQ_LOG_LEVEL", "warning"),
        ws_per_message_deflate=False,
        **extra,
    )


@app.command()
def agent(
    server: str = typer.Option(..., help="the lobbyq server, e.g. https://q.bank.example"),
    token: str = typer.Option(..., help="an agent token of the branch"),
    devices: Path = typer.Option(..., exists=True, dir_okay=False, help="the devices TOML file"),
) -> None:
    """The device agent: follows the branch's events, drives printers, screens and keypads."""
    from drivers.agent import main as agent_main

    raise typer.Exit(agent_main(server, token, str(devices)) or 0)


@app.command()
def demo(
    port: int = typer.Option(8000, help="port"),
    workdir: Path = typer.Option(Path("lobbyq-demo"), help="where the demo keeps its database and devices file"),
    devices: bool = typer.Option(True, help="start simulated printer, screens and keypads"),
) -> None:
    """The embedded default with a sample branch and simulated devices; prints every page and its token."""
    from .demo import run_demo

    _require_free_port("127.0.0.1", port)
    run_demo(port, workdir, devices)


@app.command()
def simulate(
    scenario: Path = typer.Argument(..., dir_okay=False, help="a scenario YAML file (docs/simulate.md)"),
    seed: int | None = typer.Option(None, help="the random seed (default: the scenario's)"),
    plot: Path | None = typer.Option(None, help="write an SVG of the day here"),
    suggest: bool = typer.Option(False, "--suggest", help="counters per category and hour for the target p90 wait"),
    as_json: bool = typer.Option(False, "--json", help="the figures as JSON on stdout"),
    fairness: bool = typer.Option(True, help="run the day again without max_wait_minutes to show what it costs"),
) -> None:
    """Simulate a branch day through lobbyq's own services on a virtual clock: KPIs,
    the estimators' errors, fairness, and optionally a plot and a staffing suggestion."""
    from contextlib import contextmanager

    from .simulation import report
    from .simulation.run import simulate as run
    from .simulation.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None

    @contextmanager
    def progress(label: str, length: float):
        with typer.progressbar(length=int(length), label=f"{loaded.scenario.name}: {label}", file=sys.stderr) as bar:
            done = 0

            def step(t: float) -> None:
                nonlocal done
                now = min(int(t), int(length))
                if now > done:
                    bar.update(now - done)
                    done = now

            yield step

    result, day = run(loaded, seed, fairness=fairness, progress=progress)
    if plot is not None:
        from .simulation.plot import day_svg

        plot.write_text(day_svg(day), encoding="utf-8")
        result["plot"] = str(plot)
    if suggest:
        from .simulation.suggest import suggest as staffing

        result["suggestion"] = staffing(loaded, day.seed, progress=progress)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(report.text(result))
    if suggest:
        from .simulation.suggest import text as suggestion_text

        typer.echo("")
        typer.echo(suggestion_text(result["suggestion"]))
    if plot is not None:
        typer.echo(f"\nplot: {plot}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
