"""Press simulated keypad keys from a terminal.

    python -m drivers.simulators.keypad_cli SOCKET press 1 call-next
    python -m drivers.simulators.keypad_cli SOCKET press 1 transfer 3
    python -m drivers.simulators.keypad_cli SOCKET rate 1 4
    python -m drivers.simulators.keypad_cli SOCKET restart 1      (the pads power-cycle)
    python -m drivers.simulators.keypad_cli SOCKET status

Keys: call-next recall skip start finish pause resume transfer postpone (or 1–9).
"""

from __future__ import annotations

import socket
import sys


def send(sock_path: str, line: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(sock_path)
        f = s.makefile("rw")
        f.write(line + "\n")
        f.flush()
        return f.readline().strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print(__doc__)
        return 2
    reply = send(argv[0], " ".join(argv[1:]))
    print(reply)
    return 0 if reply.startswith("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
