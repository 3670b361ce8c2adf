"""Booking, cancelling and rescheduling one person's appointment: the account's
holder booked alone (a group of one), and any appointment by its id.

The rule that decides who gets a seat lives in the database, built by
``booking.calendar.seats`` (the conditional UPDATE of a slot's counter, in the
same transaction as the appointment insert), with partial unique indexes
allowing one active appointment per NIK and one active group per Telegram
account. Every write runs through ``Database.transact`` (bookings:
``Database.batcher``) under the one retry policy of ``booking.db.transactions``.
Groups of several people: ``booking.appointments.groups``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.groups import (
    cancel_appointment,
    check_reschedule_window,
    move_group,
    owned_appointment,
    submit_booking,
)
from booking.appointments.priority import check_priority
from booking.appointments.views import AppointmentView
from booking.appointments.writes import BookingRequest, MemberChoice
from booking.core.context import Domain
from booking.core.errors import NotActive
from booking.core.kinds import ACTIVE_STATUSES, AppointmentStatus, PriorityReason, ServiceType
from booking.db.models import Applicant, Appointment, BookingGroup, Office, Slot

__all__ = [
    "active_on_day",
    "appointments_of",
    "book",
    "cancel",
    "check_priority",
    "check_reschedulable",
    "get_appointment",
    "reschedule",
]


async def appointment_view(session: AsyncSession, appt: Appointment) -> AppointmentView:
    """The appointment as it stands in the session's transaction."""
    group = await session.get(BookingGroup, appt.group_id)
    slot = await session.get(Slot, appt.slot_id)
    office = await session.get(Office, appt.office_id)
    assert group is not None and slot is not None and office is not None
    return AppointmentView.of(appt, group, slot, office)


async def book(
    ctx: Domain,
    *,
    telegram_id: int,
    slot_id: int,
    service: ServiceType,
    priority: PriorityReason | None = None,
) -> AppointmentView:
    """Book a seat for the account's holder alone (a group of one). A repeat for
    the same slot (a double tap) returns the existing appointment; any other
    active group raises ``AlreadyBooked``. Runs on the batched path
    (``booking.appointments.groups.submit_booking``)."""
    choice = MemberChoice(None, service, priority)
    group = await submit_booking(ctx, BookingRequest(telegram_id, slot_id, (choice,)))
    return group.members[0].appointment()


async def cancel(
    ctx: Domain, *, telegram_id: int, appointment_id: int, reason: str = "applicant"
) -> AppointmentView:
    """Cancel before the session starts; the seat is freed in the same transaction
    (the rest of its group keeps theirs)."""

    async def tx(session: AsyncSession) -> AppointmentView:
        appt = await owned_appointment(session, telegram_id, appointment_id, lock=True)
        await cancel_appointment(ctx, session, appt, reason)
        return await appointment_view(session, appt)

    return await ctx.db.transact(tx)


async def reschedule(
    ctx: Domain,
    *,
    telegram_id: int,
    appointment_id: int,
    new_slot_id: int,
    counts: bool = True,
) -> AppointmentView:
    """Move the appointment's group (the appointment with the rest of its group)
    to another slot: take the new seats and free the old in one transaction.

    Limited to ``reschedule_limit`` times per group, up to
    ``reschedule_until_days_before`` days before the appointment (H-1 by default).
    ``counts=False`` is for moves the office caused, which neither count nor are
    bound by the deadline.
    """

    async def tx(session: AsyncSession) -> AppointmentView:
        appt = await owned_appointment(session, telegram_id, appointment_id, lock=True)
        if appt.status != AppointmentStatus.BOOKED:
            raise NotActive(appointment_id, appt.status)
        group = await session.get(BookingGroup, appt.group_id, with_for_update=True)
        assert group is not None
        await move_group(
            ctx, session, group, new_slot_id, ctx.now(), counts=counts, ident=appointment_id
        )
        return await appointment_view(session, appt)

    return await ctx.db.transact(tx)


async def appointments_of(ctx: Domain, telegram_id: int) -> list[AppointmentView]:
    """Every appointment of an account, soonest first."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Appointment, BookingGroup, Slot, Office)
            .join(BookingGroup, col(BookingGroup.id) == Appointment.group_id)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .join(Office, col(Office.id) == Appointment.office_id)
            .where(Appointment.telegram_id == telegram_id)
            .order_by(col(Slot.start_utc), col(Appointment.id))
        )
        return [AppointmentView.of(a, g, s, o) for a, g, s, o in rows]


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
        appt = await owned_appointment(session, telegram_id, appointment_id)
        return await appointment_view(session, appt)


async def check_reschedulable(ctx: Domain, telegram_id: int, appointment_id: int) -> None:
    """Raise what ``reschedule`` would raise before a new slot is chosen, so the
    applicant learns it before picking a date: ``NotActive``, ``TooLateToChange``
    or ``RescheduleLimitReached`` (``AppointmentNotFound`` for another's id)."""
    now = ctx.now()
    async with ctx.db.reader() as session:
        appt = await owned_appointment(session, telegram_id, appointment_id)
        if appt.status != AppointmentStatus.BOOKED:
            raise NotActive(appointment_id, appt.status)
        group = await session.get(BookingGroup, appt.group_id)
        old = await session.get(Slot, appt.slot_id)
        office = await session.get(Office, appt.office_id)
        assert group is not None and old is not None and office is not None
        check_reschedule_window(ctx, group, old, office, now, appointment_id)
