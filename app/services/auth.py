"""Bearer tokens: random, shown once, stored as SHA-256, revocable, optionally expiring;
and who may do what."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace

from ..errors import Forbidden, Invalid, NotFound, Unauthorized
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


# The wake-up key that tells every worker "a token changed: forget the ones you know".
TOKENS_CHANGED = "~tokens"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(token: str) -> str:
    """The token's public name in lists and revocations."""
    return hash_token(token)[: tokens.ID_LENGTH]


async def create_token(
    ctx: Context, role: str, branch: str | None, name: str, expires_in_s: float | None = None
) -> str:
    if role not in tuple(Role):
        raise Invalid(f"role must be one of {', '.join(Role)}")
    if role != Role.ADMIN and not branch:
        raise Invalid(f"a {role} token needs a branch")
    if expires_in_s is not None and expires_in_s <= 0:
        raise Invalid("a token's lifetime must be positive")
    token = secrets.token_urlsafe(32)
    now = ctx.clock()
    expires_at = None if expires_in_s is None else now + expires_in_s
    record = TokenRecord(hash_token(token), role, None if role == Role.ADMIN else branch, name, now, expires_at)
    async with transaction(ctx.db) as tx:
        await tokens.add(tx, record, now)
    return token


async def list_tokens(ctx: Context, branch: str | None = None) -> list[TokenRecord]:
    async with ctx.db.read() as tx:
        return await tokens.listed(tx, branch)


async def revoke_token(ctx: Context, token_id: str) -> TokenRecord:
    """Revoked at once on this worker, and on the others as soon as the bus tells them
    (within ``LOBBYQ_TOKEN_RECHECK_S`` should it not)."""
    now = ctx.clock()
    async with transaction(ctx.db) as tx:
        record = await tokens.by_id(tx, token_id)
        if record is None:
            raise NotFound(f"no token with id {token_id!r}")
        await tokens.revoke(tx, token_id, now, ctx.bus.notify_channel, f"{TOKENS_CHANGED}:{int(now)}")
    forget_tokens(ctx)
    await ctx.bus.publish(TOKENS_CHANGED, int(now))
    return replace(record, revoked_at=record.revoked_at or now)


def forget_tokens(ctx: Context) -> None:
    ctx.principals.clear()


async def authenticate(ctx: Context, token: str | None) -> Principal:
    """A worker trusts a token it has checked for ``LOBBYQ_TOKEN_RECHECK_S``, or until a
    revocation's wake-up."""
    if not token:
        raise Unauthorized("missing bearer token")
    digest = hash_token(token)
    now = ctx.clock()
    known = ctx.principals.get(digest)
    if known is None or now - known[1] >= ctx.settings.token_recheck_s:
        async with ctx.db.read() as tx:
            record = await tokens.get(tx, digest)
        if record is None:
            ctx.principals.pop(digest, None)
            raise Unauthorized("unknown token")
        if record.revoked_at is not None:
            ctx.principals.pop(digest, None)
            raise Unauthorized("this token was revoked")
        known = (Principal(Role(record.role), record.branch, record.name, digest), now, record.expires_at)
        if len(ctx.principals) < 100_000:
            ctx.principals[digest] = known
    principal, _, expires_at = known
    if expires_at is not None and now >= expires_at:
        raise Unauthorized("this token has expired")
    return principal
