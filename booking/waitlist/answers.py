"""An applicant's answer to a waitlist offer: "Ambil" (``accept_offer``) or
"Lewati" (``decline_offer``).

Accepting books the entry's group from the seats the offer holds, on the booking
path of ``book_group`` (``booking.appointments.writes.book_in`` with the offer's
``held_seats``: ``held - n, booked + n`` by the seat rule), in one transaction
with the offer's answer: its confirmation and reminders are queued as for any
booking. Declining, or leaving the waitlist, hands the seats to the next in line
in the same transaction (``booking.waitlist.holds``).

The callback carries only the offer id: another account's offer is
``OfferNotFound``, and nothing changes. An offer answered once its hold ran out
is ``OfferExpired`` (even before the jobs duty marked it); a second answer
``OfferAlreadyAnswered``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.views import GroupView
from booking.appointments.writes import BookingRequest, MemberChoice, book_in
from booking.core.context import Domain
from booking.core.errors import OfferAlreadyAnswered, OfferExpired, OfferNotFound
from booking.core.kinds import OfferStatus, PriorityReason, ServiceType, WaitlistStatus
from booking.db.batching import RequestTx
from booking.db.models import Slot, WaitlistEntry, WaitlistMember, WaitlistOffer
from booking.waitlist.entries import end_entry, entry_view
from booking.waitlist.holds import back_in_line, hand_out_held_seats
from booking.waitlist.views import WaitlistEntryView


async def _open_offer(
    session: AsyncSession, telegram_id: int, offer_id: int, now: datetime
) -> tuple[WaitlistOffer, WaitlistEntry]:
    """The account's open offer, locked with its slot (slot first, as the jobs duty
    locks them), or why not."""
    found = await session.get(WaitlistOffer, offer_id)
    entry = await session.get(WaitlistEntry, found.entry_id) if found is not None else None
    if found is None or entry is None or entry.telegram_id != telegram_id:
        raise OfferNotFound(offer_id)
    await session.get(Slot, found.slot_id, with_for_update=True, populate_existing=True)
    offer = await session.get(WaitlistOffer, offer_id, with_for_update=True, populate_existing=True)
    assert offer is not None
    if offer.status == OfferStatus.EXPIRED or (
        offer.status == OfferStatus.OFFERED and offer.expires_at <= now
    ):
        raise OfferExpired(offer_id)
    if offer.status != OfferStatus.OFFERED:
        raise OfferAlreadyAnswered(offer_id, offer.status)
    return offer, entry


def _answer(offer: WaitlistOffer, status: OfferStatus, now: datetime) -> None:
    offer.status = status
    offer.answered_at = now


async def _members(session: AsyncSession, entry_id: int) -> tuple[MemberChoice, ...]:
    rows = await session.exec(
        select(WaitlistMember)
        .where(WaitlistMember.entry_id == entry_id)
        .order_by(col(WaitlistMember.id))
    )
    return tuple(
        MemberChoice(
            m.person_id, ServiceType(m.service), PriorityReason(m.priority) if m.priority else None
        )
        for m in rows
    )


async def accept_offer(ctx: Domain, *, telegram_id: int, offer_id: int) -> GroupView:
    """Book the entry's group from the offer's held seats (see the module doc).
    Besides the offer's errors, those of a booking: ``AlreadyBooked``,
    ``MemberAlreadyBooked``, ``PriorityNotEligible``, ``DayClosed``,
    ``SessionStarted`` (the offer stays open then, until it expires)."""

    async def tx(session: AsyncSession) -> GroupView:
        now = ctx.now()
        offer, entry = await _open_offer(session, telegram_id, offer_id, now)
        request = BookingRequest(
            telegram_id,
            offer.slot_id,
            await _members(session, entry.id or 0),
            held_seats=(offer.seats, offer.priority_seats),
        )

        def book(sync: Session) -> GroupView:
            booking = RequestTx(sync.connection())
            view = book_in(booking, ctx, request)
            if booking.savepoint is not None:
                booking.savepoint.commit()
            for statement, rows in booking.at_commit:
                booking.connection.execute(statement, rows)
            return view

        view = await session.run_sync(book)
        _answer(offer, OfferStatus.ACCEPTED, now)
        session.add(offer)
        entry.group_id = view.id
        await end_entry(session, entry, WaitlistStatus.BOOKED, now)
        await session.flush()
        return view

    return await ctx.db.transact(tx)


async def decline_offer(ctx: Domain, *, telegram_id: int, offer_id: int) -> WaitlistEntryView:
    """ "Lewati": the entry waits again in its place (not for this session), and the
    seats go to the next in line."""

    async def tx(session: AsyncSession) -> WaitlistEntryView:
        now = ctx.now()
        offer, entry = await _open_offer(session, telegram_id, offer_id, now)
        _answer(offer, OfferStatus.DECLINED, now)
        session.add(offer)
        await session.flush()
        await back_in_line(session, offer.entry_id, now)
        await hand_out_held_seats(session, ctx, offer.slot_id, now)
        return await entry_view(session, entry.id or 0)

    return await ctx.db.transact(tx)
