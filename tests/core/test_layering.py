"""The layers of ``app/`` import only downwards, so a call reads as a straight line
(route → service → rules → store → events) and never loops back up.

- ``app.rules`` imports nothing of lobbyq;
- ``app.store`` may import the rules;
- ``app.notifiers`` (messages to customers out of the building) may import the rules;
- ``app.services`` and ``app.events`` may import the rules and the store (services also the
  notifiers; and the base:
  ``app.errors``, ``app.settings``, which may name the rules' vocabulary);
- ``app.api`` may import all of these;
- only the application factory (``app.main``) and the command line (``app.cli``) import
  ``app.api``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
LOBBYQ = ("app", "drivers", "displays", "migrations")

BASE = {"app.errors", "app.settings"}
ALLOWED = {
    "rules": {"rules"},
    "store": {"rules", "store"},
    "notifiers": {"rules", "notifiers", "base"},
    "services": {"rules", "store", "notifiers", "services", "base"},
    "events": {"rules", "store", "events", "base"},
    "api": {"rules", "store", "notifiers", "services", "events", "api", "base"},
    "base": {"base", "rules"},
    # lobbyq simulate: a client of the services on a virtual clock, like the command line,
    # which reads the day's tickets back from the store to check them against its own record
    "simulation": {"rules", "store", "services", "events", "simulation", "base"},
}
ENTRY = {"app", "app.main", "app.cli", "app.demo", "app.sample_branch"}
IMPORTS_API = {"app.main", "app.cli"}


def module_name(path: Path, app: Path = APP) -> str:
    parts = list(path.relative_to(app.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, app: Path = APP) -> set[str]:
    """The lobbyq modules a file imports, relative imports resolved."""
    name = module_name(path, app)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import alerts`` imports a module, not a name of the package
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in LOBBYQ}


def layer(module: str) -> str | None:
    if module in BASE:
        return "base"
    parts = module.split(".")
    if parts[0] == "app" and len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    return None


def _existing(module: str, app: Path) -> bool:
    path = app.parent / Path(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def violations(app: Path = APP) -> list[str]:
    found = []
    for path in sorted(app.rglob("*.py")):
        me = module_name(path, app)
        mine = layer(me)
        for target in sorted(imports_of(path, app)):
            if not _existing(target, app) or target == me:
                continue  # a name imported from a module, not a module
            theirs = layer(target)
            if target.startswith("app.api") and me not in IMPORTS_API and mine != "api":
                found.append(f"{me} imports {target}: only app.main and app.cli import the API")
            if mine is None:
                continue  # the entry points may import what they need
            if theirs is None or theirs not in ALLOWED[mine]:
                found.append(f"{me} ({mine}) imports {target} ({theirs or 'outside the layers'})")
    return found


def test_every_module_of_app_sits_in_a_layer_or_is_an_entry_point():
    strays = [
        module_name(p) for p in APP.rglob("*.py") if layer(module_name(p)) is None and module_name(p) not in ENTRY
    ]
    assert strays == []


def test_app_imports_only_downwards():
    assert violations() == []


@pytest.mark.parametrize(
    "source, module, expected",
    [
        (
            "from ..services import queries\n",
            "app/store/x.py",
            "app.store.x (store) imports app.services.queries (services)",
        ),
        ("from app.api import schemas\n", "app/services/x.py", "app.services.x imports app.api.schemas: only app.main"),
        ("import app.store.tables\n", "app/rules/x.py", "app.rules.x (rules) imports app.store.tables (store)"),
    ],
)
def test_the_check_sees_an_import_against_the_layers(tmp_path, source, module, expected):
    """The checker itself, on a small tree of its own: an import against the layers is reported."""
    app = tmp_path / "app"
    for package in ("", "rules", "store", "services", "api"):
        (app / package).mkdir(exist_ok=True)
        (app / package / "__init__.py").write_text("")
    for existing in ("services/queries.py", "api/schemas.py", "store/tables.py"):
        (app / existing).write_text("")
    (tmp_path / module).write_text(source, encoding="utf-8")
    assert any(v.startswith(expected) for v in violations(app)), violations(app)
