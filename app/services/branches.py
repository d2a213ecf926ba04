"""Branch layouts and VIP registries."""

from __future__ import annotations

import hashlib
import json
import secrets

from sqlalchemy import delete, func, insert, select, update

from ..errors import Conflict, Invalid
from ..rules import layout as layouts
from ..rules.business_day import day_of
from ..store.tables import branches, counters, tickets, vip_cards
from .context import Context
from .unit_of_work import UnitOfWork


def card_hash(salt: str, card: str) -> str:
    return hashlib.sha256(f"{salt}:{card.strip()}".encode()).hexdigest()


async def apply_layout(ctx: Context, code: str, data: dict) -> dict:
    try:
        layout = layouts.from_dict(code, data)
    except layouts.LayoutError as error:
        raise Invalid(str(error)) from None
    text = json.dumps(layouts.to_dict(layout), ensure_ascii=False)
    now = ctx.clock()
    async with ctx.db.writer.begin() as conn:
        exists = (await conn.execute(select(branches.c.code).where(branches.c.code == code))).first()
        if not exists:
            await conn.execute(insert(branches).values(
                code=code, name=layout.name, layout=text, layout_version=0, last_seq=0,
                current_day=day_of(now, layout.zone), vip_salt=secrets.token_hex(16), updated_at=now,
            ))
    async with UnitOfWork(ctx, code) as uow:
        await _refuse_orphans(uow, layout)
        await uow.conn.execute(
            update(branches).where(branches.c.code == code)
            .values(name=layout.name, layout=text, layout_version=branches.c.layout_version + 1, updated_at=now)
        )
        present = set((await uow.conn.execute(select(counters.c.number).where(counters.c.branch == code))).scalars())
        wanted = {c.number for c in layout.counters}
        for number in wanted - present:
            await uow.conn.execute(insert(counters).values(branch=code, number=number, state="closed", updated_at=now))
        if present - wanted:
            await uow.conn.execute(delete(counters).where(counters.c.branch == code, counters.c.number.in_(present - wanted)))
        result = layouts.to_dict(layout)
        await uow.emit("branch.updated", result)
        await uow.commit()
    return result


async def _refuse_orphans(uow: UnitOfWork, layout: layouts.Layout) -> None:
    """A category that still has customers waiting, or a counter with a customer at it, stays."""
    codes = {c.code for c in layout.categories}
    rows = await uow.conn.execute(
        select(tickets.c.category, func.count())
        .where(tickets.c.branch == uow.branch, tickets.c.status.in_(("waiting", "called", "serving", "postponed")))
        .group_by(tickets.c.category)
    )
    for category, count in rows:
        if category not in codes:
            raise Invalid(f"category {category!r} still has {count} ticket(s) in the queue; move them first")
    numbers = {c.number for c in layout.counters}
    busy = (await uow.conn.execute(
        select(counters.c.number).where(counters.c.branch == uow.branch, counters.c.current_ticket.is_not(None))
    )).scalars()
    for number in busy:
        if number not in numbers:
            raise Conflict(f"counter {number} has a customer at it and cannot be removed")


async def replace_vip_cards(ctx: Context, code: str, cards: list[str]) -> dict:
    async with UnitOfWork(ctx, code) as uow:
        await uow.conn.execute(delete(vip_cards).where(vip_cards.c.branch == code))
        hashes = {card_hash(uow.vip_salt, card) for card in cards if card.strip()}
        if hashes:
            await uow.conn.execute(insert(vip_cards), [{"branch": code, "hash": h} for h in hashes])
        await uow.commit()
    return {"cards": len(hashes)}


async def is_vip(uow: UnitOfWork, card: str) -> bool:
    found = await uow.conn.execute(
        select(vip_cards.c.hash).where(vip_cards.c.branch == uow.branch, vip_cards.c.hash == card_hash(uow.vip_salt, card))
    )
    return found.first() is not None
