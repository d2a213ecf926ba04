"""The files in ``examples/`` are real: the layouts are the demo's sample branch and
``lobbyq branch apply`` takes them, the devices file loads, and the README shows the same
layout as ``examples/branch.toml``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app.cli import load_layout_file
from app.rules.layout import from_dict
from app.sample_branch import SAMPLE_BRANCH
from drivers.config import PROTOCOLS_SCREEN, load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LAYOUTS = ["branch.toml", "branch.yaml"]


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_is_the_sample_branch(name):
    data = load_layout_file(EXAMPLES / name)
    assert data == SAMPLE_BRANCH
    assert from_dict(data["code"], data) == from_dict(SAMPLE_BRANCH["code"], SAMPLE_BRANCH)


def test_readme_shows_the_example_layout():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configure a branch", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks, "the README's 'Configure a branch' section shows no TOML layout"
    assert tomllib.loads(blocks[0]) == load_layout_file(EXAMPLES / "branch.toml")


def _lobbyq(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOBBYQ_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("name", LAYOUTS)
def test_branch_apply_takes_the_example(name, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    for _ in range(2):  # applying the same layout again replaces it
        done = _lobbyq("branch", "apply", str(EXAMPLES / name), database_url=url)
        assert done.returncode == 0, done.stderr
        assert "branch sjm01 (石景山支行): 4 categories, 4 counters" in done.stdout


def test_devices_file_loads_and_fits_the_branch():
    config = load(EXAMPLES / "devices.toml")
    layout = load_layout_file(EXAMPLES / "branch.toml")
    counters = {c["number"] for c in layout["counters"]}
    assert config.branch == layout["code"]
    assert [p.kiosk for p in config.printers] == ["kiosk1"]
    assert [s.shows for s in config.screens if s.shows == "hall"] == ["hall"]
    assert {s.shows for s in config.screens if s.shows != "hall"} == counters
    assert {s.protocol for s in config.screens} == set(PROTOCOLS_SCREEN)
    (bus,) = config.keypad_buses
    assert bus.protocol == "modbus"
    assert set(bus.teller_pads) == set(bus.evaluation_pads) == counters


# The four mistakes docs/devices.md shows, made in a copy of examples/devices.toml.
MISTAKES = [
    ("address = 33 ", "adress = 33 "),
    ('kiosk = "kiosk1"\n', ""),
    ('id = "window-1"', 'id = "hall"'),
    ("\nteller_pads = [1, 2, 3, 4] ", "\nteller_pads = [1, 2, 2, 4] "),
]


@pytest.mark.parametrize("old,new", MISTAKES)
def test_devices_page_shows_the_real_messages(old, new):
    from drivers.config import DevicesFileError, parse

    text = (EXAMPLES / "devices.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    with pytest.raises(DevicesFileError) as refused:
        parse(text.replace(old, new), "devices.toml")
    assert f"error: {refused.value}\n" in (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")


SCENARIOS = sorted((EXAMPLES / "scenarios").glob("*.yaml"))


def test_the_three_sample_scenarios_are_shipped():
    assert {p.name for p in SCENARIOS} >= {"quiet.yaml", "pension-day.yaml", "vip-flood.yaml"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_loads(path):
    from app.simulation.scenario import load as load_scenario

    loaded = load_scenario(path)
    assert loaded.parsed.categories and loaded.day_s > 0


def test_the_pension_day_is_about_2000_tickets_with_a_rush_at_25x_the_mean():
    from app.simulation.scenario import load as load_scenario
    from app.simulation.suggest import hourly_rate

    loaded = load_scenario(EXAMPLES / "scenarios" / "pension-day.yaml")
    hours = int(loaded.day_s // 3600)
    per_hour = [sum(hourly_rate(loaded, c, h) * 3600 for c in loaded.scenario.arrivals) for h in range(hours)]
    assert 1900 <= sum(per_hour) <= 2100
    assert max(per_hour) == pytest.approx(2.5 * sum(per_hour) / hours)


def test_the_vip_flood_is_half_vip_with_the_guard_on():
    from app.simulation.scenario import load as load_scenario

    loaded = load_scenario(EXAMPLES / "scenarios" / "vip-flood.yaml")
    assert loaded.scenario.vip_share == 0.5 and loaded.parsed.policy.max_wait_minutes is not None
