"""API tokens, stored as the SHA-256 of the token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select

from .statement import Statement
from .tables import tokens
from .transaction import Transaction, first


@dataclass(frozen=True)
class TokenRecord:
    hash: str
    role: str
    branch: str | None
    name: str


_ADD = Statement(insert(tokens))
_GET = Statement(
    select(tokens.c.hash, tokens.c.role, tokens.c.branch, tokens.c.name).where(tokens.c.hash == bindparam("hash"))
)


async def add(tx: Transaction, record: TokenRecord, at: float) -> None:
    await tx.execute(
        _ADD,
        {
            "hash": record.hash,
            "role": record.role,
            "branch": record.branch,
            "name": record.name,
            "created_at": at,
        },
    )


async def get(tx: Transaction, token_hash: str) -> TokenRecord | None:
    row = await first(tx, _GET, {"hash": token_hash})
    return TokenRecord(*row) if row else None
