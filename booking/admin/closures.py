"""Closing a date of an office, reopening it, and rebooking the displaced.

Closing a date cancels every active appointment on it as ``displaced`` (freeing
the seats, so slot counters keep equal to the appointments not cancelled) and
writes one notice per displaced applicant, all in one transaction. A displaced
applicant may then book a new seat that does not count against their
reschedule limit: the new appointment carries the old one's reschedule count and
points at it through ``replaces_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.input import check_not_past, check_text
from booking.appointments.codes import new_booking_code
from booking.appointments.priority import check_priority
from booking.appointments.service import _owned, _view, active_on_day, cancel_held, close_out
from booking.appointments.views import AppointmentView
from booking.calendar.schedule import local_now
from booking.calendar.seats import seat_pools, take_seat
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    AlreadyRebooked,
    DayAlreadyClosed,
    DayNotClosed,
    NotDisplaced,
    SlotNotFound,
)
from booking.core.kinds import ACTIVE_STATUSES, AppointmentStatus, PriorityReason
from booking.db.models import Applicant, Appointment, Closure, Slot
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
        for appt, applicant in rows:
            assert appt.id is not None
            await cancel_held(session, appt, now, DISPLACED)
            notified += await notify_holder(
                session,
                appt,
                applicant.language,
                office,
                day,
                kind="closure",
                template=CLOSURE_TEMPLATE,
                args={"reason": reason, "appointment_id": appt.id},
                dedupe_key=f"appointment:{appt.id}:closure",
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
    return await release_office(ctx, office_id)


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


async def rebook_displaced(
    ctx: Domain, *, telegram_id: int, appointment_id: int, new_slot_id: int
) -> AppointmentView:
    """Book ``new_slot_id`` for an appointment a closure displaced.

    The new appointment keeps the service, the priority claim and the reschedule
    count of the displaced one (this move does not count), and records it in
    ``replaces_id``. A displaced appointment can be rebooked once.
    """

    async def tx(session: AsyncSession) -> AppointmentView:
        now = ctx.now()
        old = await _owned(session, telegram_id, appointment_id)
        if old.status != AppointmentStatus.CANCELLED or old.cancel_reason != DISPLACED:
            raise NotDisplaced(appointment_id)
        again = (
            await session.exec(select(Appointment).where(Appointment.replaces_id == old.id))
        ).first()
        if again is not None:
            assert again.id is not None
            raise AlreadyRebooked(appointment_id, again.id)
        applicant = await session.get(Applicant, old.applicant_id)
        assert applicant is not None and applicant.id is not None
        held = await session.exec(
            select(Appointment, Slot)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .where(
                col(Appointment.status).in_(ACTIVE_STATUSES),
                or_(
                    col(Appointment.telegram_id) == telegram_id,
                    col(Appointment.nik_hash) == applicant.nik_hash,
                ),
            )
        )
        for appt, its_slot in list(held):
            if its_slot.end_utc <= now:
                close_out(appt, now)
                session.add(appt)
            else:
                assert appt.id is not None
                raise AlreadyBooked(appt.id, appt.code)
        slot = await session.get(Slot, new_slot_id)
        if slot is None:
            raise SlotNotFound(new_slot_id)
        priority = PriorityReason(old.priority) if old.priority else None
        if priority is not None:
            check_priority(priority, applicant.birth_date, applicant.sex, slot.day)
        pool = await take_seat(session, new_slot_id, seat_pools(priority), now + ctx.cutoff)
        new = Appointment(
            code=new_booking_code(),
            applicant_id=applicant.id,
            office_id=slot.office_id,
            slot_id=new_slot_id,
            service=old.service,
            priority=priority,
            pool=pool,
            telegram_id=telegram_id,
            nik_hash=applicant.nik_hash,
            reschedule_count=old.reschedule_count,
            replaces_id=old.id,
            created_at=now,
            updated_at=now,
        )
        session.add(new)
        await session.flush()
        await schedule_reminders(session, ctx.settings, new, now)
        record(
            session,
            now,
            actor=f"telegram:{telegram_id}",
            office_id=slot.office_id,
            action="rebook_displaced",
            before={"appointment_id": old.id, "code": old.code},
            after={"appointment_id": new.id, "code": new.code, "slot_id": new_slot_id},
        )
        view = await _view(session, new)
        return view

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
        return [await _view(session, appt) for appt in rows]
