"""Waiting for something that happens on another task, thread or process."""

from __future__ import annotations

import asyncio
import time


async def until(pred, timeout: float = 5.0, step: float = 0.02):
    """Poll ``pred()`` (plain or async) until it is truthy; its value, or False at the timeout."""
    end = time.monotonic() + timeout
    while True:
        result = pred()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > end:
            return False
        await asyncio.sleep(step)
