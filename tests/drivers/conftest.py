"""Shared fixtures for driver tests: a short-lived directory for pty symlinks."""

from __future__ import annotations

import logging
import tempfile

import pytest

logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


@pytest.fixture
def ptydir():
    with tempfile.TemporaryDirectory(prefix="lq-") as d:
        yield d
