"""What no log line may hold: tokens and tracking codes, whatever the log level.

Uvicorn logs each request's path with its query; a display's stream takes its token in
``?token=`` and a customer's tracking link is a secret path (``/t/{code}``). The filter
masks them in every record of the loggers it is put on.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
_SECRETS = (
    # ?token=… or &token=… (also access_token, the name some proxies use)
    re.compile(r"(?P<keep>[?&](?:access_)?token=)[^&\s\"']+"),
    # a customer's tracking code in the path: /t/{code}, /api/v1/track/{code}[/cancel],
    # a booking's code, /api/v1/bookings/{code}[/change|/cancel], and a remote ticket's
    re.compile(r"(?P<keep>/(?:t|api/v1/track|api/v1/bookings|api/v1/remote)/)[^/?\s\"']+"),
)
# The loggers that write request lines: uvicorn's access log and its websocket lines
# (a logger's filter sees only what is logged to that logger itself, so each is named).
REQUEST_LOGGERS = ("uvicorn.access", "uvicorn.error")


def masked(text: str) -> str:
    for secret in _SECRETS:
        text = secret.sub(lambda m: m.group("keep") + MASK, text)
    return text


class MaskSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = masked(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(masked(a) if isinstance(a, str) else a for a in record.args)
        return True


def mask_request_logs() -> None:
    """Put the filter on the request loggers once (a worker may build its app twice)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
