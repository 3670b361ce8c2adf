"""Booking groups: one account books 1 to ``max_group_size`` people into one
session, each with their own appointment (code, service, priority, pool).

Seats are taken all or nothing in one transaction by the seat rule
(``booking.calendar.seats.take_group_seats_in``), on the batched path of
``booking.appointments.writes``. The limits are the database's: one active
appointment per NIK across all accounts, one active group per account, a NIK
once per group. A group is active while one of its members is; it is cancelled
when its last active member is, and finished once its session is over.

A group moves together: ``reschedule_group`` takes every active member's seat in
the new session and frees the old ones in one transaction, once, up to H-1
(counted per group).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import exists, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.priority import check_person_priority
from booking.appointments.reads import GROUP, group_views
from booking.appointments.views import GroupView
from booking.appointments.writes import BookingRequest, MemberChoice, book_in, slot_full_now
from booking.calendar.schedule import local_now
from booking.calendar.seats import free_seat, take_group_seats
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import (
    AppointmentNotFound,
    DuplicateMember,
    EmptyGroup,
    GroupNotFound,
    GroupTooLarge,
    NotActive,
    RescheduleLimitReached,
    SameSlot,
    SlotFull,
    SlotNotFound,
    TooLateToChange,
)
from booking.core.kinds import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    GroupStatus,
    PriorityReason,
    QuotaPool,
)
from booking.db.models import Appointment, BookingGroup, Office, Person, Slot
from booking.db.transactions import retrying
from booking.notify.confirmations import queue_cancellation, queue_confirmation
from booking.notify.reminders import sync_reminders

__all__ = [
    "MemberChoice",
    "active_group",
    "book_group",
    "cancel_group",
    "cancel_member",
    "check_group_reschedulable",
    "get_group",
    "groups_of",
    "reschedule_group",
]


def check_members(ctx: Domain, members: Sequence[MemberChoice]) -> None:
    """``EmptyGroup``, ``GroupTooLarge``, ``DuplicateMember``: a group's own refusals."""
    if not members:
        raise EmptyGroup()
    if len(members) > ctx.settings.max_group_size:
        raise GroupTooLarge(ctx.settings.max_group_size)
    seen: set[int | None] = set()
    for member in members:
        if member.member_id in seen:
            raise DuplicateMember(member.member_id or 0)
        seen.add(member.member_id)


async def submit_booking(ctx: Domain, request: BookingRequest) -> GroupView:
    """Run a booking request on the batched path, under the retry policy.

    On PostgreSQL, for a slot this process saw full, a read first checks whether
    it still is, and answers ``SlotFull`` without waiting for the slot's row lock.
    (On SQLite the batch answers "full" for less than a separate read costs.)"""
    if not ctx.db.is_sqlite and request.slot_id in ctx.db.full_slots:
        async with ctx.db.engine.connect() as conn:
            full = await conn.run_sync(slot_full_now, ctx, request)
        if full:
            raise SlotFull(request.slot_id)

    def run() -> Awaitable[GroupView]:
        return ctx.db.batcher.submit(
            partial(book_in, ctx=ctx, request=request), order_key=request.slot_id
        )

    return await retrying(run)


async def book_group(
    ctx: Domain, *, telegram_id: int, slot_id: int, members: Sequence[MemberChoice]
) -> GroupView:
    """Book every member into ``slot_id``, all or nothing (see the module doc).

    Refusals: ``EmptyGroup``, ``GroupTooLarge``, ``DuplicateMember`` (a person
    twice), ``MemberNotFound`` (not a person of this account),
    ``MemberAlreadyBooked`` (that NIK holds an active appointment anywhere),
    ``AlreadyBooked`` (the account holds another active group; the same slot with
    the same people, a double tap, returns that group instead),
    ``PriorityNotEligible`` naming the member, ``NotEnoughSeats`` (a ``SlotFull``:
    the session cannot seat them all), ``DayClosed``, ``SessionStarted``,
    ``SlotNotFound``."""
    check_members(ctx, members)
    return await submit_booking(ctx, BookingRequest(telegram_id, slot_id, tuple(members)))


# --- reading -------------------------------------------------------------------------


async def groups_of(ctx: Domain, telegram_id: int) -> list[GroupView]:
    """Every group of an account, soonest session first."""
    async with ctx.db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: group_views(sync.execute, GROUP.c.telegram_id == telegram_id)
        )


async def get_group(ctx: Domain, telegram_id: int, group_id: int) -> GroupView:
    """A group of this account; ``GroupNotFound`` for another account's id."""
    async with ctx.db.engine.connect() as conn:
        found = await conn.run_sync(
            lambda sync: group_views(
                sync.execute, GROUP.c.id == group_id, GROUP.c.telegram_id == telegram_id
            )
        )
    if not found:
        raise GroupNotFound(group_id)
    return found[0]


async def active_group(ctx: Domain, telegram_id: int) -> GroupView | None:
    """The account's active group, if any (at most one, by the database)."""
    async with ctx.db.engine.connect() as conn:
        found = await conn.run_sync(
            lambda sync: group_views(
                sync.execute,
                GROUP.c.telegram_id == telegram_id,
                GROUP.c.status == GroupStatus.ACTIVE.value,
            )
        )
    return found[0] if found else None


async def group_of_appointment(ctx: Domain, telegram_id: int, appointment_id: int) -> GroupView:
    """The group of one of this account's appointments (``AppointmentNotFound`` for
    another account's)."""
    async with ctx.db.reader() as session:
        appt = await owned_appointment(session, telegram_id, appointment_id)
        return await group_view(session, appt.group_id)


async def group_view(session: AsyncSession, group_id: int) -> GroupView:
    """A group as it stands in the session's transaction (pending changes flushed)."""
    await session.flush()
    return (
        await session.run_sync(
            lambda sync: group_views(sync.connection().execute, GROUP.c.id == group_id)
        )
    )[0]


# --- cancelling ----------------------------------------------------------------------


def close_out(appt: Appointment, now: datetime) -> None:
    """An active appointment whose session is over: checked in → served, else no-show."""
    appt.status = (
        AppointmentStatus.SERVED
        if appt.status == AppointmentStatus.CHECKED_IN
        else AppointmentStatus.NO_SHOW
    )
    appt.updated_at = now


async def settle_group(session: AsyncSession, group_id: int, now: datetime) -> None:
    """A group with no active member left is cancelled (any served, no-show or
    released member: finished). In the caller's transaction, after its members changed."""
    await session.flush()
    statuses = set(
        await session.exec(select(Appointment.status).where(Appointment.group_id == group_id))
    )
    if statuses & set(ACTIVE_STATUSES):
        return
    group = await session.get(BookingGroup, group_id)
    assert group is not None
    done = {AppointmentStatus.SERVED, AppointmentStatus.NO_SHOW, AppointmentStatus.RELEASED}
    group.status = GroupStatus.FINISHED if statuses & done else GroupStatus.CANCELLED
    group.updated_at = now
    session.add(group)


async def finish_groups(session: AsyncSession, slot_ids: Any, now: datetime) -> None:
    """Groups of these slots (ids, or a subquery of them) with no active member left
    are finished: their sessions are over (no-shows marked, days closed out)."""
    still_active = exists().where(
        col(Appointment.group_id) == col(BookingGroup.id),
        col(Appointment.status).in_(ACTIVE_STATUSES),
    )
    await session.exec(
        update(BookingGroup)
        .where(
            col(BookingGroup.slot_id).in_(slot_ids),
            col(BookingGroup.status) == GroupStatus.ACTIVE.value,
            ~still_active,
        )
        .values(status=GroupStatus.FINISHED.value, updated_at=now)
    )


async def cancel_held(
    session: AsyncSession,
    settings: BookingSettings,
    appt: Appointment,
    now: datetime,
    reason: str,
) -> None:
    """Cancel an active appointment in the caller's transaction: its seat is freed,
    its group settled and the group's reminders kept in step (cancelled with its
    last member)."""
    await free_seat(session, appt.slot_id, QuotaPool(appt.pool))
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    appt.updated_at = now
    appt.cancel_reason = reason
    session.add(appt)
    await settle_group(session, appt.group_id, now)
    await sync_reminders(session, settings, appt.group_id, now)


async def owned_appointment(
    session: AsyncSession, telegram_id: int, appointment_id: int, *, lock: bool = False
) -> Appointment:
    """The appointment, if it belongs to ``telegram_id``; otherwise it does not exist.

    ``lock`` holds the row until commit (PostgreSQL; SQLite writers are serialized
    anyway), so a concurrent second cancel or move of it waits and then sees the
    first one's result instead of freeing the same seat twice.
    """
    appt = await session.get(Appointment, appointment_id, with_for_update=lock)
    if appt is None or appt.telegram_id != telegram_id:
        raise AppointmentNotFound(appointment_id)
    return appt


async def owned_group(
    session: AsyncSession, telegram_id: int, group_id: int, *, lock: bool = False
) -> BookingGroup:
    """The group, if it belongs to ``telegram_id`` (``GroupNotFound`` otherwise);
    ``lock`` as for ``owned_appointment``."""
    group = await session.get(BookingGroup, group_id, with_for_update=lock)
    if group is None or group.telegram_id != telegram_id:
        raise GroupNotFound(group_id)
    return group


async def _active_members(
    session: AsyncSession, group_id: int, *, lock: bool = False
) -> list[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.group_id == group_id, col(Appointment.status).in_(ACTIVE_STATUSES))
        .order_by(col(Appointment.id))
    )
    if lock:
        query = query.with_for_update()
    return list(await session.exec(query))


async def cancel_appointment(
    ctx: Domain, session: AsyncSession, appt: Appointment, reason: str
) -> None:
    """Cancel one booked appointment before its session starts (``NotActive``,
    ``TooLateToChange`` otherwise)."""
    assert appt.id is not None
    if appt.status != AppointmentStatus.BOOKED:
        raise NotActive(appt.id, appt.status)
    slot = await session.get(Slot, appt.slot_id)
    assert slot is not None
    now = ctx.now()
    if slot.start_utc <= now:
        raise TooLateToChange(appt.id)
    await cancel_held(session, ctx.settings, appt, now, reason)


async def cancel_member(
    ctx: Domain, *, telegram_id: int, appointment_id: int, reason: str = "applicant"
) -> GroupView:
    """Cancel one member's appointment; the others keep theirs. The last active
    member cancelled cancels the group. ``AppointmentNotFound`` for another
    account's id; ``NotActive``; ``TooLateToChange`` once the session started."""

    async def tx(session: AsyncSession) -> GroupView:
        appt = await owned_appointment(session, telegram_id, appointment_id, lock=True)
        await cancel_appointment(ctx, session, appt, reason)
        await queue_cancellation(session, ctx.settings, [appt], ctx.now())
        return await group_view(session, appt.group_id)

    return await ctx.db.transact(tx)


async def cancel_group(
    ctx: Domain, *, telegram_id: int, group_id: int, reason: str = "applicant"
) -> GroupView:
    """Cancel every active member of the group. ``GroupNotFound`` for another
    account's id; ``NotActive`` for a group with no booked member;
    ``TooLateToChange`` once the session started."""

    async def tx(session: AsyncSession) -> GroupView:
        group = await owned_group(session, telegram_id, group_id, lock=True)
        members = [
            m
            for m in await _active_members(session, group_id, lock=True)
            if m.status == AppointmentStatus.BOOKED
        ]
        if group.status != GroupStatus.ACTIVE or not members:
            raise NotActive(group_id, group.status)
        for appt in members:
            await cancel_appointment(ctx, session, appt, reason)
        await queue_cancellation(session, ctx.settings, members, ctx.now())
        return await group_view(session, group_id)

    return await ctx.db.transact(tx)


# --- rescheduling --------------------------------------------------------------------


def check_reschedule_window(
    ctx: Domain, group: BookingGroup, old: Slot, office: Office, now: datetime, ident: int
) -> None:
    """``TooLateToChange(ident)`` after H-1 (``reschedule_until_days_before``),
    ``RescheduleLimitReached`` once the group has moved ``reschedule_limit`` times."""
    today = local_now(now, office.timezone).date()
    if (old.day - today).days < ctx.settings.reschedule_until_days_before:
        raise TooLateToChange(ident)
    if group.reschedule_count >= ctx.settings.reschedule_limit:
        raise RescheduleLimitReached(ctx.settings.reschedule_limit)


async def move_group(
    ctx: Domain,
    session: AsyncSession,
    group: BookingGroup,
    new_slot_id: int,
    now: datetime,
    *,
    counts: bool = True,
    ident: int | None = None,
) -> None:
    """Move every booked member of ``group`` to ``new_slot_id`` in the caller's
    transaction: all the new seats (by the seat rule, all or nothing) and the old
    ones freed, or nothing. ``counts=False`` is for moves the office caused, which
    neither count nor are bound by the deadline. The errors name ``ident`` (the
    group's id unless told: a caller moving one appointment's group names it)."""
    assert group.id is not None
    ident = group.id if ident is None else ident
    members = await _active_members(session, group.id, lock=True)
    if (
        group.status != GroupStatus.ACTIVE
        or not members
        or any(m.status != AppointmentStatus.BOOKED for m in members)
    ):
        raise NotActive(ident, group.status)
    if new_slot_id == group.slot_id:
        raise SameSlot(new_slot_id)
    old = await session.get(Slot, group.slot_id)
    office = await session.get(Office, group.office_id)
    assert old is not None and office is not None
    old_id = group.slot_id
    if counts:
        check_reschedule_window(ctx, group, old, office, now, ident)
    new = await session.get(Slot, new_slot_id)
    if new is None or new.id is None:
        raise SlotNotFound(new_slot_id)
    priorities = [PriorityReason(m.priority) if m.priority else None for m in members]
    for appt, priority in zip(members, priorities, strict=True):
        if priority is not None:
            person = await session.get(Person, appt.person_id)
            assert person is not None
            check_person_priority(priority, person, new.day)

    async def free_old() -> None:
        for appt in members:
            await free_seat(session, old_id, QuotaPool(appt.pool))

    # Touch the two slot rows in id order so concurrent moves cannot deadlock.
    if old_id < new.id:
        await free_old()
    pools = await take_group_seats(session, new.id, priorities, now + ctx.cutoff)
    if old_id > new.id:
        await free_old()
    for appt, pool in zip(members, pools, strict=True):
        appt.slot_id = new.id
        appt.office_id = new.office_id
        appt.pool = pool
        appt.updated_at = now
        session.add(appt)
    group.slot_id = new.id
    group.office_id = new.office_id
    group.reschedule_count += int(counts)
    group.updated_at = now
    session.add(group)
    await sync_reminders(session, ctx.settings, group.id, now)


async def reschedule_group(
    ctx: Domain, *, telegram_id: int, group_id: int, new_slot_id: int
) -> GroupView:
    """Move the whole group to another session, atomically: every member gets a
    seat there or nobody moves (``NotEnoughSeats``). Once per group
    (``RescheduleLimitReached``), up to H-1 (``TooLateToChange``)."""

    async def tx(session: AsyncSession) -> GroupView:
        group = await owned_group(session, telegram_id, group_id, lock=True)
        now = ctx.now()
        await move_group(ctx, session, group, new_slot_id, now)
        await queue_confirmation(session, ctx.settings, group_id, now)
        return await group_view(session, group_id)

    return await ctx.db.transact(tx)


async def check_group_reschedulable(ctx: Domain, telegram_id: int, group_id: int) -> None:
    """Raise what ``reschedule_group`` would raise before a new session is chosen:
    ``NotActive``, ``TooLateToChange`` or ``RescheduleLimitReached``
    (``GroupNotFound`` for another account's id)."""
    async with ctx.db.reader() as session:
        group = await owned_group(session, telegram_id, group_id)
        booked = (
            await session.exec(
                select(func.count())
                .select_from(Appointment)
                .where(
                    Appointment.group_id == group_id,
                    col(Appointment.status) == AppointmentStatus.BOOKED,
                )
            )
        ).one()
        if group.status != GroupStatus.ACTIVE or not booked:
            raise NotActive(group_id, group.status)
        old = await session.get(Slot, group.slot_id)
        office = await session.get(Office, group.office_id)
        assert old is not None and office is not None
        check_reschedule_window(ctx, group, old, office, ctx.now(), group_id)
