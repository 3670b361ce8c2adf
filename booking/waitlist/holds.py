"""One slot's held seats: offered to the next fitting waitlist entries, or back to
the public; and the slot's offers whose hold ran out, expired.

Held seats not offered yet are the slot's held counters less the seats of its
open offers. They are offered, first come first served by ``joined_at``, to each
entry that waits (no offer open) for the slot (``waiting_for_slot``), has not had
an offer of this slot before (a declined or expired one), whose account holds no
active booking group, and whose group fits them (``group_fits``): an offer row
holding the seats the group takes (``seats_for``) until now plus
``waitlist_hold_minutes`` (at the latest the booking cut-off), and its outbox row
(template ``waitlist_offer``) in the same transaction. Seats no waiting group
fits, and every held seat of a slot no longer bookable, go back to the public.

Expiry is a conditional update (``status = 'offered' AND expires_at <= now``): of
several processes at it, the one whose update changes the row handles it (the
entry back in line, the ``waitlist_offer_expired`` notice); the slot's row is
locked first, so on PostgreSQL a second process waits for the first one's
commit. Both run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.seats import (
    GroupShape,
    accepts_bookings,
    group_fits,
    held_by_pool,
    return_held_seats,
    seats_for,
    waiting_for_slot,
)
from booking.core.context import Domain
from booking.core.kinds import GroupStatus, OfferStatus, PriorityReason, QuotaPool, WaitlistStatus
from booking.db.models import (
    Applicant,
    BookingGroup,
    Office,
    Slot,
    WaitlistEntry,
    WaitlistMember,
    WaitlistOffer,
)
from booking.notify.outbox import enqueue

OFFER_TEMPLATE = "waitlist_offer"
EXPIRED_TEMPLATE = "waitlist_offer_expired"


def offer_seats(offer: WaitlistOffer) -> dict[QuotaPool, int]:
    return {QuotaPool.REGULAR: offer.seats, QuotaPool.PRIORITY: offer.priority_seats}


async def _locked_slot(session: AsyncSession, slot_id: int) -> Slot:
    slot = await session.get(Slot, slot_id, with_for_update=True, populate_existing=True)
    assert slot is not None
    return slot


async def _open_offers(session: AsyncSession, slot_id: int) -> list[WaitlistOffer]:
    return list(
        await session.exec(
            select(WaitlistOffer).where(
                WaitlistOffer.slot_id == slot_id,
                col(WaitlistOffer.status) == OfferStatus.OFFERED.value,
            )
        )
    )


def _unoffered(slot: Slot, offers: list[WaitlistOffer]) -> dict[QuotaPool, int]:
    left = held_by_pool(slot)
    for offer in offers:
        for pool, n in offer_seats(offer).items():
            left[pool] -= n
    return left


async def _candidates(session: AsyncSession, slot: Slot) -> list[WaitlistEntry]:
    """Entries that may be offered this slot's seats, first in line first."""
    offered_before = exists().where(
        col(WaitlistOffer.entry_id) == col(WaitlistEntry.id),
        col(WaitlistOffer.slot_id) == slot.id,
    )
    booked = exists().where(
        col(BookingGroup.telegram_id) == col(WaitlistEntry.telegram_id),
        col(BookingGroup.status) == GroupStatus.ACTIVE.value,
    )
    return list(
        await session.exec(
            select(WaitlistEntry)
            .where(
                waiting_for_slot(slot.office_id, slot.day, slot.label),
                ~offered_before,
                ~booked,
            )
            .order_by(col(WaitlistEntry.joined_at), col(WaitlistEntry.id))
        )
    )


async def _shape(session: AsyncSession, entry_id: int) -> GroupShape:
    priorities = await session.exec(
        select(WaitlistMember.priority).where(WaitlistMember.entry_id == entry_id)
    )
    return GroupShape.of([PriorityReason(p) if p else None for p in priorities])


async def _language(session: AsyncSession, applicant_id: int) -> str:
    applicant = await session.get(Applicant, applicant_id)
    return applicant.language if applicant is not None else "id"


async def _offer(
    session: AsyncSession,
    ctx: Domain,
    slot: Slot,
    entry: WaitlistEntry,
    seats: Mapping[QuotaPool, int],
    now: datetime,
) -> WaitlistOffer | None:
    """Offer ``seats`` to ``entry``, if it still waits: the offer row and its notice."""
    assert slot.id is not None and entry.id is not None
    taken = await session.exec(
        update(WaitlistEntry)
        .where(
            col(WaitlistEntry.id) == entry.id,
            col(WaitlistEntry.status) == WaitlistStatus.WAITING.value,
        )
        .values(status=WaitlistStatus.OFFERED.value, updated_at=now)
    )
    if taken.rowcount != 1:
        return None
    hold_until = now + timedelta(minutes=ctx.settings.waitlist_hold_minutes)
    offer = WaitlistOffer(
        entry_id=entry.id,
        slot_id=slot.id,
        seats=seats[QuotaPool.REGULAR],
        priority_seats=seats[QuotaPool.PRIORITY],
        status=OfferStatus.OFFERED,
        offered_at=now,
        expires_at=min(hold_until, slot.start_utc - ctx.cutoff),
    )
    session.add(offer)
    await session.flush()
    await _tell(
        session,
        OFFER_TEMPLATE,
        offer,
        entry,
        slot,
        now,
        seats=offer.seats + offer.priority_seats,
        expires_at=offer.expires_at.isoformat(),
    )
    return offer


async def _tell(
    session: AsyncSession,
    template: str,
    offer: WaitlistOffer,
    entry: WaitlistEntry,
    slot: Slot,
    now: datetime,
    **args: object,
) -> None:
    """Queue the offer's notice (``template``) to the entry's account, due now; an
    offer's own notice is not sent once the offer expired."""
    office = await session.get(Office, slot.office_id)
    assert office is not None and offer.id is not None
    await enqueue(
        session,
        recipient=entry.telegram_id,
        kind=template,
        template=template,
        args={
            "offer_id": offer.id,
            "office": office.name,
            "office_code": office.code,
            "office_id": office.id,
            "timezone": office.timezone,
            "start": slot.start_utc.isoformat(),
            "label": slot.label,
            **args,
        },
        language=await _language(session, entry.applicant_id),
        dedupe_key=f"{template}:{offer.id}",
        due_at=now,
        now=now,
        expires_at=offer.expires_at if template == OFFER_TEMPLATE else None,
        office_id=office.id,
    )


async def hand_out_held_seats(
    session: AsyncSession, ctx: Domain, slot_id: int, now: datetime
) -> int:
    """Offer the slot's held seats not offered yet to the next fitting entries;
    those left over go back to the public (see the module doc). Returns the
    offers made."""
    slot = await _locked_slot(session, slot_id)
    left = _unoffered(slot, await _open_offers(session, slot_id))
    if sum(left.values()) <= 0:
        return 0
    made = 0
    if accepts_bookings(slot.is_open, slot.start_utc, now + ctx.cutoff):
        for entry in await _candidates(session, slot):
            shape = await _shape(session, entry.id or 0)
            if not group_fits(left, shape):
                continue
            seats = seats_for(shape, left)
            if await _offer(session, ctx, slot, entry, seats, now) is None:
                continue
            made += 1
            left = {pool: n - seats[pool] for pool, n in left.items()}
            if sum(left.values()) <= 0:
                break
    await return_held_seats(session, slot_id, left)
    return made


async def expire_offers(session: AsyncSession, ctx: Domain, slot_id: int, now: datetime) -> int:
    """Expire the slot's open offers whose hold ran out (each once: see the module
    doc); their entries are back in line and told. Returns the offers expired."""
    await _locked_slot(session, slot_id)
    due = list(
        await session.exec(
            select(WaitlistOffer).where(
                WaitlistOffer.slot_id == slot_id,
                col(WaitlistOffer.status) == OfferStatus.OFFERED.value,
                col(WaitlistOffer.expires_at) <= now,
            )
        )
    )
    expired = 0
    for offer in due:
        result = await session.exec(
            update(WaitlistOffer)
            .where(
                col(WaitlistOffer.id) == offer.id,
                col(WaitlistOffer.status) == OfferStatus.OFFERED.value,
                col(WaitlistOffer.expires_at) <= now,
            )
            .values(status=OfferStatus.EXPIRED.value, answered_at=now)
        )
        if result.rowcount != 1:
            continue
        expired += 1
        await back_in_line(session, offer.entry_id, now)
        entry = await session.get(WaitlistEntry, offer.entry_id)
        slot = await session.get(Slot, slot_id)
        assert entry is not None and slot is not None
        await _tell(session, EXPIRED_TEMPLATE, offer, entry, slot, now)
    return expired


async def back_in_line(session: AsyncSession, entry_id: int, now: datetime) -> None:
    """An entry whose offer was declined or ran out waits again, in its place."""
    await session.exec(
        update(WaitlistEntry)
        .where(
            col(WaitlistEntry.id) == entry_id,
            col(WaitlistEntry.status) == WaitlistStatus.OFFERED.value,
        )
        .values(status=WaitlistStatus.WAITING.value, updated_at=now)
    )
