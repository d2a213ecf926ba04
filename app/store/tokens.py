"""API tokens, stored as the SHA-256 of the token; their public id is the hash's first
characters, so a list can name a token without revealing anything that opens a door."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, bindparam, cast, func, insert, select, update

from .statement import Statement
from .tables import tokens
from .transaction import Transaction, first

ID_LENGTH = 12


@dataclass(frozen=True)
class TokenRecord:
    hash: str
    role: str
    branch: str | None
    name: str
    created_at: float = 0.0
    expires_at: float | None = None
    revoked_at: float | None = None

    @property
    def id(self) -> str:
        return self.hash[:ID_LENGTH]


_COLUMNS = (
    tokens.c.hash,
    tokens.c.role,
    tokens.c.branch,
    tokens.c.name,
    tokens.c.created_at,
    tokens.c.expires_at,
    tokens.c.revoked_at,
)
_ADD = Statement(insert(tokens))
_GET = Statement(select(*_COLUMNS).where(tokens.c.hash == bindparam("hash")))
_BY_ID = Statement(select(*_COLUMNS).where(tokens.c.id == bindparam("id")))
_ALL = Statement(select(*_COLUMNS).order_by(tokens.c.created_at, tokens.c.id))
_OF_BRANCH = Statement(
    select(*_COLUMNS).where(tokens.c.branch == bindparam("branch")).order_by(tokens.c.created_at, tokens.c.id)
)
_REVOKE = Statement(
    update(tokens)
    .where(tokens.c.id == bindparam("id"), tokens.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
)
# Other workers hear of a revocation at the commit (PostgreSQL without Redis).
_NOTIFY = Statement(select(func.pg_notify(cast(bindparam("channel"), Text), cast(bindparam("payload"), Text))))


async def add(tx: Transaction, record: TokenRecord, at: float) -> None:
    await tx.execute(
        _ADD,
        {
            "hash": record.hash,
            "id": record.id,
            "role": record.role,
            "branch": record.branch,
            "name": record.name,
            "created_at": at,
            "expires_at": record.expires_at,
            "revoked_at": None,
        },
    )


async def get(tx: Transaction, token_hash: str) -> TokenRecord | None:
    row = await first(tx, _GET, {"hash": token_hash})
    return TokenRecord(*row) if row else None


async def by_id(tx: Transaction, token_id: str) -> TokenRecord | None:
    row = await first(tx, _BY_ID, {"id": token_id})
    return TokenRecord(*row) if row else None


async def listed(tx: Transaction, branch: str | None = None) -> list[TokenRecord]:
    """Every token, oldest first; of one branch when ``branch`` is given."""
    if branch is None:
        rows = await tx.fetch(_ALL, {})
    else:
        rows = await tx.fetch(_OF_BRANCH, {"branch": branch})
    return [TokenRecord(*row) for row in rows]


async def revoke(tx: Transaction, token_id: str, at: float, notify: str | None, payload: str) -> None:
    """Mark the token revoked (a second revocation keeps the first time) and, on
    PostgreSQL with a listening bus, announce ``payload`` on ``notify`` with the commit."""
    await tx.execute(_REVOKE, {"id": token_id, "at": at})
    if notify is not None and tx.database == "postgresql":
        await tx.fetch(_NOTIFY, {"channel": notify, "payload": payload})
