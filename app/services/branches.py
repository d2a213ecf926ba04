"""Branch layouts and VIP registries."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..errors import Conflict, Invalid
from ..rules import layout as layouts
from ..rules.business_day import day_of
from ..rules.vocabulary import EventType
from ..store import branches, counters, tickets
from ..store.database import transaction
from .context import Context
from .unit_of_work import UnitOfWork


def card_hash(salt: str, card: str) -> str:
    return hashlib.sha256(f"{salt}:{card.strip()}".encode()).hexdigest()


async def apply_layout(ctx: Context, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or replace a branch's layout; refused while it would strand a customer."""
    try:
        layout = layouts.from_dict(code, data)
    except layouts.LayoutError as error:
        raise Invalid(str(error)) from None
    await _create_if_new(ctx, layout)
    async with UnitOfWork(ctx, code) as uow:
        await _refuse_orphans(uow, layout)
        await branches.set_layout(uow.tx, layout, uow.now)
        present = {c.number for c in await counters.of_branch(uow.tx, code)}
        wanted = {c.number for c in layout.counters}
        await counters.add_closed(uow.tx, code, sorted(wanted - present), uow.now)
        await counters.remove(uow.tx, code, sorted(present - wanted))
        result = layouts.to_dict(layout)
        uow.record(EventType.BRANCH_UPDATED, result)
        await uow.commit()
    return result


async def _create_if_new(ctx: Context, layout: layouts.Layout) -> None:
    async with transaction(ctx.db) as tx:
        if await branches.read(tx, layout.code) is None:
            now = ctx.clock()
            await branches.create(tx, layout, day_of(now, layout.zone), secrets.token_hex(16), now)


async def _refuse_orphans(uow: UnitOfWork, layout: layouts.Layout) -> None:
    """A category that still has customers in the queue, or a counter with a customer at it, stays."""
    codes = {c.code for c in layout.categories}
    for category, count in (await tickets.in_queue_by_category(uow.tx, uow.branch)).items():
        if category not in codes:
            raise Invalid(f"category {category!r} still has {count} ticket(s) in the queue; move them first")
    numbers = {c.number for c in layout.counters}
    for counter in await counters.of_branch(uow.tx, uow.branch):
        if counter.current_ticket is not None and counter.number not in numbers:
            raise Conflict(f"counter {counter.number} has a customer at it and cannot be removed")


async def replace_vip_cards(ctx: Context, code: str, cards: list[str]) -> dict[str, Any]:
    async with UnitOfWork(ctx, code) as uow:
        hashes = {card_hash(uow.vip_salt, card) for card in cards if card.strip()}
        await branches.replace_vip_cards(uow.tx, code, sorted(hashes))
        await uow.commit()
    return {"cards": len(hashes)}


async def is_vip(uow: UnitOfWork, card: str) -> bool:
    return await branches.has_vip_card(uow.tx, uow.branch, card_hash(uow.vip_salt, card))
