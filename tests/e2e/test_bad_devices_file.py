"""A server told to drive devices from a file that does not parse refuses to start and
says where the file is wrong, rather than serving with a device agent that silently died."""

from __future__ import annotations

import pytest

from tests.support.server import LobbyqServer, ServerFailed


def test_serve_with_a_broken_devices_file_stops_and_says_where(tmp_path):
    devices = tmp_path / "devices.toml"
    devices.write_text('branch = "sjm01"\n[[printer]]\nid = "p1"\nkiosk = "k1"\nport = \n', encoding="utf-8")
    server = LobbyqServer(
        f"sqlite+aiosqlite:///{tmp_path / 'lobbyq.db'}",
        env={"LOBBYQ_DEVICES": str(devices)},
        log_dir=tmp_path,
        start_timeout=30,
    )
    with pytest.raises(ServerFailed):
        server.start()
    server.stop()
    log = server.log_path.read_text(encoding="utf-8")
    assert str(devices) in log and "not valid TOML" in log, log[-2000:]
    assert server.process is None or server.process.poll() is not None
