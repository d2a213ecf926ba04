"""Errors the service layer raises; the API turns each into its status and a JSON body
``{"message": ..., "code": ...}`` (docs/api.md): the message for people, the code for machines."""

from __future__ import annotations

from .rules.vocabulary import Refusal


class LobbyqError(Exception):
    status = 400
    code = Refusal.INVALID

    def __init__(self, message: str, code: Refusal | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def headers(self) -> dict[str, str]:
        return {}


class Unauthorized(LobbyqError):
    status = 401
    code = Refusal.UNAUTHORIZED


class Forbidden(LobbyqError):
    status = 403
    code = Refusal.FORBIDDEN


class NotFound(LobbyqError):
    status = 404
    code = Refusal.NOT_FOUND


class Conflict(LobbyqError):
    """An operation on a ticket or counter in the wrong state."""

    status = 409
    code = Refusal.CONFLICT


class BranchClosed(Conflict):
    """Outside the branch's opening hours; the message says when it opens (issue #13)."""

    code = Refusal.BRANCH_CLOSED


class SlotFull(Conflict):
    """The slot's last place went to another booking (issue #13)."""

    code = Refusal.SLOT_FULL


class Invalid(LobbyqError):
    status = 422
    code = Refusal.INVALID


class TooMany(LobbyqError):
    status = 429
    code = Refusal.TOO_MANY

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class Unavailable(LobbyqError):
    """The database does not answer (restarting, unreachable): nothing was done; the
    client may try again in a moment, as lobbyq reconnects by itself."""

    status = 503
    code = Refusal.UNAVAILABLE
    retry_after_s = 2

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
