"""Voice: phrase text, espeak-ng phonemes, rendered WAV, endpoint validation."""

from __future__ import annotations

import asyncio
import io
import shutil
import threading
import wave

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from displays import voice

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

# espeak-ng 1.51 (Debian bookworm), voice cmn-latn-pinyin: qǐng A líng yī èr hào dào sān hào chuāng kǒu,
# digits spoken one by one ("líng yī èr", never "shí'èr").
ZH_A012_3 = "tS;h'i21N_| 'ei51_| l'i35N_| j'i55_| '@r51_| X'Au51_| t'Au51_| s'a55n_| X'Au51_| ts.hw'A55N_| kh'ou214_|"
# English: the letter as a letter ('eI, not the article), then zero one two.
EN_A012_3 = "n'Vmb3r- 'eI z'i@roU w'0n t'u: pl'i:z g,oU t@ k'aUnt3 Tr'i:"


def test_phrase_spells_digits_one_by_one():
    assert voice.phrase("zh-CN", "A012", 3) == "请 A 0 1 2 号 到 3 号窗口"
    assert voice.phrase("en", "A012", 3) == "Number A, 0 1 2, please go to counter 3"
    assert voice.phrase("zh-CN", "VIP0007", 12) == "请 V I P 0 0 0 7 号 到 12 号窗口"


@pytest.mark.parametrize(
    "number, counter", [("a012", 3), ("A12", 3), ("ABCD012", 3), ("A012;rm", 3), ("A012", 0), ("A012", 1000)]
)
def test_phrase_refuses_bad_input(number, counter):
    with pytest.raises(ValueError):
        voice.phrase("zh-CN", number, counter)


def test_phonemes_mandarin():
    text = voice.phrase("zh-CN", "A012", 3)
    assert " ".join(voice.phonemes("zh-CN", text).split()) == ZH_A012_3


def test_phonemes_english():
    text = voice.phrase("en", "A012", 3)
    assert " ".join(voice.phonemes("en", text).split()) == EN_A012_3


def run_async(coro):
    """asyncio.run in a thread: the session's sync Playwright owns this thread's loop."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("v", asyncio.run(coro)))
    thread.start()
    thread.join(60)
    return box["v"]


def test_render_caches_a_wav_longer_than_a_second(tmp_path, monkeypatch):
    monkeypatch.setenv("LOBBYQ_VOICE_CACHE", str(tmp_path))
    path = run_async(voice.render("zh-CN", "A012", 3))
    assert path.exists() and path.parent.parent == tmp_path
    assert voice.wav_duration(path) > 1.0
    mtime = path.stat().st_mtime_ns
    again = run_async(voice.render("zh-CN", "A012", 3))  # cached: not rendered twice
    assert again == path and path.stat().st_mtime_ns == mtime
    en = run_async(voice.render("en", "B007", 12))
    assert voice.wav_duration(en) > 1.0


def test_endpoint_serves_wav_and_validates(tmp_path, monkeypatch):
    monkeypatch.setenv("LOBBYQ_VOICE_CACHE", str(tmp_path))
    app = FastAPI()
    app.include_router(voice.router)
    client = TestClient(app)
    r = client.get("/voice/zh-CN/A012/3.wav")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    for bad in [
        "/voice/zh-CN/a012/3.wav",
        "/voice/zh-CN/A01/3.wav",
        "/voice/zh-CN/A012/0.wav",
        "/voice/zh-CN/A012/1000.wav",
        "/voice/zh-CN/A012/%EF%BC%93.wav",
        "/voice/fr/A012/3.wav",
        "/voice/zh-CN/..%2FA012/3.wav",
    ]:
        assert client.get(bad).status_code in (404, 422), bad
    chime = client.get("/voice/chime.wav")
    with wave.open(io.BytesIO(chime.content)) as w:
        assert 0.5 < w.getnframes() / w.getframerate() < 2.0
