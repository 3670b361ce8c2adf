"""Booking, cancelling and rescheduling appointments.

The rule that decides who gets a seat lives in the database, built by
``booking.calendar.seats`` (the conditional UPDATE of a slot's counter, in the
same transaction as the appointment insert), with partial unique indexes
allowing one active appointment per NIK and per Telegram account. Every write
runs through ``Database.transact`` (bookings: ``Database.batcher``) under the one
retry policy of ``booking.db.transactions``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.priority import check_priority
from booking.appointments.views import AppointmentView
from booking.appointments.writes import BookingRequest, book_in, slot_full_now
from booking.calendar.schedule import local_now
from booking.calendar.seats import free_seat, seat_pools, take_seat
from booking.core.context import Domain
from booking.core.errors import (
    AppointmentNotFound,
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
    PriorityReason,
    QuotaPool,
    ServiceType,
)
from booking.db.models import Applicant, Appointment, Office, Slot
from booking.db.transactions import retrying
from booking.notify.reminders import cancel_reminders, retime_reminders

T = TypeVar("T")


async def _view(session: AsyncSession, appt: Appointment) -> AppointmentView:
    slot = await session.get(Slot, appt.slot_id)
    office = await session.get(Office, appt.office_id)
    assert slot is not None and office is not None
    return AppointmentView.of(appt, slot, office)


def close_out(appt: Appointment, now: datetime) -> None:
    """An active appointment whose session is over: checked in → served, else no-show."""
    appt.status = (
        AppointmentStatus.SERVED
        if appt.status == AppointmentStatus.CHECKED_IN
        else AppointmentStatus.NO_SHOW
    )
    appt.updated_at = now


async def cancel_held(session: AsyncSession, appt: Appointment, now: datetime, reason: str) -> None:
    """Cancel an active appointment in the caller's transaction: its seat is freed
    and its pending reminders are cancelled."""
    assert appt.id is not None
    await free_seat(session, appt.slot_id, QuotaPool(appt.pool))
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    appt.updated_at = now
    appt.cancel_reason = reason
    session.add(appt)
    await cancel_reminders(session, appt.id)


async def book(
    ctx: Domain,
    *,
    telegram_id: int,
    slot_id: int,
    service: ServiceType,
    priority: PriorityReason | None = None,
) -> AppointmentView:
    """Book a seat. A repeat for the same slot (a double tap) returns the existing
    appointment; any other active appointment raises ``AlreadyBooked``.

    Runs in the process's shared write transactions, in its own savepoint (see
    ``booking.db.batching`` and ``booking.appointments.writes``). On PostgreSQL, for a
    slot this process saw full, a read first checks whether it still is, and
    answers ``SlotFull`` without waiting for the slot's row lock. (On SQLite the
    batch answers "full" for less than a separate read costs.)"""
    request = BookingRequest(telegram_id, slot_id, service, priority)
    if not ctx.db.is_sqlite and slot_id in ctx.db.full_slots:
        async with ctx.db.engine.connect() as conn:
            full = await conn.run_sync(slot_full_now, ctx, request)
        if full:
            raise SlotFull(slot_id)

    def run() -> Awaitable[AppointmentView]:
        return ctx.db.batcher.submit(partial(book_in, ctx=ctx, request=request), order_key=slot_id)

    return await retrying(run)


async def _owned(
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


async def cancel(
    ctx: Domain, *, telegram_id: int, appointment_id: int, reason: str = "applicant"
) -> AppointmentView:
    """Cancel before the session starts; the seat is freed in the same transaction."""

    async def tx(session: AsyncSession) -> AppointmentView:
        now = ctx.now()
        appt = await _owned(session, telegram_id, appointment_id, lock=True)
        if appt.status != AppointmentStatus.BOOKED:
            raise NotActive(appointment_id, appt.status)
        slot = await session.get(Slot, appt.slot_id)
        assert slot is not None
        if slot.start_utc <= now:
            raise TooLateToChange(appointment_id)
        await cancel_held(session, appt, now, reason)
        view = await _view(session, appt)
        return view

    return await ctx.db.transact(tx)


async def reschedule(
    ctx: Domain,
    *,
    telegram_id: int,
    appointment_id: int,
    new_slot_id: int,
    counts: bool = True,
) -> AppointmentView:
    """Move to another slot: take the new seat and free the old in one transaction.

    Limited to ``reschedule_limit`` times, up to ``reschedule_until_days_before``
    days before the appointment (H-1 by default). ``counts=False`` is for moves the
    office caused, which neither count nor are bound by the deadline.
    """

    async def tx(session: AsyncSession) -> AppointmentView:
        now = ctx.now()
        appt = await _owned(session, telegram_id, appointment_id, lock=True)
        if appt.status != AppointmentStatus.BOOKED:
            raise NotActive(appointment_id, appt.status)
        if new_slot_id == appt.slot_id:
            raise SameSlot(new_slot_id)
        old = await session.get(Slot, appt.slot_id)
        office = await session.get(Office, appt.office_id)
        assert old is not None and office is not None
        if counts:
            today = local_now(now, office.timezone).date()
            if (old.day - today).days < ctx.settings.reschedule_until_days_before:
                raise TooLateToChange(appointment_id)
            if appt.reschedule_count >= ctx.settings.reschedule_limit:
                raise RescheduleLimitReached(ctx.settings.reschedule_limit)
        new = await session.get(Slot, new_slot_id)
        if new is None:
            raise SlotNotFound(new_slot_id)
        applicant = await session.get(Applicant, appt.applicant_id)
        assert applicant is not None
        priority = PriorityReason(appt.priority) if appt.priority else None
        if priority is not None:
            check_priority(priority, applicant.birth_date, applicant.sex, new.day)
        # Touch the two slot rows in id order so concurrent moves cannot deadlock.
        assert old.id is not None and new.id is not None
        if old.id < new.id:
            await free_seat(session, old.id, QuotaPool(appt.pool))
            pool = await take_seat(session, new.id, seat_pools(priority), now + ctx.cutoff)
        else:
            pool = await take_seat(session, new.id, seat_pools(priority), now + ctx.cutoff)
            await free_seat(session, old.id, QuotaPool(appt.pool))
        appt.slot_id = new.id
        appt.office_id = new.office_id
        appt.pool = pool
        appt.reschedule_count += int(counts)
        appt.updated_at = now
        session.add(appt)
        await retime_reminders(session, ctx.settings, appt, now)
        view = await _view(session, appt)
        return view

    return await ctx.db.transact(tx)


async def appointments_of(ctx: Domain, telegram_id: int) -> list[AppointmentView]:
    """Every appointment of an account, soonest first."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Appointment, Slot, Office)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .join(Office, col(Office.id) == Appointment.office_id)
            .where(Appointment.telegram_id == telegram_id)
            .order_by(col(Slot.start_utc), col(Appointment.id))
        )
        return [AppointmentView.of(a, s, o) for a, s, o in rows]


async def active_on_day(
    session: AsyncSession, office_id: int, day: date, *, ending_after: datetime | None = None
) -> list[tuple[Appointment, Applicant]]:
    """The active appointments at an office on ``day`` with their applicants, by id;
    with ``ending_after``, only those in sessions that end after it."""
    query = (
        select(Appointment, Applicant)
        .join(Slot, col(Slot.id) == Appointment.slot_id)
        .join(Applicant, col(Applicant.id) == Appointment.applicant_id)
        .where(
            Slot.office_id == office_id,
            Slot.day == day,
            col(Appointment.status).in_(ACTIVE_STATUSES),
        )
    )
    if ending_after is not None:
        query = query.where(col(Slot.end_utc) > ending_after)
    return list(await session.exec(query.order_by(col(Appointment.id))))


async def get_appointment(ctx: Domain, telegram_id: int, appointment_id: int) -> AppointmentView:
    async with ctx.db.reader() as session:
        appt = await _owned(session, telegram_id, appointment_id)
        return await _view(session, appt)


async def check_reschedulable(ctx: Domain, telegram_id: int, appointment_id: int) -> None:
    """Raise what ``reschedule`` would raise before a new slot is chosen, so the
    applicant learns it before picking a date: ``NotActive``, ``TooLateToChange``
    or ``RescheduleLimitReached`` (``AppointmentNotFound`` for another's id)."""
    now = ctx.now()
    async with ctx.db.reader() as session:
        appt = await _owned(session, telegram_id, appointment_id)
        if appt.status != AppointmentStatus.BOOKED:
            raise NotActive(appointment_id, appt.status)
        old = await session.get(Slot, appt.slot_id)
        office = await session.get(Office, appt.office_id)
        assert old is not None and office is not None
        today = local_now(now, office.timezone).date()
        if (old.day - today).days < ctx.settings.reschedule_until_days_before:
            raise TooLateToChange(appointment_id)
        if appt.reschedule_count >= ctx.settings.reschedule_limit:
            raise RescheduleLimitReached(ctx.settings.reschedule_limit)
