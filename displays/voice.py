"""Server-side call announcements: phrase text, espeak-ng rendering, WAV cache.

The hall page plays a chime and then the WAV served here for every call and
recall.  Rendering runs offline with Debian's espeak-ng; each phrase is rendered
once and cached on disk (the set of phrases a branch speaks is small and
repeats every day).  Inputs are validated strictly because they end up on a
command line and in a file name.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import re
import shutil
import struct
import tempfile
import wave
import weakref
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

TICKET_RE = re.compile(r"^([A-Z]{1,3})(\d{3,4})$")
VOICES = {"zh-CN": "cmn-latn-pinyin", "en": "en"}
MAX_COUNTER = 999
# Upper bound on cached phrases: the URL space is large (any prefix, any
# number), so a crawler must not be able to fill the disk.
MAX_CACHED = 5000

router = APIRouter()


def parse_ticket(number: str) -> tuple[str, str]:
    """Split "A012" into ("A", "012"); ValueError when it is not a ticket number."""
    m = TICKET_RE.match(number)
    if not m:
        raise ValueError(f"not a ticket number: {number!r}")
    return m.group(1), m.group(2)


def phrase(locale: str, number: str, counter: int) -> str:
    """The sentence spoken for a call, digits one by one so "012" is not "twelve"."""
    if locale not in VOICES:
        raise ValueError(f"unsupported locale: {locale!r}")
    if not 1 <= counter <= MAX_COUNTER:
        raise ValueError(f"counter out of range: {counter}")
    prefix, digits = parse_ticket(number)
    if locale == "zh-CN":
        spelled = " ".join(prefix + digits)
        return f"请 {spelled} 号 到 {counter} 号窗口"
    # English: a comma after each letter, or espeak reads a lone "A" as the article.
    letters = " ".join(f"{c}," for c in prefix)
    return f"Number {letters} {' '.join(digits)}, please go to counter {counter}"


def espeak_binary() -> str:
    exe = shutil.which("espeak-ng")
    if not exe:
        raise RuntimeError("espeak-ng is not installed (Debian package espeak-ng)")
    return exe


def phonemes(locale: str, text: str) -> str:
    """espeak-ng's phoneme transcription of a phrase: what the voice will actually say."""
    import subprocess

    out = subprocess.run(
        [espeak_binary(), "-q", "-x", "-v", VOICES[locale], text],
        check=True,
        capture_output=True,
        text=True,
        timeout=20,
    )
    return out.stdout.strip()


def cache_dir() -> Path:
    """Where rendered phrases live: LOBBYQ_VOICE_CACHE, else the user cache dir."""
    configured = os.environ.get("LOBBYQ_VOICE_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lobbyq" / "voice"


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


# One render at a time (per event loop): a burst of distinct phrases must not
# fork a process per request on a small branch PC.
_render_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _render_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _render_locks.get(loop)
    if lock is None:
        lock = _render_locks[loop] = asyncio.Lock()
    return lock


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("*.wav"), key=lambda p: p.stat().st_mtime)
    for old in files[: max(0, len(files) - MAX_CACHED)]:
        old.unlink(missing_ok=True)


async def render(locale: str, number: str, counter: int) -> Path:
    """Path of the cached WAV for this call, rendering it first if needed."""
    text = phrase(locale, number, counter)
    directory = cache_dir() / locale
    target = directory / f"{number}-{counter}.wav"
    if target.exists():
        return target
    async with _render_lock():
        if target.exists():  # rendered while we waited
            return target
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav", dir=directory)
        os.close(fd)
        try:
            proc = await asyncio.create_subprocess_exec(
                espeak_binary(),
                "-v",
                VOICES[locale],
                "-s",
                "150",
                "-w",
                tmp,
                text,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
            if proc.returncode != 0:
                raise RuntimeError(f"espeak-ng failed: {err.decode(errors='replace')}")
            os.replace(tmp, target)  # atomic: readers never see half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _prune(directory)
    return target


@lru_cache(maxsize=1)
def chime_wav() -> bytes:
    """A soft two-tone "ding-dong" (E6 then C6) made here, so nothing is downloaded."""
    rate = 22050
    frames = bytearray()
    for freq, seconds in ((1318.5, 0.45), (1046.5, 0.75)):
        n = int(rate * seconds)
        for i in range(n):
            t = i / rate
            envelope = math.exp(-4.0 * t) * min(1.0, i / (0.005 * rate))
            sample = 0.45 * envelope * (math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t))
            frames += struct.pack("<h", int(max(-1.0, min(1.0, sample)) * 32767))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


@router.get("/voice/chime.wav", include_in_schema=False)
async def get_chime() -> Response:
    return Response(chime_wav(), media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/voice/{locale}/{number}/{counter}.wav", include_in_schema=False)
async def get_voice(locale: str, number: str, counter: str) -> FileResponse:
    # Strict validation before anything touches the disk or a command line.
    if locale not in VOICES:
        raise HTTPException(404, "unknown voice locale")
    if not TICKET_RE.match(number):
        raise HTTPException(422, "ticket number must look like A012")
    if not re.fullmatch(r"[0-9]{1,3}", counter) or not 1 <= int(counter) <= MAX_COUNTER:
        raise HTTPException(422, "counter must be a number from 1 to 999")
    try:
        path = await render(locale, number, int(counter))
    except RuntimeError as exc:
        raise HTTPException(503, str(exc)) from exc
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})
