"""Bearer tokens: random, shown once, stored as SHA-256; and who may do what."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ..errors import Forbidden, Invalid, Unauthorized
from ..rules.vocabulary import Role
from ..store import tokens
from ..store.database import transaction
from ..store.tokens import TokenRecord
from .context import Context


@dataclass(frozen=True)
class Principal:
    role: Role
    branch: str | None
    name: str
    token_hash: str

    def require(self, branch: str | None, *roles: Role) -> Principal:
        """Admins may do anything; everyone else only their roles, in their own branch."""
        if self.role == Role.ADMIN:
            return self
        if branch is not None and self.branch != branch:
            raise Forbidden(f"this token belongs to branch {self.branch!r}, not {branch!r}")
        if roles and self.role not in roles:
            raise Forbidden(f"role {self.role!r} may not do this; it needs {' or '.join(roles)}")
        return self


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(ctx: Context, role: str, branch: str | None, name: str) -> str:
    if role not in tuple(Role):
        raise Invalid(f"role must be one of {', '.join(Role)}")
    if role != Role.ADMIN and not branch:
        raise Invalid(f"a {role} token needs a branch")
    token = secrets.token_urlsafe(32)
    record = TokenRecord(hash_token(token), role, None if role == Role.ADMIN else branch, name)
    async with transaction(ctx.db) as tx:
        await tokens.add(tx, record, ctx.clock())
    return token


_known: dict[str, Principal] = {}


async def authenticate(ctx: Context, token: str | None) -> Principal:
    """Tokens never change once made, so a worker remembers the ones it has seen."""
    if not token:
        raise Unauthorized("missing bearer token")
    digest = hash_token(token)
    principal = _known.get(digest)
    if principal is None:
        async with ctx.db.read() as tx:
            record = await tokens.get(tx, digest)
        if record is None:
            raise Unauthorized("unknown token")
        principal = Principal(Role(record.role), record.branch, record.name, digest)
        if len(_known) < 100_000:
            _known[digest] = principal
    return principal
