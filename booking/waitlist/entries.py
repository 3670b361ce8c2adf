"""Joining and leaving the waitlist, and reading an account's entries.

An entry is a group of one account (``MemberChoice`` each, validated as
``book_group`` validates them) waiting at one office for a ``Wish``. The limits
are the database's partial unique indexes: one entry in line (waiting or offered)
per account, at all offices (as one active booking group per account), and one
per NIK per office (``waitlist_member.active``). A member whose NIK holds an
active appointment cannot wait (``ActiveAppointmentExists``), nor an account
holding an active group (``AlreadyBooked``).

The place in line (``position``) is 1-based among the office's entries in line
that joined earlier and wait for overlapping dates (and sessions), this one
included. Offers go by that order (``booking.waitlist.holds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import and_, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.groups import check_members
from booking.appointments.priority import check_person_priority
from booking.appointments.writes import MemberChoice
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyBooked,
    AlreadyWaiting,
    ApplicantNotFound,
    DateInPast,
    InvalidDateRange,
    MemberNotFound,
    WaitlistEntryNotFound,
)
from booking.core.kinds import (
    ACTIVE_STATUSES,
    WAITLIST_ACTIVE,
    OfferStatus,
    PriorityReason,
    ServiceType,
    WaitlistStatus,
)
from booking.core.limits import MAX_RANGE_DAYS
from booking.db.models import (
    Applicant,
    Appointment,
    Office,
    Person,
    Slot,
    WaitlistEntry,
    WaitlistMember,
    WaitlistOffer,
)
from booking.offices.lookup import office_by_id
from booking.waitlist.holds import hand_out_held_seats
from booking.waitlist.views import OfferView, WaitingMember, WaitlistEntryView, Wish

__all__ = [
    "Wish",
    "entry_view",
    "join_waitlist",
    "join_waitlist_in",
    "leave_waitlist",
    "waitlist_of",
]

_IN_LINE = [s.value for s in WAITLIST_ACTIVE]


def _check_wish(wish: Wish, today: object) -> None:
    if wish.last_day < wish.first_day or (wish.last_day - wish.first_day).days >= MAX_RANGE_DAYS:
        raise InvalidDateRange(wish.first_day, wish.last_day, MAX_RANGE_DAYS)
    if wish.first_day < today:  # type: ignore[operator]
        raise DateInPast(wish.first_day, today)


async def _people(
    session: AsyncSession, applicant: Applicant, members: Sequence[MemberChoice]
) -> list[Person]:
    """The person of each member (``None``: the holder); ``MemberNotFound`` for one
    that is not the account's."""
    found = []
    for member in members:
        who = (
            col(Person.nik_hash) == applicant.nik_hash
            if member.member_id is None
            else col(Person.id) == member.member_id
        )
        person = (
            await session.exec(select(Person).where(Person.applicant_id == applicant.id, who))
        ).first()
        if person is None:
            raise MemberNotFound(member.member_id or 0)
        found.append(person)
    return found


async def _check_free_to_wait(
    session: AsyncSession,
    telegram_id: int,
    office_id: int,
    people: Sequence[Person],
    now: datetime,
) -> None:
    """``AlreadyWaiting`` (the account anywhere, a NIK at this office),
    ``AlreadyBooked`` (the account's active group) / ``ActiveAppointmentExists``
    (a member's NIK: an active appointment whose session is still to end). The
    indexes decide under concurrency; this names why."""
    waiting = (
        await session.exec(
            select(WaitlistEntry.id).where(
                WaitlistEntry.telegram_id == telegram_id,
                col(WaitlistEntry.status).in_(_IN_LINE),
            )
        )
    ).first()
    if waiting is not None:
        raise AlreadyWaiting(waiting)
    for person in people:
        entry_id = (
            await session.exec(
                select(WaitlistMember.entry_id).where(
                    WaitlistMember.office_id == office_id,
                    WaitlistMember.nik_hash == person.nik_hash,
                    col(WaitlistMember.active).is_(True),
                )
            )
        ).first()
        if entry_id is not None:
            assert person.id is not None
            raise AlreadyWaiting(entry_id, member_id=person.id)
    active = (
        select(Appointment)
        .join(Slot, col(Slot.id) == Appointment.slot_id)
        .where(col(Appointment.status).in_(ACTIVE_STATUSES), col(Slot.end_utc) > now)
    )
    held = (await session.exec(active.where(Appointment.telegram_id == telegram_id))).first()
    if held is not None:
        assert held.id is not None
        raise AlreadyBooked(held.id, held.code)
    for person in people:
        held = (await session.exec(active.where(Appointment.nik_hash == person.nik_hash))).first()
        if held is not None:
            assert held.id is not None and person.id is not None
            raise ActiveAppointmentExists(person.id, person.full_name, held.code)


async def join_waitlist_in(
    session: AsyncSession,
    ctx: Domain,
    *,
    telegram_id: int,
    office_id: int,
    members: Sequence[MemberChoice],
    wish: Wish,
) -> WaitlistEntryView:
    """Put the group on the office's waitlist in the caller's transaction (see the
    module doc). Refusals: the group errors of ``book_group`` (``EmptyGroup``,
    ``GroupTooLarge``, ``DuplicateMember``, ``MemberNotFound``,
    ``PriorityNotEligible`` for the wish's first date), ``InvalidDateRange``,
    ``DateInPast``, ``AlreadyWaiting``, ``AlreadyBooked``, ``ActiveAppointmentExists``,
    ``OfficeNotFound``, ``ApplicantNotFound``. Two joins racing: one gets the
    unique index's ``IntegrityError`` (``join_waitlist`` runs again and answers
    ``AlreadyWaiting``)."""
    check_members(ctx, members)
    now = ctx.now()
    office = await office_by_id(session, office_id)
    _check_wish(wish, local_now(now, office.timezone).date())
    applicant = (
        await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
    ).first()
    if applicant is None or applicant.id is None:
        raise ApplicantNotFound(telegram_id)
    people = await _people(session, applicant, members)
    for member, person in zip(members, people, strict=True):
        if member.priority is not None:
            check_person_priority(member.priority, person, wish.first_day)
    await _check_free_to_wait(session, telegram_id, office_id, people, now)
    entry = WaitlistEntry(
        office_id=office_id,
        telegram_id=telegram_id,
        applicant_id=applicant.id,
        first_day=wish.first_day,
        last_day=wish.last_day,
        slot_label=wish.slot_label,
        status=WaitlistStatus.WAITING,
        joined_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    assert entry.id is not None
    for member, person in zip(members, people, strict=True):
        assert person.id is not None
        session.add(
            WaitlistMember(
                entry_id=entry.id,
                office_id=office_id,
                person_id=person.id,
                nik_hash=person.nik_hash,
                service=member.service,
                priority=member.priority,
            )
        )
    await session.flush()
    return await entry_view(session, entry.id)


class Joining(TypedDict):
    """What ``join_waitlist`` takes: who joins, where, with whom, for what."""

    telegram_id: int
    office_id: int
    members: Sequence[MemberChoice]
    wish: Wish


async def join_waitlist(ctx: Domain, **joining: Unpack[Joining]) -> WaitlistEntryView:
    """``join_waitlist_in`` in its own transaction."""
    return await ctx.db.transact(lambda session: join_waitlist_in(session, ctx, **joining))


async def end_entry(
    session: AsyncSession, entry: WaitlistEntry, status: WaitlistStatus, now: datetime
) -> None:
    """The entry leaves the line (booked, or left): its NIKs may wait again."""
    entry.status = status
    entry.updated_at = now
    session.add(entry)
    await session.exec(
        update(WaitlistMember).where(col(WaitlistMember.entry_id) == entry.id).values(active=False)
    )


async def leave_waitlist(ctx: Domain, *, telegram_id: int, entry_id: int) -> WaitlistEntryView:
    """Leave the waitlist (``WaitlistEntryNotFound`` for another account's entry).
    An open offer is declined: its seats go to the next in line. Leaving an entry
    that is no longer in line changes nothing."""

    async def tx(session: AsyncSession) -> WaitlistEntryView:
        entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
        if entry is None or entry.telegram_id != telegram_id:
            raise WaitlistEntryNotFound(entry_id)
        if entry.status not in WAITLIST_ACTIVE:
            return await entry_view(session, entry_id)
        now = ctx.now()
        offer = await open_offer_of(session, entry_id)
        await end_entry(session, entry, WaitlistStatus.LEFT, now)
        if offer is not None:
            offer.status = OfferStatus.DECLINED
            offer.answered_at = now
            session.add(offer)
            await session.flush()
            await hand_out_held_seats(session, ctx, offer.slot_id, now)
        return await entry_view(session, entry_id)

    return await ctx.db.transact(tx)


async def open_offer_of(session: AsyncSession, entry_id: int) -> WaitlistOffer | None:
    return (
        await session.exec(
            select(WaitlistOffer).where(
                WaitlistOffer.entry_id == entry_id,
                col(WaitlistOffer.status) == OfferStatus.OFFERED.value,
            )
        )
    ).first()


# --- reading -------------------------------------------------------------------------


async def _position(session: AsyncSession, entry: WaitlistEntry) -> int | None:
    if entry.status not in WAITLIST_ACTIVE:
        return None
    other = WaitlistEntry
    overlapping: list[Any] = [
        other.office_id == entry.office_id,
        col(other.status).in_(_IN_LINE),
        or_(
            col(other.joined_at) < entry.joined_at,
            and_(col(other.joined_at) == entry.joined_at, col(other.id) < entry.id),
        ),
        col(other.first_day) <= entry.last_day,
        col(other.last_day) >= entry.first_day,
    ]
    if entry.slot_label is not None:
        overlapping.append(
            or_(col(other.slot_label).is_(None), col(other.slot_label) == entry.slot_label)
        )
    ahead = (await session.exec(select(func.count()).select_from(other).where(*overlapping))).one()
    return int(ahead) + 1


async def offer_view(session: AsyncSession, offer: WaitlistOffer) -> OfferView:
    """An offer with its session."""
    slot = await session.get(Slot, offer.slot_id)
    assert slot is not None and offer.id is not None
    return OfferView(
        id=offer.id,
        entry_id=offer.entry_id,
        slot_id=offer.slot_id,
        start_utc=slot.start_utc,
        label=slot.label,
        seats=offer.seats + offer.priority_seats,
        priority_seats=offer.priority_seats,
        expires_at=offer.expires_at,
        status=OfferStatus(offer.status),
    )


async def entry_view(session: AsyncSession, entry_id: int) -> WaitlistEntryView:
    """An entry as it stands in the session's transaction (pending changes flushed)."""
    await session.flush()
    entry = await session.get(WaitlistEntry, entry_id)
    assert entry is not None and entry.id is not None
    office = await session.get(Office, entry.office_id)
    assert office is not None
    rows = await session.exec(
        select(WaitlistMember, Person)
        .join(Person, col(Person.id) == WaitlistMember.person_id)
        .where(WaitlistMember.entry_id == entry_id)
        .order_by(col(WaitlistMember.id))
    )
    members = tuple(
        WaitingMember(
            p.id or 0,
            p.full_name,
            p.nik_masked,
            ServiceType(m.service),
            PriorityReason(m.priority) if m.priority else None,
        )
        for m, p in rows
    )
    offer = await open_offer_of(session, entry_id)
    return WaitlistEntryView(
        id=entry.id,
        office_id=entry.office_id,
        office_name=office.name,
        wish=Wish(entry.first_day, entry.last_day, entry.slot_label),
        members=members,
        position=await _position(session, entry),
        status=WaitlistStatus(entry.status),
        offer=await offer_view(session, offer) if offer is not None else None,
        joined_at=entry.joined_at,
    )


async def waitlist_of(
    ctx: Domain, telegram_id: int, *, in_line_only: bool = True
) -> list[WaitlistEntryView]:
    """The account's waitlist entries, newest first: those in line (waiting or
    offered), or with ``in_line_only=False`` every one."""
    async with ctx.db.reader() as session:
        query = select(WaitlistEntry.id).where(WaitlistEntry.telegram_id == telegram_id)
        if in_line_only:
            query = query.where(col(WaitlistEntry.status).in_(_IN_LINE))
        ids = list(
            await session.exec(
                query.order_by(col(WaitlistEntry.joined_at).desc(), col(WaitlistEntry.id).desc())
            )
        )
        return [await entry_view(session, entry_id) for entry_id in ids if entry_id is not None]
