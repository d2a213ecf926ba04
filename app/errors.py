"""Errors the service layer raises; the API turns each into its status and a JSON message."""

from __future__ import annotations


class LobbyqError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Unauthorized(LobbyqError):
    status = 401


class Forbidden(LobbyqError):
    status = 403


class NotFound(LobbyqError):
    status = 404


class Conflict(LobbyqError):
    """An operation on a ticket or counter in the wrong state."""

    status = 409


class Invalid(LobbyqError):
    status = 422


class TooMany(LobbyqError):
    status = 429
