"""``LOBBYQ_LOG_FORMAT=json``: one JSON object a line for lobbyq's and uvicorn's loggers, for
a log collector that indexes fields instead of parsing text. Tokens stay masked: the
masking filter sits on the loggers and runs before any handler formats a record."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from .request_id import WithRequestId

# The loggers whose lines lobbyq writes or serves: its own (children propagate to it) and
# uvicorn's (server messages, websocket lines, the access log).
LOGGERS = ("lobbyq", "drivers", "uvicorn", "uvicorn.error", "uvicorn.access")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            line["request_id"] = rid
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler):
    """Marks the handler this module installed, so a second app build does not add another."""


def use_json_logs(stream: IO[str] | None = None) -> None:
    """Replace the handlers of lobbyq's and uvicorn's loggers by one writing JSON lines."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        handler = _JsonHandler(stream or sys.stderr)
        handler.setFormatter(JsonLines())
        handler.addFilter(WithRequestId())
        logger.addHandler(handler)
        # each named logger writes its own lines once, not again through a parent's handler
        logger.propagate = False


def uvicorn_log_config() -> dict[str, object]:
    """The same JSON lines for uvicorn from its start, for ``lobbyq serve`` to pass: the
    supervisor of several workers never builds the app, so only this reaches its lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": WithRequestId}},
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["json"], "propagate": False} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
