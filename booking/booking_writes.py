"""The statements of one booking, few and cheap, for ``appointments.book``.

A booking runs as a request of the process's ``WriteBatcher`` (see
``booking.batching``), inside its own savepoint of a shared write transaction,
with Core statements only:

1. one SELECT of the applicant, their active appointments (by Telegram account or
   by NIK) and the slot with its office;
2. the conditional ``UPDATE slot SET booked = booked + 1 WHERE booked < capacity
   AND is_open AND start_utc > :not_before`` (per pool), which is what decides;
3. ``INSERT appointment ... RETURNING id``, held to one active appointment per NIK
   and per account by the partial unique indexes;
4. one INSERT of its reminders into the outbox.

The view returned is built from what these statements read; nothing is fetched
twice. The rules, their order and the errors are those of the ORM version
(``take_seat`` and friends in ``booking.appointments``).

``slot_full_now`` is a read-only answer for a slot this process has seen full: in
one SELECT on a reader connection (no write lock) it says whether this booking
would get ``SlotFull`` from the write path at that moment. It only ever answers
"full", from the database's current counts, so it cannot make a wrong booking;
any other case goes to the write path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.codes import new_booking_code
from booking.context import Domain
from booking.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    DayClosed,
    SessionStarted,
    SlotFull,
    SlotNotFound,
)
from booking.models import (
    ACTIVE_STATUSES,
    Applicant,
    Appointment,
    AppointmentStatus,
    Office,
    PriorityReason,
    QuotaPool,
    ServiceType,
    Slot,
)
from booking.outbox import insert_new_rows, reminder_rows
from booking.priority import check_priority, seat_pools
from booking.views import AppointmentView

APPLICANT = Applicant.__table__  # type: ignore[attr-defined]
APPOINTMENT = Appointment.__table__  # type: ignore[attr-defined]
SLOT = Slot.__table__  # type: ignore[attr-defined]
OFFICE = Office.__table__  # type: ignore[attr-defined]

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


@dataclass(frozen=True)
class BookingRequest:
    telegram_id: int
    slot_id: int
    service: ServiceType
    priority: PriorityReason | None


@dataclass(frozen=True)
class _Held:
    """An active appointment of the applicant, with the end of its session."""

    id: int
    code: str
    status: str
    slot_id: int
    telegram_id: int
    ends: datetime


@dataclass(frozen=True)
class _Situation:
    """What the first SELECT reads: the applicant, what they hold, the slot."""

    applicant: dict[str, Any]
    held: list[_Held]
    slot: Slot | None
    office: Office | None


def _prefixed(table: Any, prefix: str) -> list[Any]:
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def _unprefixed(row: Row[Any], table: Any, prefix: str) -> dict[str, Any]:
    mapping = row._mapping
    return {c.name: mapping[f"{prefix}{c.name}"] for c in table.c}


def _situation_query(request: BookingRequest) -> Any:
    held = APPOINTMENT.alias("held")
    held_slot = SLOT.alias("held_slot")
    return (
        select(
            *_prefixed(APPLICANT, "a_"),
            held.c.id.label("h_id"),
            held.c.code.label("h_code"),
            held.c.status.label("h_status"),
            held.c.slot_id.label("h_slot_id"),
            held.c.telegram_id.label("h_telegram_id"),
            held_slot.c.end_utc.label("h_ends"),
            *_prefixed(SLOT, "s_"),
            *_prefixed(OFFICE, "o_"),
        )
        .select_from(
            APPLICANT.outerjoin(SLOT, SLOT.c.id == request.slot_id)
            .outerjoin(OFFICE, OFFICE.c.id == SLOT.c.office_id)
            .outerjoin(
                held,
                and_(
                    held.c.status.in_(_ACTIVE),
                    or_(
                        held.c.telegram_id == APPLICANT.c.telegram_id,
                        held.c.nik_hash == APPLICANT.c.nik_hash,
                    ),
                ),
            )
            .outerjoin(held_slot, held_slot.c.id == held.c.slot_id)
        )
        .where(APPLICANT.c.telegram_id == request.telegram_id)
    )


async def _situation(conn: AsyncConnection, request: BookingRequest) -> _Situation:
    rows = (await conn.execute(_situation_query(request))).all()
    if not rows:
        raise ApplicantNotFound(request.telegram_id)
    first = rows[0]
    held = [
        _Held(r.h_id, r.h_code, r.h_status, r.h_slot_id, r.h_telegram_id, r.h_ends)
        for r in rows
        if r.h_id is not None
    ]
    slot = Slot(**_unprefixed(first, SLOT, "s_")) if first.s_id is not None else None
    office = Office(**_unprefixed(first, OFFICE, "o_")) if first.o_id is not None else None
    return _Situation(_unprefixed(first, APPLICANT, "a_"), held, slot, office)


async def _close_out(conn: AsyncConnection, appointment_id: int, now: datetime) -> None:
    """An active appointment whose session is over: checked in → served, else no-show."""
    await conn.execute(
        update(APPOINTMENT)
        .where(APPOINTMENT.c.id == appointment_id)
        .values(
            status=case(
                (
                    APPOINTMENT.c.status == AppointmentStatus.CHECKED_IN.value,
                    AppointmentStatus.SERVED.value,
                ),
                else_=AppointmentStatus.NO_SHOW.value,
            ),
            updated_at=now,
        )
    )


async def _existing_view(conn: AsyncConnection, appointment_id: int) -> AppointmentView:
    appt_row = (
        await conn.execute(select(APPOINTMENT).where(APPOINTMENT.c.id == appointment_id))
    ).one()
    appt = Appointment(**appt_row._mapping)
    slot_row = (await conn.execute(select(SLOT).where(SLOT.c.id == appt.slot_id))).one()
    office_row = (await conn.execute(select(OFFICE).where(OFFICE.c.id == appt.office_id))).one()
    slot, office = Slot(**slot_row._mapping), Office(**office_row._mapping)
    return AppointmentView.of(appt, slot, office)


async def _take_seat(
    conn: AsyncConnection, slot_id: int, pools: list[QuotaPool], not_before: datetime
) -> QuotaPool:
    """Take one seat from the first pool that has one, or raise why not."""
    for pool in pools:
        if pool is QuotaPool.PRIORITY:
            stmt = update(SLOT).where(SLOT.c.priority_booked < SLOT.c.priority_capacity)
            stmt = stmt.values(priority_booked=SLOT.c.priority_booked + 1)
        else:
            stmt = update(SLOT).where(SLOT.c.booked < SLOT.c.capacity)
            stmt = stmt.values(booked=SLOT.c.booked + 1)
        stmt = stmt.where(
            SLOT.c.id == slot_id, SLOT.c.is_open.is_(True), SLOT.c.start_utc > not_before
        )
        if (await conn.execute(stmt)).rowcount == 1:
            return pool
    row = (
        await conn.execute(select(SLOT.c.is_open, SLOT.c.start_utc).where(SLOT.c.id == slot_id))
    ).one()
    if not row.is_open:
        raise DayClosed(slot_id)
    if row.start_utc <= not_before:
        raise SessionStarted(slot_id)
    raise SlotFull(slot_id)


async def book_in(conn: AsyncConnection, ctx: Domain, request: BookingRequest) -> AppointmentView:
    """Book inside the caller's transaction (see the module doc). A repeat for the
    same slot (a double tap) returns the existing appointment; any other active
    appointment raises ``AlreadyBooked``."""
    now = ctx.now()
    situation = await _situation(conn, request)
    for held in situation.held:
        if held.ends <= now:
            await _close_out(conn, held.id, now)
        elif held.slot_id == request.slot_id and held.telegram_id == request.telegram_id:
            return await _existing_view(conn, held.id)
        else:
            raise AlreadyBooked(held.id, held.code)
    slot, office, applicant = situation.slot, situation.office, situation.applicant
    if slot is None or office is None:
        raise SlotNotFound(request.slot_id)
    if request.priority is not None:
        check_priority(request.priority, applicant["birth_date"], applicant["sex"], slot.day)
    pools = seat_pools(request.priority)
    try:
        pool = await _take_seat(conn, request.slot_id, pools, now + ctx.cutoff)
    except SlotFull:
        ctx.db.full_slots.add(request.slot_id)
        raise
    appt = Appointment(
        code=new_booking_code(),
        applicant_id=applicant["id"],
        office_id=slot.office_id,
        slot_id=request.slot_id,
        service=request.service,
        priority=request.priority,
        pool=pool,
        status=AppointmentStatus.BOOKED,
        telegram_id=request.telegram_id,
        nik_hash=applicant["nik_hash"],
        reschedule_count=0,
        created_at=now,
        updated_at=now,
    )
    insert = APPOINTMENT.insert().values(appt.model_dump(exclude={"id"}))
    appt.id = (await conn.execute(insert.returning(APPOINTMENT.c.id))).scalar_one()
    reminders = reminder_rows(ctx.settings, appt, slot, office, applicant["language"], now)
    if reminders:
        await conn.execute(insert_new_rows(conn.dialect.name, reminders))
    return AppointmentView.of(appt, slot, office)


async def slot_full_now(conn: AsyncConnection, ctx: Domain, request: BookingRequest) -> bool:
    """True when the write path would now answer ``SlotFull``: the applicant exists
    and holds nothing, the slot is open, bookable and has no seat in any pool this
    booking may use. False means "ask the write path", never "there is a seat"."""
    try:
        situation = await _situation(conn, request)
    except ApplicantNotFound:
        return False
    slot, applicant = situation.slot, situation.applicant
    if situation.held or slot is None or not slot.is_open:
        return False
    if slot.start_utc <= ctx.now() + ctx.cutoff:
        return False
    if request.priority is not None:
        try:
            check_priority(request.priority, applicant["birth_date"], applicant["sex"], slot.day)
        except Exception:  # noqa: BLE001 (the write path raises it)
            return False
    seats = {
        QuotaPool.REGULAR: slot.capacity - slot.booked,
        QuotaPool.PRIORITY: slot.priority_capacity - slot.priority_booked,
    }
    full = all(seats[pool] <= 0 for pool in seat_pools(request.priority))
    if not full:
        ctx.db.full_slots.discard(request.slot_id)
    return full
