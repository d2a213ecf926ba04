"""The wake-up bus: after a commit, "branch B has events up to seq S".

The bus carries only that wake-up. What a client receives, and in what order, always
comes from the events table, so a lost wake-up costs latency, never an event.
``LocalBus`` is the in-process bus; ``buses`` has the cross-worker ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

Listener = Callable[[str, int], None]


class LocalBus:
    """Wake-ups within one process."""

    # The PostgreSQL channel a unit of work's commit notifies "branch:seq" on, in its own
    # transaction (the LISTEN/NOTIFY bus), or None.
    notify_channel: str | None = None

    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = defaultdict(set)

    def subscribe(self, branch: str, listener: Listener) -> Callable[[], None]:
        self._listeners[branch].add(listener)
        return lambda: self._listeners[branch].discard(listener)

    def deliver(self, branch: str, seq: int) -> None:
        for listener in list(self._listeners.get(branch, ())):
            listener(branch, seq)

    async def publish(self, branch: str, seq: int) -> None:
        """Called just after that commit."""
        self.deliver(branch, seq)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass
