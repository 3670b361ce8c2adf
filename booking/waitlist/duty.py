"""The waitlist's jobs duty: every slot with held seats, one transaction each,
has its offers that ran out expired and its held seats offered on, or given back
to the public (``booking.waitlist.holds``).

Every instance may run it at once: each slot's row is locked for its turn, and
each expiry is a conditional update that only one process can make. Offers are
rows, so a restart picks up where the last run stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.seats import has_held_seats
from booking.core.context import Domain
from booking.db.models import Slot
from booking.waitlist.holds import expire_offers, hand_out_held_seats


@dataclass(frozen=True)
class DutyResult:
    expired: int = 0
    offered: int = 0

    def __add__(self, other: DutyResult) -> DutyResult:
        return DutyResult(self.expired + other.expired, self.offered + other.offered)


async def settle_slot(ctx: Domain, slot_id: int) -> DutyResult:
    """One slot's turn, in its own transaction."""

    async def tx(session: AsyncSession) -> DutyResult:
        now = ctx.now()
        expired = await expire_offers(session, ctx, slot_id, now)
        offered = await hand_out_held_seats(session, ctx, slot_id, now)
        return DutyResult(expired, offered)

    return await ctx.db.transact(tx)


async def slots_with_held_seats(ctx: Domain) -> list[int]:
    async with ctx.db.reader() as session:
        found = await session.exec(select(Slot.id).where(has_held_seats()).order_by(col(Slot.id)))
        return [slot_id for slot_id in found if slot_id is not None]


async def run_waitlist_duty(ctx: Domain) -> DutyResult:
    """Expire, offer and give back the held seats of every slot that has any."""
    result = DutyResult()
    for slot_id in await slots_with_held_seats(ctx):
        result += await settle_slot(ctx, slot_id)
    return result
