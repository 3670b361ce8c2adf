"""Test helpers for the waitlist: its invariants, looked at in the database."""

from __future__ import annotations

from sqlmodel import col, select

from booking.core.context import Domain
from booking.core.kinds import OfferStatus, WaitlistStatus
from booking.db.models import Notification, Slot, WaitlistEntry, WaitlistOffer


async def held_problems(ctx: Domain, *, settled: bool = False) -> list[str]:
    """Every slot whose held seats break the waitlist's invariants, described
    (empty when sound): booked + held within capacity per pool, the open offers'
    seats within the held ones (``settled``: equal to them, as after the jobs duty
    ran: no held seat left unoffered), each open offer's entry offered, and each
    offered entry with exactly one open offer."""
    problems = []
    async with ctx.db.reader() as session:
        slots = list(await session.exec(select(Slot)))
        offers = list(
            await session.exec(
                select(WaitlistOffer).where(col(WaitlistOffer.status) == OfferStatus.OFFERED.value)
            )
        )
        offered = list(
            await session.exec(
                select(WaitlistEntry.id).where(
                    col(WaitlistEntry.status) == WaitlistStatus.OFFERED.value
                )
            )
        )
        entries = {e.id: e for e in await session.exec(select(WaitlistEntry))}
    for slot in slots:
        mine = [o for o in offers if o.slot_id == slot.id]
        regular = sum(o.seats for o in mine)
        priority = sum(o.priority_seats for o in mine)
        if not (0 <= slot.held and slot.booked + slot.held <= slot.capacity):
            problems.append(f"slot {slot.id}: {slot.booked} booked + {slot.held} held")
        if not (
            0 <= slot.priority_held
            and slot.priority_booked + slot.priority_held <= slot.priority_capacity
        ):
            problems.append(f"slot {slot.id}: priority {slot.priority_booked} + held")
        if regular > slot.held or priority > slot.priority_held:
            problems.append(f"slot {slot.id}: offers hold more than the held seats")
        if settled and (regular, priority) != (slot.held, slot.priority_held):
            problems.append(
                f"slot {slot.id}: held {slot.held}/{slot.priority_held}"
                f" but offers of {regular}/{priority}"
            )
    for offer in offers:
        if entries[offer.entry_id].status != WaitlistStatus.OFFERED:
            problems.append(f"offer {offer.id} open for an entry not offered")
    open_entries = [o.entry_id for o in offers]
    for entry_id in offered:
        if open_entries.count(entry_id) != 1:
            problems.append(f"entry {entry_id} offered with {open_entries.count(entry_id)} offers")
    return problems


async def notices(ctx: Domain, template: str) -> list[Notification]:
    """The outbox rows of a template, oldest first."""
    async with ctx.db.reader() as session:
        return list(
            await session.exec(
                select(Notification)
                .where(Notification.template == template)
                .order_by(col(Notification.id))
            )
        )
