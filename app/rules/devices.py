"""A device's health as the device agent last reported it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceHealth:
    id: str
    kind: str
    status: str
    detail: str | None
    updated_at: float


# Statuses of a device that need a technician (a ``device.fault`` alert).
FAULTY = ("fault", "offline")
