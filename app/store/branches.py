"""Branch rows: the layout and its version, the business day, the VIP registry."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import any_, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql

from ..rules import layout as layouts
from .statement import Statement
from .tables import branches, vip_cards
from .tickets import prepare_claims
from .transaction import Transaction, first, scalar


@dataclass(frozen=True)
class Branch:
    layout: layouts.Layout
    version: int
    current_day: str | None
    vip_salt: str
    last_seq: int


_CODE = branches.c.code == bindparam("code")
_READ = Statement(
    select(
        branches.c.layout,
        branches.c.layout_version,
        branches.c.current_day,
        branches.c.vip_salt,
        branches.c.last_seq,
    ).where(_CODE)
)
_ALL = Statement(select(branches.c.code, branches.c.name).order_by(branches.c.code))
_LAST_SEQ = Statement(select(branches.c.last_seq).where(_CODE))
# The last seqs of the branches a process streams, one statement for all (SQLite, one
# process with a handful of branches, reads every branch's).
_LAST_SEQS = Statement(
    select(branches.c.code, branches.c.last_seq),
    select(branches.c.code, branches.c.last_seq).where(
        branches.c.code == any_(bindparam("codes", type_=postgresql.ARRAY(branches.c.code.type)))
    ),
)
_CREATE = Statement(insert(branches))
_SET_LAYOUT = Statement(
    update(branches)
    .where(_CODE)
    .values(
        name=bindparam("name"),
        layout=bindparam("layout"),
        layout_version=branches.c.layout_version + 1,
        updated_at=bindparam("now"),
    )
)
_SET_DAY = Statement(update(branches).where(_CODE).values(current_day=bindparam("day")))
_DROP_CARDS = Statement(delete(vip_cards).where(vip_cards.c.branch == bindparam("code")))
_ADD_CARD = Statement(insert(vip_cards))
_HAS_CARD = Statement(
    select(vip_cards.c.hash).where(vip_cards.c.branch == bindparam("code"), vip_cards.c.hash == bindparam("hash"))
)

# Stored layouts parsed once: keyed by their text, so a new version is parsed anew.
_parsed: dict[str, layouts.Layout] = {}


def _layout(code: str, text: str) -> layouts.Layout:
    found = _parsed.get(text)
    if found is None or found.code != code:
        found = layouts.from_dict(code, json.loads(text))
        prepare_claims(found.counters)
        if len(_parsed) > 1000:
            _parsed.clear()
        _parsed[text] = found
    return found


async def read(tx: Transaction, code: str) -> Branch | None:
    row = await first(tx, _READ, {"code": code})
    if row is None:
        return None
    return Branch(_layout(code, row.layout), row.layout_version, row.current_day, row.vip_salt, row.last_seq)


async def last_seq(tx: Transaction, code: str) -> int | None:
    found: int | None = await scalar(tx, _LAST_SEQ, {"code": code})
    return found


async def last_seqs(tx: Transaction, codes: list[str]) -> dict[str, int]:
    """The last seq of each of these branches (those that exist)."""
    wanted = set(codes)
    return {r.code: r.last_seq for r in await tx.fetch(_LAST_SEQS, {"codes": codes}) if r.code in wanted}


async def all_codes_and_names(tx: Transaction) -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in await tx.fetch(_ALL, {})]


async def create(tx: Transaction, layout: layouts.Layout, day: str, vip_salt: str, now: float) -> None:
    """A new branch at layout version 0: the first ``set_layout`` makes it 1."""
    await tx.execute(
        _CREATE,
        {
            "code": layout.code,
            "name": layout.name,
            "layout": to_text(layout),
            "layout_version": 0,
            "last_seq": 0,
            "current_day": day,
            "vip_salt": vip_salt,
            "updated_at": now,
        },
    )


async def set_layout(tx: Transaction, layout: layouts.Layout, now: float) -> None:
    await tx.execute(_SET_LAYOUT, {"code": layout.code, "name": layout.name, "layout": to_text(layout), "now": now})


def to_text(layout: layouts.Layout) -> str:
    return json.dumps(layouts.to_dict(layout), ensure_ascii=False)


async def set_day(tx: Transaction, code: str, day: str) -> None:
    await tx.execute(_SET_DAY, {"code": code, "day": day})


async def replace_vip_cards(tx: Transaction, code: str, hashes: Iterable[str]) -> None:
    await tx.execute(_DROP_CARDS, {"code": code})
    rows = [{"branch": code, "hash": h} for h in hashes]
    if rows:
        await tx.execute_many(_ADD_CARD, rows)


async def has_vip_card(tx: Transaction, code: str, card_hash: str) -> bool:
    return await first(tx, _HAS_CARD, {"code": code, "hash": card_hash}) is not None
