"""Bearer tokens: random, shown once, stored as SHA-256; and who may do what."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select

from ..errors import Forbidden, Invalid, Unauthorized
from ..store.tables import tokens
from .context import Context

ROLES = ("admin", "manager", "teller", "kiosk", "display", "agent")
STAFF = ("manager", "teller", "agent")


@dataclass(frozen=True)
class Principal:
    role: str
    branch: str | None
    name: str
    token_hash: str

    def require(self, branch: str | None, *roles: str) -> "Principal":
        """Admins may do anything; everyone else only their roles, in their own branch."""
        if self.role == "admin":
            return self
        if branch is not None and self.branch != branch:
            raise Forbidden(f"this token belongs to branch {self.branch!r}, not {branch!r}")
        if roles and self.role not in roles:
            raise Forbidden(f"role {self.role!r} may not do this; it needs {' or '.join(roles)}")
        return self


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(ctx: Context, role: str, branch: str | None, name: str) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and not branch:
        raise Invalid(f"a {role} token needs a branch")
    token = secrets.token_urlsafe(32)
    async with ctx.db.writer.begin() as conn:
        await conn.execute(insert(tokens).values(
            hash=hash_token(token), role=role, branch=None if role == "admin" else branch, name=name,
            created_at=ctx.clock(),
        ))
    return token


_known: dict[str, Principal] = {}


async def authenticate(ctx: Context, token: str | None) -> Principal:
    """Tokens never change once made, so a worker remembers the ones it has seen."""
    if not token:
        raise Unauthorized("missing bearer token")
    digest = hash_token(token)
    principal = _known.get(digest)
    if principal is None:
        async with ctx.db.reader.connect() as conn:
            row = (await conn.execute(select(tokens).where(tokens.c.hash == digest))).first()
        if row is None:
            raise Unauthorized("unknown token")
        principal = Principal(row.role, row.branch, row.name, digest)
        if len(_known) < 100_000:
            _known[digest] = principal
    return principal
