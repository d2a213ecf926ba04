"""Every protocol vector of ``tests/drivers/data/vectors.toml``, byte for byte.

The data file names each vector's public source; docs/protocols.md shows them for people.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from drivers.protocol import alpha, candle, onbon, status
from drivers.protocol.escpos_ticket import TicketInfo, build_ticket
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize

DATA = tomllib.loads((Path(__file__).parent / "data" / "vectors.toml").read_text(encoding="utf-8"))
VECTORS = {v["id"]: v for v in DATA["vector"]}


def h(s: str) -> bytes:
    s = s.replace("A5×8", "A5 " * 8)
    return bytes.fromhex(s)


def v(vector_id: str) -> bytes:
    """The bytes of one vector of the data file."""
    return h(VECTORS[vector_id]["hex"])


# ---- Onbon (docs/protocols.md)
def test_crc16_arc_check():
    (check,) = [c for c in DATA["check"] if c["id"] == "onbon-crc16-arc"]
    assert onbon.crc16_arc(check["input"].encode("ascii")) == check["value"] == 0xBB3D


def test_onbon_ping_1a():
    assert onbon.ping() == v("onbon-ping")


def test_onbon_status_1b():
    assert onbon.status_query() == v("onbon-status")


def test_onbon_clear():
    assert onbon.clear_screen() == v("onbon-clear")


def test_onbon_broadcast_ping():
    assert onbon.ping(0xFFFE) == v("onbon-ping-broadcast")


VEC_1C = v("onbon-dynamic-area")
TEXT_1C = VECTORS["onbon-dynamic-area"]["text"]


def test_onbon_dynamic_area_1c():
    assert onbon.dynamic_area(TEXT_1C) == VEC_1C
    f = onbon.decode_frame(VEC_1C)
    assert f.text() == TEXT_1C == "A012 请到3号窗口" and f.dst == 1 and f.src == 0x8000


def test_onbon_ack_1d_decode():
    raw = v("onbon-ack")
    f = onbon.decode_frame(raw)
    assert f.is_ack and f.dst == 0x8000 and f.src == 1
    assert onbon.ack() == raw


def test_onbon_escaping_1e():
    raw = onbon.ping(0x00A5)
    assert raw == v("onbon-escaped-header")
    assert onbon.decode_frame(raw).dst == 0xA5


def test_onbon_official_escape_vector():
    assert onbon.PREAMBLE + onbon.escape(b"\xa5\x5a") + b"\x5a" == v("onbon-escape-official")
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


# ---- Alpha (docs/protocols.md)
V2A = v("alpha-all-signs")
V2B = v("alpha-address-3")


def test_alpha_2a_2b():
    a, b = VECTORS["alpha-all-signs"], VECTORS["alpha-address-3"]
    assert alpha.write_text(a["text"], address=a["address"]) == alpha.write_text("A012 -> 3") == V2A
    assert alpha.write_text(b["text"], address=b["address"]) == V2B
    f = alpha.decode(V2B)
    assert (f.address, f.text, f.position, f.mode) == (3, "A012 -> 3", alpha.POS_FILL, alpha.MODE_HOLD)


def test_alpha_bad_checksum():
    with pytest.raises(alpha.AlphaError):
        alpha.decode(V2A.replace(b"02E6", b"02E7"))


# ---- QSystem / Candle (docs/protocols.md)
def test_qsystem_frames():
    assert candle.key_frame(3, candle.KEY_CALL) == v("qsystem-key-call")
    assert candle.board_text(3, "012") == v("qsystem-display-steady")
    assert candle.board_text(3, "012", candle.BLINK_ALWAYS) == v("qsystem-display-blinking")
    assert candle.led(3, candle.LED_GREEN_BLINK_500) == v("qsystem-led-green-blink-500")
    assert candle.led(3, candle.LED_GREEN_BLINK_200 + candle.LED_BEEP_OFFSET) == v("qsystem-led-beep-green-blink-200")
    assert candle.board_text(0x22, "012 -3 ", candle.BLINK_ALWAYS) == v("candle-board-sender485")


def test_qsystem_reader_resyncs():
    r = candle.FrameReader()
    fr = r.feed(h("FF 07 01 03 31 07 01 02 01 05 32 07 01 03 20 30 31 32 07"))
    assert candle.key_frames(fr) == [(3, 0x31), (5, 0x32)]
    assert fr[-1].text == "012"


# ---- Modbus (docs/keypads.md) via pymodbus's own framer
def test_modbus_crc_vectors():
    from pymodbus.framer import FramerRTU
    from pymodbus.pdu import DecodePDU
    from pymodbus.pdu.bit_message import WriteSingleCoilRequest
    from pymodbus.pdu.register_message import ReadInputRegistersRequest, ReadInputRegistersResponse

    fr = FramerRTU(DecodePDU(False))
    assert fr.buildFrame(ReadInputRegistersRequest(address=0, count=2, dev_id=3)) == v("modbus-fc04-request")
    assert fr.buildFrame(ReadInputRegistersResponse(registers=[7, 1], dev_id=3)) == v("modbus-fc04-response")
    assert fr.buildFrame(WriteSingleCoilRequest(address=0, bits=[True], dev_id=103)) == v("modbus-fc05-lamp-on")
    _, pdu = FramerRTU(DecodePDU(False)).handleFrame(v("modbus-fc04-response"), 0, 0)
    assert pdu.registers == VECTORS["modbus-fc04-response"]["registers"] == [7, 1]


# ---- ESC/POS (docs/protocols.md)
def test_escpos_sequences():
    out = build_ticket(
        TicketInfo("上海南京路支行", "个人业务", "A012", 3, 10, "2026-11-22T09:31:05+08:00", "https://x/t/abc"),
        qr_size=6,
    )
    toks = tokenize(out)
    assert v("escpos-size-4x4") in out
    i = toks.index(("size", v("escpos-size-4x4")[-1]))
    assert [t for t in toks[i + 1 :] if t[0] != "esc"][0] == ("text", "A012") and ("size", 0x00) in toks[i:]
    assert texts(toks)[:2] == ["上海南京路支行", "个人业务"]
    assert qr_payload(toks) == VECTORS["escpos-qr"]["text"] == "https://x/t/abc"
    assert v("escpos-kanji-on") + "个人业务".encode("gb18030") + v("escpos-kanji-off") in out
    assert v("escpos-qr") in out
    assert len(out) <= 300


@pytest.mark.parametrize("s", DATA["status"], ids=lambda s: f"{s['query']}={s['byte']:02X}")
def test_dle_eot_status(s):
    query = h(s["query"])
    assert query in (status.DLE_EOT_PRINTER, status.DLE_EOT_PAPER)
    parse = status.parse_printer if query == status.DLE_EOT_PRINTER else status.parse_paper
    if s["means"] == "invalid":
        with pytest.raises(ValueError):
            parse(s["byte"])
    elif query == status.DLE_EOT_PRINTER:
        assert parse(s["byte"]) is (s["means"] == "online")
    else:
        assert parse(s["byte"]) == s["means"]


def test_dle_eot_status_covers_the_cases():
    seen = {(h(s["query"]), s["means"]) for s in DATA["status"]}
    assert {
        (status.DLE_EOT_PRINTER, "online"),
        (status.DLE_EOT_PRINTER, "offline"),
        (status.DLE_EOT_PAPER, "ok"),
        (status.DLE_EOT_PAPER, "near_end"),
        (status.DLE_EOT_PAPER, "out"),
        (status.DLE_EOT_PAPER, "invalid"),
    } <= seen


# ---- the data file itself
TESTED = {
    "onbon-ping",
    "onbon-status",
    "onbon-clear",
    "onbon-ping-broadcast",
    "onbon-dynamic-area",
    "onbon-ack",
    "onbon-escaped-header",
    "onbon-escape-official",
    "alpha-all-signs",
    "alpha-address-3",
    "qsystem-key-call",
    "qsystem-display-steady",
    "qsystem-display-blinking",
    "qsystem-led-green-blink-500",
    "qsystem-led-beep-green-blink-200",
    "candle-board-sender485",
    "modbus-fc04-request",
    "modbus-fc04-response",
    "modbus-fc05-lamp-on",
    "escpos-kanji-on",
    "escpos-kanji-off",
    "escpos-size-4x4",
    "escpos-qr",
}


def test_every_vector_in_the_data_file_is_tested():
    assert set(VECTORS) == TESTED
    assert len(VECTORS) == len(DATA["vector"]), "duplicate vector id"


def test_every_vector_names_a_known_source():
    for item in (*DATA["vector"], *DATA["check"], *DATA["status"]):
        assert item["source"] in DATA["sources"], item
    for vec in DATA["vector"]:
        assert isinstance(vec["confirmed"], bool) and vec["title"], vec["id"]
