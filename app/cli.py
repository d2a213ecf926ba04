"""The ``lobbyq`` command line (docs/deployment.md)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tomllib
from pathlib import Path

import typer
import yaml

app = typer.Typer(help="lobbyq: queue ticketing for bank branches", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
branch_app = typer.Typer(help="Branch layouts", no_args_is_help=True)
db_app = typer.Typer(help="The database schema", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(branch_app, name="branch")
app.add_typer(db_app, name="db")


def _settings():
    from .settings import get_settings

    return get_settings()


async def _with_context(work):
    from .events.wakeups import LocalBus
    from .services.context import Context
    from .store import migrate
    from .store.database import open_database

    settings = _settings()
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    db = await open_database(settings.database_url, 2)
    try:
        return await work(Context(db=db, bus=LocalBus(), settings=settings))
    finally:
        await db.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Alembic migrations to head."""
    from .store import migrate

    migrate.upgrade(_settings().database_url)
    typer.echo("schema is up to date")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., help="admin, manager, teller, kiosk, display or agent"),
    branch: str | None = typer.Option(None, help="the branch (all roles but admin)"),
    name: str | None = typer.Option(None, help="a name: the teller's, or the kiosk's (its printer is found by it)"),
) -> None:
    """Create a token; it is printed alone on the last line, and never shown again."""
    from .errors import LobbyqError
    from .services import auth

    try:
        token = asyncio.run(_with_context(lambda ctx: auth.create_token(ctx, role, branch, name or role)))
    except LobbyqError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{role} token for {branch or 'all branches'} ({name or role}); keep it, it is shown once:")
    typer.echo(token)


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
    migrate.upgrade(settings.database_url)
    os.environ["LOBBYQ_MIGRATE_ON_START"] = "0"
    os.environ.setdefault("LOBBYQ_INTERNAL_URL", f"http://127.0.0.1:{port}")
    if settings.devices and workers > 1:
        typer.echo(
            "error: LOBBYQ_DEVICES runs the drivers in-process; use --workers 1 or a separate `lobbyq agent`", err=True
        )
        raise typer.Exit(2) from None
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=os.environ.get("LOBBYQ_LOG_LEVEL", "warning"),
        ws_per_message_deflate=False,
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

    run_demo(port, workdir, devices)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
