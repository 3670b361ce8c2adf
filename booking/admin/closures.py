"""Closing a date of an office, reopening it, and rebooking the displaced.

Closing a date cancels every active appointment on it as ``displaced`` (freeing
the seats, so slot counters keep equal to the appointments not cancelled) and
writes one notice per displaced group (to the account that booked it, listing
its codes), all in one transaction. A displaced
applicant may then rebook the displaced group together in a new session, a move
that does not count against its reschedule limit: the new group carries the old
one's reschedule count and points at it through ``replaces_id`` (and each new
appointment at the one it replaces).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.input import check_not_past, check_text
from booking.appointments.groups import (
    cancel_held,
    close_out,
    group_view,
    owned_appointment,
    owned_group,
    settle_group,
)
from booking.appointments.priority import check_priority
from booking.appointments.reads import GROUP, group_views
from booking.appointments.service import active_on_day, appointment_view
from booking.appointments.views import AppointmentView, GroupView
from booking.appointments.writes import member_appointment
from booking.calendar.schedule import local_now
from booking.calendar.seats import hold_for_waiting, take_group_seats
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    AlreadyRebooked,
    DayAlreadyClosed,
    DayNotClosed,
    NotDisplaced,
    SlotNotFound,
)
from booking.core.kinds import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    GroupStatus,
    PriorityReason,
    ServiceType,
)
from booking.db.models import Appointment, BookingGroup, Closure, Person, Slot
from booking.notify.confirmations import queue_confirmation
from booking.notify.outbox import notify_holder
from booking.notify.reminders import schedule_reminders
from booking.offices.lookup import office_by_id

DISPLACED = "displaced"
CLOSURE_TEMPLATE = "closure_displaced"
MAX_REASON = 200


@dataclass(frozen=True)
class ClosureResult:
    office_id: int
    day: date
    reason: str
    displaced: list[int]  # ids of the appointments cancelled
    notified: int  # notices written


def _telegram_id_of(actor: str) -> int | None:
    prefix, _, rest = actor.partition(":")
    return int(rest) if prefix == "telegram" and rest.isdigit() else None


async def close_day(
    ctx: Domain, office_id: int, day: date, reason: str, *, actor: str
) -> ClosureResult:
    """Close ``day`` at the office: no booking, every active appointment displaced.

    Sessions already over keep their appointments. Refuses a past date
    (``DateInPast``) and a date already closed (``DayAlreadyClosed``).
    """
    reason = check_text("reason", reason, MAX_REASON)

    async def tx(session: AsyncSession) -> ClosureResult:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        assert office.id is not None
        check_not_past(day, local_now(now, office.timezone).date())
        existing = (
            await session.exec(
                select(Closure).where(Closure.office_id == office_id, Closure.day == day)
            )
        ).first()
        if existing is not None:
            raise DayAlreadyClosed(office_id, day)
        session.add(
            Closure(
                office_id=office_id,
                day=day,
                reason=reason,
                created_at=now,
                created_by=_telegram_id_of(actor),
            )
        )
        await session.exec(
            update(Slot)
            .where(col(Slot.office_id) == office_id, col(Slot.day) == day)
            .values(is_open=False)
        )
        rows = await active_on_day(session, office_id, day, ending_after=now)
        displaced = [appt.id for appt, _ in rows if appt.id is not None]
        notified = 0
        by_group: dict[int, list[Appointment]] = {}
        languages: dict[int | None, str] = {}
        for appt, applicant in rows:
            await cancel_held(session, ctx.settings, appt, now, DISPLACED)
            by_group.setdefault(appt.group_id, []).append(appt)
            languages[appt.id] = applicant.language
        for members in by_group.values():  # one notice per group, to its account
            first = members[0]
            assert first.id is not None
            notified += await notify_holder(
                session,
                first,
                languages[first.id],
                office,
                day,
                kind="closure",
                template=CLOSURE_TEMPLATE,
                args={
                    "reason": reason,
                    "appointment_id": first.id,
                    "codes": [appt.code for appt in members],
                },
                dedupe_key=f"appointment:{first.id}:closure",
                now=now,
            )
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="close_day",
            before={"day": day.isoformat(), "closed": False},
            after={
                "day": day.isoformat(),
                "closed": True,
                "reason": reason,
                "displaced": len(displaced),
            },
        )
        return ClosureResult(office_id, day, reason, displaced, notified)

    return await ctx.db.transact(tx)


async def reopen_day(ctx: Domain, office_id: int, day: date, *, actor: str) -> int:
    """Lift the closure of ``day``; its sessions are open again and missing ones are
    released. Displaced appointments stay cancelled. Returns the slots released."""
    from booking.calendar.release import release_office

    async def tx(session: AsyncSession) -> None:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        check_not_past(day, local_now(now, office.timezone).date())
        closure = (
            await session.exec(
                select(Closure).where(Closure.office_id == office_id, Closure.day == day)
            )
        ).first()
        if closure is None:
            raise DayNotClosed(office_id, day)
        await session.exec(delete(Closure).where(col(Closure.id) == closure.id))
        await session.exec(
            update(Slot)
            .where(col(Slot.office_id) == office_id, col(Slot.day) == day)
            .values(is_open=True)
        )
        await _hold_day_for_waiting(session, office_id, day)
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="reopen_day",
            before={"day": day.isoformat(), "closed": True, "reason": closure.reason},
            after={"day": day.isoformat(), "closed": False},
        )

    await ctx.db.transact(tx)
    released = await release_office(ctx, office_id)
    if released:  # the day's new sessions: their seats to the waitlist first
        await ctx.db.transact(lambda session: _hold_day_for_waiting(session, office_id, day))
    return released


async def _hold_day_for_waiting(session: AsyncSession, office_id: int, day: date) -> None:
    """The free seats of the day's sessions are held for the waitlist, up to its
    demand (``booking.calendar.seats.hold_for_waiting``)."""
    for slot_id in await session.exec(
        select(Slot.id).where(Slot.office_id == office_id, Slot.day == day)
    ):
        assert slot_id is not None
        await hold_for_waiting(session, slot_id)


@dataclass(frozen=True)
class ClosedDay:
    day: date
    reason: str


async def closed_days(ctx: Domain, office_id: int, first: date, last: date) -> list[ClosedDay]:
    async with ctx.db.reader() as session:
        await office_by_id(session, office_id)
        rows = await session.exec(
            select(Closure)
            .where(
                Closure.office_id == office_id,
                col(Closure.day) >= first,
                col(Closure.day) <= last,
            )
            .order_by(col(Closure.day))
        )
        return [ClosedDay(c.day, c.reason) for c in rows]


async def _free_for_rebooking(
    session: AsyncSession, telegram_id: int, nik_hashes: list[str], now: datetime
) -> None:
    """``AlreadyBooked`` when the account, or one of these NIKs, holds an active
    appointment still to come; those whose session is over are closed out."""
    held = await session.exec(
        select(Appointment, Slot)
        .join(Slot, col(Slot.id) == Appointment.slot_id)
        .where(
            col(Appointment.status).in_(ACTIVE_STATUSES),
            or_(
                col(Appointment.telegram_id) == telegram_id,
                col(Appointment.nik_hash).in_(nik_hashes),
            ),
        )
    )
    for appt, its_slot in list(held):
        if its_slot.end_utc <= now:
            close_out(appt, now)
            session.add(appt)
            await settle_group(session, appt.group_id, now)
        else:
            assert appt.id is not None
            raise AlreadyBooked(appt.id, appt.code)


async def _rebook(
    ctx: Domain, session: AsyncSession, telegram_id: int, old_group: BookingGroup, new_slot_id: int
) -> tuple[BookingGroup, dict[int, Appointment]]:
    """Book ``new_slot_id`` for every displaced member of ``old_group`` in the
    caller's transaction; the new group and, by displaced appointment id, the new
    appointments."""
    now = ctx.now()
    displaced = list(
        await session.exec(
            select(Appointment, Person)
            .join(Person, col(Person.id) == Appointment.person_id)
            .where(
                Appointment.group_id == old_group.id,
                Appointment.status == AppointmentStatus.CANCELLED,
                Appointment.cancel_reason == DISPLACED,
            )
            .order_by(col(Appointment.id))
        )
    )
    await _free_for_rebooking(session, telegram_id, [a.nik_hash for a, _ in displaced], now)
    slot = await session.get(Slot, new_slot_id)
    if slot is None:
        raise SlotNotFound(new_slot_id)
    priorities = [PriorityReason(a.priority) if a.priority else None for a, _ in displaced]
    for priority, (_, person) in zip(priorities, displaced, strict=True):
        if priority is not None:
            check_priority(priority, person.birth_date, person.sex, slot.day)
    pools = await take_group_seats(session, new_slot_id, priorities, now + ctx.cutoff)
    group = BookingGroup(
        telegram_id=telegram_id,
        applicant_id=old_group.applicant_id,
        office_id=slot.office_id,
        slot_id=new_slot_id,
        reschedule_count=old_group.reschedule_count,
        replaces_id=old_group.id,
        created_at=now,
        updated_at=now,
    )
    session.add(group)
    await session.flush()
    assert group.id is not None
    new_of: dict[int, Appointment] = {}
    for (was, _), priority, pool in zip(displaced, priorities, pools, strict=True):
        assert was.id is not None
        new_of[was.id] = member_appointment(
            group,
            was.person_id,
            was.nik_hash,
            ServiceType(was.service),
            priority,
            pool,
            now,
            was.id,
        )
        session.add(new_of[was.id])
    await schedule_reminders(session, ctx.settings, group.id, now)
    (was, _), first = displaced[0], next(iter(new_of.values()))
    record(
        session,
        now,
        actor=f"telegram:{telegram_id}",
        office_id=slot.office_id,
        action="rebook_displaced",
        before={
            "appointment_id": was.id,
            "code": was.code,
            "group_id": old_group.id,
            "size": len(displaced),
        },
        after={
            "appointment_id": first.id,
            "code": first.code,
            "slot_id": new_slot_id,
            "group_id": group.id,
            "size": len(new_of),
        },
    )
    return group, new_of


async def rebook_displaced(
    ctx: Domain, *, telegram_id: int, appointment_id: int, new_slot_id: int
) -> AppointmentView:
    """Rebook the group of an appointment a closure displaced (see ``rebook_group``);
    returns the new appointment of ``appointment_id``'s person. ``NotDisplaced``,
    ``AlreadyRebooked`` name the appointment."""

    async def tx(session: AsyncSession) -> AppointmentView:
        old = await owned_appointment(session, telegram_id, appointment_id)
        if old.status != AppointmentStatus.CANCELLED or old.cancel_reason != DISPLACED:
            raise NotDisplaced(appointment_id)
        again = (
            await session.exec(select(Appointment).where(Appointment.replaces_id == old.id))
        ).first()
        if again is not None:
            assert again.id is not None
            raise AlreadyRebooked(appointment_id, again.id)
        old_group = await session.get(BookingGroup, old.group_id)
        assert old_group is not None
        _, new_of = await _rebook(ctx, session, telegram_id, old_group, new_slot_id)
        return await appointment_view(session, new_of[appointment_id])

    return await ctx.db.transact(tx)


async def rebook_group(
    ctx: Domain, *, telegram_id: int, group_id: int, new_slot_id: int
) -> GroupView:
    """Book ``new_slot_id`` for a group a closure displaced: every displaced member
    together, all or nothing (``NotEnoughSeats``), a move that does not count.

    The new group keeps each member's service and priority claim and the group's
    reschedule count; it records the displaced group in ``replaces_id``, and each
    new appointment the one it replaces. A displaced group can be rebooked once
    (``AlreadyRebooked(group_id, new_group_id)``); ``NotDisplaced(group_id)`` for a
    group no closure displaced, ``GroupNotFound`` for another account's id."""

    async def tx(session: AsyncSession) -> GroupView:
        old_group = await owned_group(session, telegram_id, group_id)
        reasons = set(
            await session.exec(
                select(Appointment.cancel_reason).where(Appointment.group_id == group_id)
            )
        )
        if old_group.status != GroupStatus.CANCELLED or DISPLACED not in reasons:
            raise NotDisplaced(group_id)
        again = (
            await session.exec(select(BookingGroup).where(BookingGroup.replaces_id == group_id))
        ).first()
        if again is not None:
            assert again.id is not None
            raise AlreadyRebooked(group_id, again.id)
        group, _ = await _rebook(ctx, session, telegram_id, old_group, new_slot_id)
        assert group.id is not None
        await queue_confirmation(session, ctx.settings, group.id, ctx.now())
        return await group_view(session, group.id)

    return await ctx.db.transact(tx)


async def displaced_of(ctx: Domain, telegram_id: int) -> list[AppointmentView]:
    """Appointments of this account a closure displaced and not yet rebooked."""
    rebooked = select(col(Appointment.replaces_id)).where(col(Appointment.replaces_id).is_not(None))
    async with ctx.db.reader() as session:
        rows = list(
            await session.exec(
                select(Appointment)
                .where(
                    Appointment.telegram_id == telegram_id,
                    Appointment.status == AppointmentStatus.CANCELLED,
                    Appointment.cancel_reason == DISPLACED,
                    col(Appointment.id).not_in(rebooked),
                )
                .order_by(col(Appointment.id))
            )
        )
        return [await appointment_view(session, appt) for appt in rows]


async def displaced_groups_of(ctx: Domain, telegram_id: int) -> list[GroupView]:
    """Groups of this account a closure displaced and not yet rebooked."""
    rebooked = select(col(BookingGroup.replaces_id)).where(
        col(BookingGroup.replaces_id).is_not(None)
    )
    displaced = select(Appointment.group_id).where(
        Appointment.telegram_id == telegram_id, Appointment.cancel_reason == DISPLACED
    )
    async with ctx.db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: group_views(
                sync.execute,
                GROUP.c.telegram_id == telegram_id,
                GROUP.c.status == GroupStatus.CANCELLED.value,
                GROUP.c.id.in_(displaced),
                GROUP.c.id.not_in(rebooked),
            )
        )
