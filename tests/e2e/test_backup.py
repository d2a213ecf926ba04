"""`lobbyq db backup` copies the embedded SQLite database while the server runs, and a
server started on the copy finds every ticket (#12 item 1)."""

from __future__ import annotations

import pytest

from tests.support.server import LobbyqServer

pytestmark = pytest.mark.slow


def test_a_backup_taken_while_serving_restores_every_ticket(tmp_path):
    with LobbyqServer(f"sqlite+aiosqlite:///{tmp_path / 'live.db'}", log_dir=tmp_path) as live:
        live.put_branch()
        kiosk = live.token("kiosk", "sjm01")
        with live.client(kiosk) as c:
            issued = [c.post("/api/v1/branches/sjm01/tickets", json={"category": "personal"}).json() for _ in range(30)]
        backup = tmp_path / "backup.db"
        done = live.cli("db", "backup", str(backup))
        assert f"{backup}: 30 tickets" in done.stdout
        again = live.cli("db", "backup", str(backup), check=False)  # never overwrites
        assert again.returncode == 2 and "exists" in again.stderr
    with LobbyqServer(f"sqlite+aiosqlite:///{backup}", log_dir=tmp_path) as restored:
        display = restored.token("display", "sjm01")
        with restored.client(display) as c:
            day = c.get("/api/v1/branches/sjm01/tickets").json()["tickets"]
    assert [t["number"] for t in day] == [t["number"] for t in issued]
    assert [t["id"] for t in day] == [t["id"] for t in issued]


def test_postgresql_is_pointed_to_pg_dump(tmp_path):
    server = LobbyqServer("postgresql+asyncpg://nobody@127.0.0.1:1/none", log_dir=tmp_path)
    refused = server.cli("db", "backup", str(tmp_path / "x.db"), check=False)
    assert refused.returncode == 2 and "pg_dump" in refused.stderr
