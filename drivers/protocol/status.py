"""ESC/POS real-time status (DLE EOT n), parsed.

Why: we must distinguish "paper OK" from "no answer"; the caller applies its own short
timeout, and only a well-formed status byte (b0=0, b1=1, b4=1, b7=0) counts as an answer.
Reference: docs/protocols.md (ESC/POS, DLE EOT; Epson TM-T88III p.304).
"""

from __future__ import annotations

from dataclasses import dataclass

DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"


def valid(b: int) -> bool:
    return (b & 0x93) == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: str  # "ok" | "near_end" | "out"

    @property
    def health(self) -> tuple[str, str]:
        if not self.online:
            return "fault", "printer offline"
        if self.paper == "out":
            return "fault", "out of paper"
        if self.paper == "near_end":
            return "warning", "paper near end"
        return "ok", ""


def parse_printer(b: int) -> bool:
    """DLE EOT 1 → online?  Raises ValueError for a byte that is not a status byte."""
    if not valid(b):
        raise ValueError(f"not a DLE EOT 1 status byte: 0x{b:02X}")
    return not (b & 0x08)


def parse_paper(b: int) -> str:
    """DLE EOT 4 → "ok" | "near_end" | "out"."""
    if not valid(b):
        raise ValueError(f"not a DLE EOT 4 status byte: 0x{b:02X}")
    if b & 0x60:
        return "out"
    if b & 0x0C:
        return "near_end"
    return "ok"


def printer_byte(online: bool) -> int:
    return 0x12 | (0 if online else 0x08)


def paper_byte(paper: str) -> int:
    return {"ok": 0x12, "near_end": 0x1E, "out": 0x72}[paper]
