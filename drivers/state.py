"""Small durable state of the agent: last-seen keypad counters and the action outbox.

Why: "a restart neither loses nor replays a press". The keypad bus records the counter it
has acted on *and* the resulting API action in one atomic write (write temp, fsync,
rename), so after a crash the pending action is re-posted and the counter is not acted on
again. The window between a successful POST and the removal from the outbox can replay
one action after a crash at exactly that moment (at-least-once); the API answers a
repeated state change with 409, which the poster logs and drops.

Counters older than ``max_age_s`` are not trusted: after a long outage the pads were used
without us (or replaced), so the bus re-baselines instead of acting on old presses.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path


class AgentState:
    def __init__(self, path: str | Path | None, max_age_s: float = 120.0) -> None:
        self.path = Path(path) if path else None
        self.max_age_s = max_age_s
        self.counters: dict[str, int] = {}
        self.outbox: list[dict] = []
        self.saved_at: float | None = None
        self._lock = threading.Lock()
        self._next_id = 1
        self._load()

    def _load(self) -> None:
        if not self.path or not self.path.exists():
            return
        try:
            doc = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        self.saved_at = doc.get("saved_at")
        fresh = self.saved_at is not None and time.time() - self.saved_at <= self.max_age_s
        if fresh:
            self.counters = {k: int(v) for k, v in doc.get("counters", {}).items()}
        self.outbox = list(doc.get("outbox", []))  # pending actions are always kept
        self._next_id = max([a.get("id", 0) for a in self.outbox] + [0]) + 1

    def save(self) -> None:
        if not self.path:
            return
        with self._lock:
            doc = {"saved_at": time.time(), "counters": self.counters, "outbox": self.outbox}
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w") as f:
                json.dump(doc, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)

    def record(self, key: str, counter: int, action: dict | None) -> None:
        """Atomically: counter ``key`` seen up to ``counter``; ``action`` queued for posting."""
        self.counters[key] = counter
        if action is not None:
            action = {**action, "id": self._next_id}
            self._next_id += 1
            self.outbox.append(action)
        self.save()

    def enqueue(self, action: dict) -> None:
        """Queue an action that has no counter of its own (QSystem pads are edge frames)."""
        self.outbox.append({**action, "id": self._next_id})
        self._next_id += 1
        self.save()

    def done(self, action_id: int) -> None:
        self.outbox = [a for a in self.outbox if a.get("id") != action_id]
        self.save()
