"""Devices file (docs/devices.md): load and validate, refusing mistakes at start.

Why strict: a typo in a devices file at a branch would otherwise show up hours later as a
silent screen. Every error names the file, the line and the problem. tomllib gives no
line numbers for keys, so we find them by scanning the text for the ``[[table]]`` header
and the key inside it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROTOCOLS_SCREEN = ("onbon-bx", "alpha", "candle")
PROTOCOLS_KEYPAD = ("modbus", "qsystem")


class DevicesFileError(ValueError):
    def __init__(self, path: str, line: int | None, problem: str):
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path}:{line if line else '?'}: {problem}")


@dataclass(frozen=True)
class PrinterConf:
    id: str
    kiosk: str
    url: str
    baudrate: int = 9600


@dataclass(frozen=True)
class ScreenConf:
    id: str
    protocol: str
    url: str
    shows: str | int  # "hall" or a counter number
    address: int = 1
    baudrate: int = 9600


@dataclass(frozen=True)
class KeypadBusConf:
    id: str
    protocol: str
    url: str
    baudrate: int = 19200
    teller_pads: tuple[int, ...] = ()
    evaluation_pads: tuple[int, ...] = ()


@dataclass(frozen=True)
class DevicesConfig:
    branch: str
    printers: tuple[PrinterConf, ...] = ()
    screens: tuple[ScreenConf, ...] = ()
    keypad_buses: tuple[KeypadBusConf, ...] = ()
    path: str = "<memory>"

    def all_ids(self) -> list[str]:
        devices: tuple[PrinterConf | ScreenConf | KeypadBusConf, ...] = (
            *self.printers,
            *self.screens,
            *self.keypad_buses,
        )
        return [d.id for d in devices]


# key: (type, required)
_INT_LIST = "list[int]"
_SCHEMA: dict[str, dict[str, tuple[object, bool]]] = {
    "printer": {"id": (str, True), "kiosk": (str, True), "url": (str, True), "baudrate": (int, False)},
    "screen": {
        "id": (str, True),
        "protocol": (str, True),
        "url": (str, True),
        "shows": ((str, int), True),
        "address": (int, False),
        "baudrate": (int, False),
    },
    "keypad_bus": {
        "id": (str, True),
        "protocol": (str, True),
        "url": (str, True),
        "baudrate": (int, False),
        "teller_pads": (_INT_LIST, False),
        "evaluation_pads": (_INT_LIST, False),
    },
}
_CLASSES = {"printer": PrinterConf, "screen": ScreenConf, "keypad_bus": KeypadBusConf}


class _Lines:
    """Finds line numbers in the TOML text for tables and keys."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def header(self, table: str, index: int) -> int | None:
        pat = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
        seen = -1
        for no, line in enumerate(self.lines, 1):
            if pat.match(line):
                seen += 1
                if seen == index:
                    return no
        return None

    def key(self, table: str | None, index: int, key: str) -> int | None:
        start = 0 if table is None else (self.header(table, index) or 0)
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for no in range(start + 1 if table else 1, len(self.lines) + 1):
            line = self.lines[no - 1]
            if no > start and re.match(r"^\s*\[", line):
                break
            if pat.match(line):
                return no
        return start or None


def _type_ok(value: object, typ: object) -> bool:
    if typ == _INT_LIST:
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if isinstance(value, bool):
        return False
    return isinstance(value, typ)  # type: ignore[arg-type]


def _type_name(typ: object) -> str:
    if typ == _INT_LIST:
        return "a list of integers"
    if typ == (str, int):
        return "a string or an integer"
    return {str: "a string", int: "an integer"}[typ]  # type: ignore[index]


def parse(text: str, path: str = "<memory>") -> DevicesConfig:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise DevicesFileError(path, int(m.group(1)) if m else None, f"not valid TOML: {e}") from None
    lines = _Lines(text)

    def fail(table, index, key, problem):
        line = lines.key(table, index, key) if key else (lines.header(table, index) if table else None)
        raise DevicesFileError(path, line, problem)

    for key in doc:
        if key not in ("branch", *_SCHEMA):
            fail(None, 0, key, f"unknown key {key!r} (expected branch, printer, screen, keypad_bus)")
    if "branch" not in doc:
        raise DevicesFileError(path, 1, "missing field 'branch'")
    if not isinstance(doc["branch"], str) or not doc["branch"]:
        fail(None, 0, "branch", "'branch' must be a non-empty string")

    seen_ids: dict[str, str] = {}
    built: dict[str, list] = {t: [] for t in _SCHEMA}
    for table, schema in _SCHEMA.items():
        entries = doc.get(table, [])
        if not isinstance(entries, list):
            fail(None, 0, table, f"{table!r} must be an array of tables [[{table}]]")
        for i, entry in enumerate(entries):
            where = f"[[{table}]] #{i + 1}"
            for key in entry:
                if key not in schema:
                    fail(table, i, key, f"unknown key {key!r} in {where} (allowed: {', '.join(schema)})")
            for key, (typ, required) in schema.items():
                if key not in entry:
                    if required:
                        fail(table, i, None, f"missing field {key!r} in {where}")
                    continue
                if not _type_ok(entry[key], typ):
                    fail(table, i, key, f"{key!r} in {where} must be {_type_name(typ)}, got {entry[key]!r}")
            ident = entry["id"]
            if ident in seen_ids:
                fail(table, i, "id", f"duplicate id {ident!r} (already used by a {seen_ids[ident]})")
            seen_ids[ident] = table
            if table == "screen":
                if entry["protocol"] not in PROTOCOLS_SCREEN:
                    fail(
                        table, i, "protocol", f"screen protocol {entry['protocol']!r} is not one of {PROTOCOLS_SCREEN}"
                    )
                if entry["protocol"] == "candle" and not 0x20 <= entry.get("address", 1) <= 0x7F:
                    fail(
                        table,
                        i,
                        "address" if "address" in entry else None,
                        "a candle board address must be 32..127 (0x20..0x7F); lower bytes are framing",
                    )
                shows = entry["shows"]
                if isinstance(shows, str) and shows != "hall":
                    if shows.isdigit():
                        entry = {**entry, "shows": int(shows)}
                    else:
                        fail(table, i, "shows", f"'shows' must be \"hall\" or a counter number, got {shows!r}")
            if table == "keypad_bus":
                if entry["protocol"] not in PROTOCOLS_KEYPAD:
                    fail(
                        table, i, "protocol", f"keypad protocol {entry['protocol']!r} is not one of {PROTOCOLS_KEYPAD}"
                    )
                for k in ("teller_pads", "evaluation_pads"):
                    pads = entry.get(k, [])
                    if len(set(pads)) != len(pads) or any(not 1 <= p <= 99 for p in pads):
                        fail(table, i, k, f"{k!r} must be distinct counter numbers 1..99")
                entry = {
                    **entry,
                    "teller_pads": tuple(entry.get("teller_pads", ())),
                    "evaluation_pads": tuple(entry.get("evaluation_pads", ())),
                }
            built[table].append(_CLASSES[table](**entry))
    return DevicesConfig(
        doc["branch"], tuple(built["printer"]), tuple(built["screen"]), tuple(built["keypad_bus"]), path
    )


def load(path: str | Path) -> DevicesConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise DevicesFileError(str(p), None, f"cannot read: {e.strerror}") from None
    return parse(text, str(p))
