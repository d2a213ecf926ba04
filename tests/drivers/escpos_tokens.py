"""A small independent ESC/POS tokenizer for tests: text runs (GB18030 inside FS & … FS .),
size commands and the QR payload. Written from the command reference, not from our encoder."""

from __future__ import annotations


def tokenize(data: bytes) -> list[tuple]:
    out: list[tuple] = []
    i, n = 0, len(data)
    kanji = False
    text = bytearray()

    def flush():
        if text:
            out.append(("text", text.decode("gb18030" if kanji else "ascii")))
            text.clear()

    while i < n:
        b = data[i]
        if b == 0x1B:  # ESC
            flush()
            c = data[i + 1]
            if c == 0x40:
                out.append(("init",))
                i += 2
            elif c in (0x61, 0x74, 0x21, 0x45, 0x2D, 0x4D, 0x64):
                out.append(("esc", chr(c), data[i + 2]))
                i += 3
            else:
                raise ValueError(f"unknown ESC {c:02X} at {i}")
        elif b == 0x1D:  # GS
            flush()
            c = data[i + 1]
            if c == 0x21:
                out.append(("size", data[i + 2]))
                i += 3
            elif c == 0x28 and data[i + 2] == 0x6B:
                ln = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + ln]
                out.append(("qr", body[1], bytes(body[2:])))
                i += 5 + ln
            elif c == 0x56:
                m = data[i + 2]
                i += 4 if m in (0x41, 0x42, 65, 66) else 3
                out.append(("cut",))
            else:
                raise ValueError(f"unknown GS {c:02X} at {i}")
        elif b == 0x1C:  # FS
            flush()
            c = data[i + 1]
            kanji = c == 0x26
            i += 2
        elif b == 0x0A:
            flush()
            out.append(("lf",))
            i += 1
        else:
            text.append(b)
            i += 1
    flush()
    return out


def texts(tokens) -> list[str]:
    return [t[1] for t in tokens if t[0] == "text"]


def qr_payload(tokens) -> str | None:
    for t in tokens:
        if t[0] == "qr" and t[1] == 0x50:  # fn 180 store: m='0' then data
            return t[2][1:].decode("utf-8")
    return None
