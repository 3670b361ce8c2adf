"""At the counter: checking applicants in, and closing out sessions that are over.

A check-in gives the person a ticket in the office's queue of the day
(``QueueTicket``, called by ``booking.queue``), and the ticket's number is the
appointment's queue number: one number per person and day, the one the counter
calls and the display shows. The slot row is locked first (PostgreSQL ``FOR
UPDATE``; SQLite write transactions are serialized by ``BEGIN IMMEDIATE``); the
number is the next of the office's day (``take_ticket_number``: the day's row
moved by a conditional update), and unique indexes on ``(office_id, day,
number)`` and ``(slot_id, queue_number)`` back it up, so two people never share one.

A family comes to the counter together: checking in one member's code checks in
every member of its booking group still booked, at once, each with their own
queue number, consecutive (the member whose code was given first, then the
others in booking order); the others' codes then answer ``AlreadyCheckedIn``
with their numbers. Marking no-shows and closing out finish the booking groups
left with nobody active.

An applicant sent home from the counter (a missing document, say) is released
(``release``): the appointment ends as ``released``, so its NIK may book again,
the same day if seats are left, while its seat stays used (the person took it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.appointments.codes import normalize_code
from booking.appointments.groups import finish_groups, settle_group
from booking.appointments.service import appointment_view
from booking.appointments.views import AppointmentView
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyCheckedIn,
    AppointmentCancelled,
    NotActive,
    NotCheckedIn,
    OtherOfficeCode,
    SessionNotEnded,
    SlotNotFound,
    UnknownBookingCode,
    WrongDay,
)
from booking.core.kinds import ACTIVE_STATUSES, AppointmentStatus, PriorityReason, QueueStatus
from booking.db.models import (
    Applicant,
    Appointment,
    Office,
    Person,
    QueueDay,
    QueueTicket,
    Slot,
)
from booking.notify.outbox import dedupe_key, notify_holder
from booking.offices.lookup import office_by_id

# The outbox template of the note to an applicant who was released.
RELEASED_TEMPLATE = "released"


@dataclass(frozen=True)
class CheckedIn:
    """One person checked in: their code, name, masked NIK and queue number."""

    code: str
    full_name: str
    nik_masked: str
    queue_number: int


@dataclass(frozen=True)
class CheckInResult:
    """The person whose code was given (``queue_number``, ``full_name``,
    ``nik_masked``, ``appointment``), and ``members``: everyone this check-in
    numbered, that person first, then the rest of the group in booking order."""

    queue_number: int
    full_name: str
    nik_masked: str
    appointment: AppointmentView
    members: tuple[CheckedIn, ...]


# Declared priority reasons the counter checks (the others come from the NIK).
DECLARED_PRIORITY = (PriorityReason.DISABLED, PriorityReason.PREGNANT)


async def queue_day_row(session: AsyncSession, office_id: int, day: date) -> None:
    """Make the office's queue row of ``day`` if it is not there yet."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.exec(
        insert(QueueDay)
        .values(office_id=office_id, day=day, last_number=0, walk_ins=0, version=0)
        .on_conflict_do_nothing(index_elements=["office_id", "day"])
    )


def _this_day(office_id: int, day: date) -> tuple[Any, ...]:
    return (col(QueueDay.office_id) == office_id, col(QueueDay.day) == day)


async def touch_queue_day(session: AsyncSession, office_id: int, day: date) -> None:
    """Move the day's ``version``: the queue of ``day`` changed (the display shows it)."""
    await queue_day_row(session, office_id, day)
    await session.exec(
        update(QueueDay).where(*_this_day(office_id, day)).values(version=col(QueueDay.version) + 1)
    )


async def take_ticket_number(session: AsyncSession, office_id: int, day: date) -> int:
    """The next ticket number of the office's ``day`` (1, 2, ...), taken for the
    caller's transaction (the row stays locked until it ends)."""
    await queue_day_row(session, office_id, day)
    taken = await session.exec(
        update(QueueDay)
        .where(*_this_day(office_id, day))
        .values(last_number=col(QueueDay.last_number) + 1, version=col(QueueDay.version) + 1)
        .returning(col(QueueDay.last_number))
    )
    return int(taken.scalar_one())


async def add_ticket(session: AsyncSession, ticket: QueueTicket) -> QueueTicket:
    """Put ``ticket`` (its number left 0) in its office's queue with the next number."""
    ticket.number = await take_ticket_number(session, ticket.office_id, ticket.day)
    session.add(ticket)
    await session.flush()
    return ticket


async def _queue_ticket_of(
    session: AsyncSession, appt: Appointment, slot: Slot, now: datetime
) -> QueueTicket:
    """The person's ticket of the day: a new one, or the one they have already
    (they walked in earlier), which then stands for the appointment too."""
    there = (
        await session.exec(
            select(QueueTicket).where(
                QueueTicket.office_id == appt.office_id,
                QueueTicket.day == slot.day,
                QueueTicket.nik_hash == appt.nik_hash,
            )
        )
    ).first()
    if there is not None:
        there.appointment_id = appt.id
        session.add(there)
        return there
    reason = PriorityReason(appt.priority) if appt.priority else None
    return await add_ticket(
        session,
        QueueTicket(
            office_id=appt.office_id,
            day=slot.day,
            number=0,
            status=QueueStatus.WAITING,
            priority=reason is not None,
            priority_reason=reason,
            verify_at_counter=reason in DECLARED_PRIORITY,
            telegram_id=appt.telegram_id,
            appointment_id=appt.id,
            person_id=appt.person_id,
            nik_hash=appt.nik_hash,
            session_start=slot.start_utc,
            queued_at=now,
            arrived_at=now,
        ),
    )


async def _lock_slot(session: AsyncSession, slot_id: int) -> Slot:
    return (await session.exec(select(Slot).where(Slot.id == slot_id).with_for_update())).one()


async def _check_in_one(
    session: AsyncSession, appt: Appointment, slot: Slot, now: datetime
) -> CheckedIn:
    """Check in a booked appointment (its session's row locked): the person's
    ticket in the office's queue of the day, whose number it takes."""
    ticket = await _queue_ticket_of(session, appt, slot, now)
    result = await session.exec(
        update(Appointment)
        .where(
            col(Appointment.id) == appt.id,
            col(Appointment.status) == AppointmentStatus.BOOKED.value,
        )
        .values(
            status=AppointmentStatus.CHECKED_IN.value,
            queue_number=ticket.number,
            checked_in_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        raise AssertionError("appointment changed under a row lock")
    await session.refresh(appt)
    person = await session.get(Person, appt.person_id)
    assert person is not None
    return CheckedIn(appt.code, person.full_name, person.nik_masked, ticket.number)


def _typed_code(code: str) -> str:
    """The booking code typed at the counter, normalized; ``UnknownBookingCode`` if it is none."""
    typed = (code or "").strip()[:32]
    normalized = normalize_code(typed)
    if normalized is None:
        raise UnknownBookingCode(typed)
    return normalized


async def _at_counter(
    session: AsyncSession, office_id: int, code: str
) -> tuple[Office, Appointment, Slot]:
    """The office, and the appointment of ``code`` there, read again once its
    session's row is locked (a concurrent change of the same code has committed by
    then), with its session. Refuses a code of another office and a cancelled one."""
    office = await office_by_id(session, office_id)
    appt = (await session.exec(select(Appointment).where(Appointment.code == code))).first()
    if appt is None:
        raise UnknownBookingCode(code)
    if appt.office_id != office_id:
        other = await session.get(Office, appt.office_id)
        assert other is not None
        raise OtherOfficeCode(code, other.code)
    slot = await _lock_slot(session, appt.slot_id)
    await session.refresh(appt)
    if appt.status == AppointmentStatus.CANCELLED:
        raise AppointmentCancelled(code, appt.cancel_reason)
    return office, appt, slot


async def check_in(ctx: Domain, office_id: int, code: str, *, actor: str) -> CheckInResult:
    """Check in the person of booking ``code`` at ``office_id`` today, with the
    rest of their booking group still booked (see the module doc).

    Distinct errors: ``UnknownBookingCode`` (not a code, or no such appointment),
    ``OtherOfficeCode``, ``AppointmentCancelled``, ``AlreadyCheckedIn`` (with the
    number given before), ``NotActive`` (marked no-show), ``WrongDay``.
    """
    normalized = _typed_code(code)

    async def tx(session: AsyncSession) -> CheckInResult:
        now = ctx.now()
        office, appt, slot = await _at_counter(session, office_id, normalized)
        assert appt.id is not None
        status = AppointmentStatus(appt.status)
        if status in (AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED):
            assert appt.queue_number is not None
            raise AlreadyCheckedIn(normalized, appt.queue_number)
        if status is not AppointmentStatus.BOOKED:
            raise NotActive(appt.id, status.value)
        today = local_now(now, office.timezone).date()
        if slot.day != today:
            raise WrongDay(normalized, slot.day, today)
        others = await session.exec(
            select(Appointment).where(
                Appointment.group_id == appt.group_id,
                col(Appointment.id) != appt.id,
                col(Appointment.status) == AppointmentStatus.BOOKED.value,
            )
        )
        together = [appt, *sorted(others, key=lambda a: a.id or 0)]
        checked: list[CheckedIn] = []
        for member in together:
            one = await _check_in_one(session, member, slot, now)
            checked.append(one)
            record(
                session,
                now,
                actor=actor,
                office_id=office_id,
                action="check_in",
                before={"code": member.code, "status": AppointmentStatus.BOOKED.value},
                after={
                    "code": member.code,
                    "status": AppointmentStatus.CHECKED_IN.value,
                    "queue_number": one.queue_number,
                },
            )
        first = checked[0]
        view = await appointment_view(session, appt)
        return CheckInResult(
            first.queue_number, first.full_name, first.nik_masked, view, tuple(checked)
        )

    return await ctx.db.transact(tx)


@dataclass(frozen=True)
class Released:
    """A checked-in appointment released: its code, the person and their queue number."""

    code: str
    full_name: str
    queue_number: int | None


async def release(ctx: Domain, office_id: int, code: str, *, actor: str) -> Released:
    """End the checked-in appointment of ``code`` at ``office_id`` as ``released``:
    the person was sent home from the counter and may book again (see the module
    doc). The seat stays used. The account's holder gets a short note through the
    outbox; the change is audited. Other members of a booking group are left as
    they are.

    Distinct errors: ``UnknownBookingCode``, ``OtherOfficeCode``,
    ``AppointmentCancelled``, ``NotCheckedIn`` (still booked), ``NotActive``
    (served, no-show or released already).
    """
    normalized = _typed_code(code)

    async def tx(session: AsyncSession) -> Released:
        now = ctx.now()
        office, appt, slot = await _at_counter(session, office_id, normalized)
        assert appt.id is not None
        status = AppointmentStatus(appt.status)
        if status is AppointmentStatus.BOOKED:
            raise NotCheckedIn(normalized)
        if status is not AppointmentStatus.CHECKED_IN:
            raise NotActive(appt.id, status.value)
        appt.status = AppointmentStatus.RELEASED
        appt.updated_at = now
        session.add(appt)
        await settle_group(session, appt.group_id, now)
        person = await session.get(Person, appt.person_id)
        applicant = await session.get(Applicant, appt.applicant_id)
        assert person is not None and applicant is not None
        await notify_holder(
            session,
            appt,
            applicant.language,
            office,
            slot.day,
            kind=RELEASED_TEMPLATE,
            template=RELEASED_TEMPLATE,
            args={"name": person.full_name},
            dedupe_key=dedupe_key(appt.id, RELEASED_TEMPLATE),
            now=now,
        )
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="release",
            before={"code": appt.code, "status": AppointmentStatus.CHECKED_IN.value},
            after={"code": appt.code, "status": AppointmentStatus.RELEASED.value},
        )
        return Released(appt.code, person.full_name, appt.queue_number)

    return await ctx.db.transact(tx)


@dataclass(frozen=True)
class NoShowResult:
    marked: int  # appointments marked no-show
    slot_ids: list[int]  # the ended sessions looked at


async def mark_no_shows(
    ctx: Domain,
    office_id: int,
    *,
    slot_id: int | None = None,
    day: date | None = None,
    actor: str,
) -> NoShowResult:
    """Mark every still-booked appointment of an ended session as ``no_show``.

    Give ``slot_id`` for one session, or ``day`` for every session of that date
    that has ended. Refuses (``SessionNotEnded``) when the session, or every
    session of the date, is not over yet.
    """
    if (slot_id is None) == (day is None):
        raise ValueError("give exactly one of slot_id and day")

    async def tx(session: AsyncSession) -> NoShowResult:
        now = ctx.now()
        await office_by_id(session, office_id)
        if slot_id is not None:
            slot = await session.get(Slot, slot_id)
            if slot is None or slot.office_id != office_id:
                raise SlotNotFound(slot_id)
            if slot.end_utc > now:
                raise SessionNotEnded(slot_id, slot.day)
            ended = [slot_id]
        else:
            slots = list(
                await session.exec(select(Slot).where(Slot.office_id == office_id, Slot.day == day))
            )
            ended = [s.id for s in slots if s.id is not None and s.end_utc <= now]
            if not ended:
                raise SessionNotEnded(None, day)
        result = await session.exec(
            update(Appointment)
            .where(
                col(Appointment.slot_id).in_(ended),
                col(Appointment.status) == AppointmentStatus.BOOKED.value,
            )
            .values(status=AppointmentStatus.NO_SHOW.value, updated_at=now)
        )
        marked = result.rowcount
        await finish_groups(session, ended, now)
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="mark_no_shows",
            before={"slot_ids": ended, "status": AppointmentStatus.BOOKED.value},
            after={"marked": marked, "status": AppointmentStatus.NO_SHOW.value},
        )
        return NoShowResult(marked, sorted(ended))

    return await ctx.db.transact(tx)


CLOSE_OUT_ACTOR = "system:end_of_day"


async def close_out_day(ctx: Domain, now: datetime | None = None) -> int:
    """End-of-day job: for every office whose local day is over, appointments of
    earlier dates still booked become ``no_show`` and checked-in ones ``served``;
    the queue tickets of those dates still waiting become ``missed`` and those at a
    counter ``served``.

    Safe to run often and from several processes. Returns how many changed.
    """
    at = now or ctx.now()
    async with ctx.db.reader() as session:
        offices = list(await session.exec(select(Office)))
    total = 0
    for office in offices:
        assert office.id is not None
        total += await _close_out_office(ctx, office.id, local_now(at, office.timezone).date(), at)
    return total


async def _close_out_office(ctx: Domain, office_id: int, today: date, now: datetime) -> int:
    earlier = select(col(Slot.id)).where(Slot.office_id == office_id, col(Slot.day) < today)
    async with ctx.db.reader() as session:
        # Most rounds find nothing to do: skip taking the write lock then.
        pending = (
            await session.exec(
                select(func.count()).where(
                    col(Appointment.slot_id).in_(earlier),
                    col(Appointment.status).in_(ACTIVE_STATUSES),
                )
            )
        ).one()
        in_queue = (
            await session.exec(
                select(func.count()).where(
                    *_queued_before(office_id, today),
                    col(QueueTicket.status).in_((QueueStatus.WAITING, QueueStatus.CALLED)),
                )
            )
        ).one()
    if not pending and not in_queue:
        return 0

    async def tx(session: AsyncSession) -> int:
        changed = {}
        for old, new in (
            (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW),
            (AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED),
        ):
            result = await session.exec(
                update(Appointment)
                .where(
                    col(Appointment.slot_id).in_(earlier),
                    col(Appointment.status) == old.value,
                )
                .values(status=new.value, updated_at=now)
            )
            changed[new.value] = result.rowcount
        await _close_out_queue(session, office_id, today, now)
        await finish_groups(session, earlier, now)
        count = sum(changed.values())
        if count:
            record(
                session,
                now,
                actor=CLOSE_OUT_ACTOR,
                office_id=office_id,
                action="close_out_day",
                before={"before_day": today.isoformat()},
                after=changed,
            )
        return count

    return await ctx.db.transact(tx)


def _queued_before(office_id: int, today: date) -> tuple[Any, ...]:
    return (col(QueueTicket.office_id) == office_id, col(QueueTicket.day) < today)


async def _close_out_queue(
    session: AsyncSession, office_id: int, today: date, now: datetime
) -> None:
    """Finish the queue tickets of the office's earlier dates (audited apart from
    the appointments): still waiting, missed; at a counter, served."""
    changed = {}
    for was, becomes, stamp in (
        (QueueStatus.WAITING, QueueStatus.MISSED, "missed_at"),
        (QueueStatus.CALLED, QueueStatus.SERVED, "served_at"),
    ):
        result = await session.exec(
            update(QueueTicket)
            .where(*_queued_before(office_id, today), col(QueueTicket.status) == was.value)
            .values(status=becomes.value, **{stamp: now})
        )
        changed[becomes.value] = result.rowcount
    if any(changed.values()):
        record(
            session,
            now,
            actor=CLOSE_OUT_ACTOR,
            office_id=office_id,
            action="close_out_queue",
            before={"before_day": today.isoformat()},
            after=changed,
        )
