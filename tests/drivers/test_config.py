"""Devices file: the §5 example loads; each kind of mistake names file, line, problem."""

from __future__ import annotations

import pytest

from drivers.config import DevicesFileError, load, parse

GOOD = """branch = "sjm01"

[[printer]]
id = "kiosk1-printer"
kiosk = "kiosk1"              # tickets issued by this kiosk token's name print here
url = "/dev/ttyUSB0"          # any pyserial URL
baudrate = 19200

[[screen]]
id = "hall"
protocol = "onbon-bx"         # "onbon-bx" | "alpha" | "candle"
url = "/dev/ttyUSB1"
address = 1
shows = "hall"                # "hall" or a counter number

[[screen]]
id = "w1"
protocol = "candle"
address = 33
url = "socket://127.0.0.1:7000"
shows = 1

[[keypad_bus]]
id = "bus1"
protocol = "modbus"           # "modbus" | "qsystem"
url = "/dev/ttyUSB2"
baudrate = 19200
teller_pads = [1, 2, 3, 4]    # counters with a teller pad (unit id = counter)
evaluation_pads = [1, 2, 3, 4]  # counters with an evaluation pad (unit id = 100 + counter)
"""


def test_design_example_loads(tmp_path):
    f = tmp_path / "devices.toml"
    f.write_text(GOOD)
    c = load(f)
    assert c.branch == "sjm01"
    assert c.printers[0].kiosk == "kiosk1" and c.printers[0].baudrate == 19200
    assert [s.shows for s in c.screens] == ["hall", 1]
    assert c.keypad_buses[0].evaluation_pads == (1, 2, 3, 4)


def _err(text, tmp_path) -> DevicesFileError:
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(DevicesFileError) as ei:
        load(f)
    assert str(f) in str(ei.value)
    return ei.value


def test_unknown_key(tmp_path):
    e = _err(GOOD.replace("address = 1", "adress = 1"), tmp_path)
    assert e.line == 13 and "unknown key 'adress'" in str(e) and ":13:" in str(e)


def test_missing_field(tmp_path):
    e = _err(
        GOOD.replace('kiosk = "kiosk1"              # tickets issued by this kiosk token\'s name print here\n', ""),
        tmp_path,
    )
    assert e.line == 3 and "missing field 'kiosk'" in e.problem


def test_wrong_type(tmp_path):
    e = _err(GOOD.replace("baudrate = 19200\nteller", 'baudrate = "fast"\nteller'), tmp_path)
    assert e.line == 27 and "'baudrate'" in e.problem and "integer" in e.problem


def test_duplicate_id(tmp_path):
    e = _err(GOOD.replace('id = "w1"', 'id = "hall"'), tmp_path)
    assert e.line == 17 and "duplicate id 'hall'" in e.problem


def test_candle_address_range(tmp_path):
    assert "32..127" in _err(GOOD.replace("address = 33", "address = 3"), tmp_path).problem


def test_bad_protocol_and_shows(tmp_path):
    assert _err(GOOD.replace('"candle"\n', '"vfd"\n'), tmp_path).line == 18
    assert "'shows'" in _err(GOOD.replace("shows = 1", 'shows = "lobby"'), tmp_path).problem


def test_syntax_error_has_line(tmp_path):
    e = _err(GOOD.replace("address = 1", "address = "), tmp_path)
    assert e.line == 13 and "TOML" in e.problem


def test_missing_branch():
    with pytest.raises(DevicesFileError, match="<memory>:1: missing field 'branch'"):
        parse("[[printer]]\nid='p'\nkiosk='k'\nurl='x'\n")
