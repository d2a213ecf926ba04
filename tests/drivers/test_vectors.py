"""Every ✔ vector of /work/shared/protocols/VECTORS.md, byte for byte."""
from __future__ import annotations

import pytest

from drivers.protocol import alpha, candle, onbon, status
from drivers.protocol.escpos_ticket import TicketInfo, build_ticket
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize


def h(s: str) -> bytes:
    s = s.replace("A5×8", "A5 " * 8)
    return bytes.fromhex(s)


# ---- Onbon §1
def test_crc16_arc_check():
    assert onbon.crc16_arc(b"123456789") == 0xBB3D


def test_onbon_ping_1a():
    assert onbon.ping() == h("A5 A5 A5 A5 A5 A5 A5 A5 01 00 00 80 00 00 00 00 00 00 FE 02 05 00 A2 00 01 00 00 68 F8 5A")


def test_onbon_status_1b():
    assert onbon.status_query() == h("A5×8 01 00 00 80 00 00 00 00 00 00 FE 02 05 00 A1 02 01 00 00 2D 40 5A")


def test_onbon_clear():
    assert onbon.clear_screen() == h("A5×8 01 00 00 80 00 00 00 00 00 00 FE 02 05 00 A3 10 01 00 00 51 F8 5A")


def test_onbon_broadcast_ping():
    assert onbon.ping(0xFFFE) == h("A5×8 FE FF 00 80 00 00 00 00 00 00 FE 02 05 00 A2 00 01 00 00 4C DC 5A")


VEC_1C = h("""A5 A5 A5 A5 A5 A5 A5 A5 01 00 00 80 00 00 00 00 00 00 FE 02 34 00
A3 06 01 00 00 00 01 2B 00 00 00 00 00 00 10 00 20 00 00 00 00 02 00
00 00 00 01 01 01 00 00 0A 10 00 00 00 41 30 31 32 20 C7 EB B5 BD 33
BA C5 B4 B0 BF DA 60 C4 5A""")


def test_onbon_dynamic_area_1c():
    assert onbon.dynamic_area("A012 请到3号窗口") == VEC_1C
    f = onbon.decode_frame(VEC_1C)
    assert f.text() == "A012 请到3号窗口" and f.dst == 1 and f.src == 0x8000


def test_onbon_ack_1d_decode():
    raw = h("A5×8 00 80 01 00 00 00 00 00 00 00 FE 02 05 00 A0 00 00 00 00 64 DC 5A")
    f = onbon.decode_frame(raw)
    assert f.is_ack and f.dst == 0x8000 and f.src == 1
    assert onbon.ack() == raw


def test_onbon_escaping_1e():
    raw = onbon.ping(0x00A5)
    assert raw == h("A5×8 A6 02 00 00 80 00 00 00 00 00 00 FE 02 05 00 A2 00 01 00 00 3B D1 5A")
    assert onbon.decode_frame(raw).dst == 0xA5


def test_onbon_official_escape_vector():
    assert onbon.PREAMBLE + onbon.escape(b"\xa5\x5a") + b"\x5a" == h("A5×8 A6 02 5B 02 5A")
    for b in (b"\xa5\xa6\x5a\x5b\x00", bytes(range(256))):
        assert onbon.unescape(onbon.escape(b)) == b


def test_onbon_bad_crc_refused():
    bad = bytearray(VEC_1C)
    bad[-3] ^= 1
    with pytest.raises(onbon.OnbonError):
        onbon.decode_frame(bytes(bad))


def test_onbon_reader_splits_stream():
    r = onbon.FrameReader()
    stream = b"\x00junk" + onbon.ping() + onbon.ping(0xA5) + VEC_1C[:10]
    frames = r.feed(stream)
    assert [onbon.decode_frame(f).dst for f in frames] == [1, 0xA5]
    assert [onbon.decode_frame(f).text() for f in r.feed(VEC_1C[10:])] == ["A012 请到3号窗口"]


# ---- Alpha §2
V2A = h("00 00 00 00 00 01 5A 30 30 02 41 41 1B 30 62 41 30 31 32 20 2D 3E 20 33 03 30 32 45 36 04")
V2B = h("00 00 00 00 00 01 5A 30 33 02 41 41 1B 30 62 41 30 31 32 20 2D 3E 20 33 03 30 32 45 36 04")


def test_alpha_2a_2b():
    assert alpha.write_text("A012 -> 3") == V2A
    assert alpha.write_text("A012 -> 3", address=3) == V2B
    f = alpha.decode(V2B)
    assert (f.address, f.text, f.position, f.mode) == (3, "A012 -> 3", alpha.POS_FILL, alpha.MODE_HOLD)


def test_alpha_bad_checksum():
    with pytest.raises(alpha.AlphaError):
        alpha.decode(V2A.replace(b"02E6", b"02E7"))


# ---- QSystem / Candle §3
def test_qsystem_frames():
    assert candle.key_frame(3, candle.KEY_CALL) == h("01 03 31 07")
    assert candle.board_text(3, "012") == h("01 03 20 30 31 32 07")
    assert candle.board_text(3, "012", candle.BLINK_ALWAYS) == h("01 03 21 30 31 32 07")
    assert candle.led(3, candle.LED_GREEN_BLINK_500) == h("01 03 36 07")
    assert candle.led(3, candle.LED_GREEN_BLINK_200 + candle.LED_BEEP_OFFSET) == h("01 03 3B 07")
    assert candle.board_text(0x22, "012 -3 ", candle.BLINK_ALWAYS) == h("01 22 21 30 31 32 20 2D 33 20 07")


def test_qsystem_reader_resyncs():
    r = candle.FrameReader()
    fr = r.feed(h("FF 07 01 03 31 07 01 02 01 05 32 07 01 03 20 30 31 32 07"))
    assert candle.key_frames(fr) == [(3, 0x31), (5, 0x32)]
    assert fr[-1].text == "012"


# ---- Modbus §4 via pymodbus's own framer
def test_modbus_crc_vectors():
    from pymodbus.framer import FramerRTU
    from pymodbus.pdu import DecodePDU
    from pymodbus.pdu.bit_message import WriteSingleCoilRequest
    from pymodbus.pdu.register_message import ReadInputRegistersRequest, ReadInputRegistersResponse

    fr = FramerRTU(DecodePDU(False))
    assert fr.buildFrame(ReadInputRegistersRequest(address=0, count=2, dev_id=3)) == h("03 04 00 00 00 02 70 29")
    assert fr.buildFrame(ReadInputRegistersResponse(registers=[7, 1], dev_id=3)) == h("03 04 04 00 07 00 01 A8 45")
    assert fr.buildFrame(WriteSingleCoilRequest(address=0, bits=[True], dev_id=103)) == h("67 05 00 00 FF 00 85 FC")
    _, pdu = FramerRTU(DecodePDU(False)).handleFrame(h("03 04 04 00 07 00 01 A8 45"), 0, 0)
    assert pdu.registers == [7, 1]


# ---- ESC/POS §5
def test_escpos_sequences():
    out = build_ticket(TicketInfo("上海南京路支行", "个人业务", "A012", 3, 600,
                                  "2026-11-22T09:31:05+08:00", "https://x/t/abc"), qr_size=6)
    toks = tokenize(out)
    i = toks.index(("size", 0x33))
    assert [t for t in toks[i + 1:] if t[0] != "esc"][0] == ("text", "A012") and ("size", 0x00) in toks[i:]
    assert texts(toks)[:2] == ["上海南京路支行", "个人业务"]
    assert qr_payload(toks) == "https://x/t/abc"
    assert b"\x1c\x26" + "个人业务".encode("gb18030") + b"\x1c\x2e" in out
    qr = h("""1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 06 1D 28 6B 03 00 31 45 31
    1D 28 6B 12 00 31 50 30 68 74 74 70 73 3A 2F 2F 78 2F 74 2F 61 62 63 1D 28 6B 03 00 31 51 30""")
    assert qr in out
    assert len(out) <= 300


def test_dle_eot_status():
    assert status.parse_printer(0x12) and status.parse_printer(0x16)
    assert not status.parse_printer(0x1A)
    assert status.parse_paper(0x12) == "ok"
    assert status.parse_paper(0x1E) == "near_end"
    assert status.parse_paper(0x72) == "out" and status.parse_paper(0x7E) == "out"
    with pytest.raises(ValueError):
        status.parse_paper(0x00)
