"""The statements of one booking, few and cheap, for ``appointments.book``.

A booking runs as a request of the process's ``WriteBatcher`` (see
``booking.db.batching``) in a shared write transaction, its writes inside its own
savepoint. These are plain functions of a synchronous connection, since a whole
batch runs in one trip to the database layer; the statements are Core, built once:

1. one SELECT of the applicant, their active appointments (by Telegram account or
   by NIK) and the slot with its office, outside any savepoint. A booking that
   is refused from it -- an appointment already held, or the slot full in this
   transaction for every pool the booking may use (by the seat rule's
   ``is_full``: earlier requests of the batch filled it) -- writes nothing and
   pays no savepoint;
2. taking the seat by the seat rule (``booking.calendar.seats.take_seat_in``:
   the conditional UPDATE of the slot's counter, per pool), which is what decides;
3. ``INSERT appointment ... RETURNING id``, held to one active appointment per NIK
   and per account by the partial unique indexes;
4. its reminders: one INSERT into the outbox for all the bookings of the batch,
   right before the batch commits.

The view returned is built from what these statements read; nothing is fetched
twice. The rules, their order and the errors are those of the ORM paths of
``booking.appointments.service`` and ``booking.admin.closures``.

``slot_full_now`` is a read-only answer for a slot this process has seen full: in
one SELECT on a reader connection (no write lock) it says whether this booking
would get ``SlotFull`` from the write path at that moment. It only ever answers
"full", from the database's current counts, so it cannot make a wrong booking;
any other case goes to the write path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, literal_column, select, update
from sqlalchemy.engine import Connection

from booking.appointments.codes import new_booking_code
from booking.appointments.priority import check_priority
from booking.appointments.views import AppointmentView
from booking.calendar.seats import is_full, seat_pools, seats_left, take_seat_in
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    PriorityNotEligible,
    SlotFull,
    SlotNotFound,
)
from booking.core.kinds import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    PriorityReason,
    ServiceType,
)
from booking.db.batching import RequestTx
from booking.db.models import Applicant, Appointment, Office, Slot
from booking.notify.confirmations import confirmation_rows
from booking.notify.outbox import insert_new
from booking.notify.reminders import reminder_rows

APPLICANT = Applicant.__table__  # type: ignore[attr-defined]
APPOINTMENT = Appointment.__table__  # type: ignore[attr-defined]
SLOT = Slot.__table__  # type: ignore[attr-defined]
OFFICE = Office.__table__  # type: ignore[attr-defined]

_ACTIVE = [s.value for s in ACTIVE_STATUSES]

# Runs a read-only statement with optional parameters (``RequestTx.read``,
# ``Connection.execute``).
Read = Callable[..., Any]


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


def _active(table: Any) -> Any:
    # Literal values, so that SQLite sees that the partial unique indexes apply.
    return table.c.status.in_([literal_column(f"'{status}'") for status in _ACTIVE])


def _held_columns(held: Any, held_slot: Any, prefix: str) -> list[Any]:
    return [
        held.c.id.label(f"{prefix}id"),
        held.c.code.label(f"{prefix}code"),
        held.c.status.label(f"{prefix}status"),
        held.c.slot_id.label(f"{prefix}slot_id"),
        held.c.telegram_id.label(f"{prefix}telegram_id"),
        held_slot.c.end_utc.label(f"{prefix}ends"),
    ]


def _situation_query() -> Any:
    """One row: the applicant, the slot and its office, and the active appointment
    held by the account and the one held by the NIK (at most one each, by the
    partial unique indexes; often the same, often none)."""
    by_account, by_nik = APPOINTMENT.alias("by_account"), APPOINTMENT.alias("by_nik")
    account_slot, nik_slot = SLOT.alias("account_slot"), SLOT.alias("nik_slot")
    return (
        select(
            *_prefixed(APPLICANT, "a_"),
            *_prefixed(SLOT, "s_"),
            *_prefixed(OFFICE, "o_"),
            *_held_columns(by_account, account_slot, "t_"),
            *_held_columns(by_nik, nik_slot, "n_"),
        )
        .select_from(
            APPLICANT.outerjoin(SLOT, SLOT.c.id == bindparam("target_slot"))
            .outerjoin(OFFICE, OFFICE.c.id == SLOT.c.office_id)
            .outerjoin(
                by_account,
                and_(_active(by_account), by_account.c.telegram_id == APPLICANT.c.telegram_id),
            )
            .outerjoin(account_slot, account_slot.c.id == by_account.c.slot_id)
            .outerjoin(by_nik, and_(_active(by_nik), by_nik.c.nik_hash == APPLICANT.c.nik_hash))
            .outerjoin(nik_slot, nik_slot.c.id == by_nik.c.slot_id)
        )
        .where(APPLICANT.c.telegram_id == bindparam("account"))
    )


_SITUATION = _situation_query()


def _held(row: Row[Any], prefix: str) -> _Held | None:
    m = row._mapping
    if m[f"{prefix}id"] is None:
        return None
    return _Held(
        m[f"{prefix}id"],
        m[f"{prefix}code"],
        m[f"{prefix}status"],
        m[f"{prefix}slot_id"],
        m[f"{prefix}telegram_id"],
        m[f"{prefix}ends"],
    )


def _situation(read: Read, request: BookingRequest) -> _Situation:
    params = {"target_slot": request.slot_id, "account": request.telegram_id}
    row = read(_SITUATION, params).first()
    if row is None:
        raise ApplicantNotFound(request.telegram_id)
    held: list[_Held] = []
    for prefix in ("t_", "n_"):
        found = _held(row, prefix)
        if found is not None and all(h.id != found.id for h in held):
            held.append(found)
    slot = Slot(**_unprefixed(row, SLOT, "s_")) if row.s_id is not None else None
    office = Office(**_unprefixed(row, OFFICE, "o_")) if row.o_id is not None else None
    return _Situation(_unprefixed(row, APPLICANT, "a_"), held, slot, office)


_CLOSE_OUT = (
    update(APPOINTMENT)
    .where(APPOINTMENT.c.id == bindparam("appointment"))
    .values(
        status=case(
            (
                APPOINTMENT.c.status == AppointmentStatus.CHECKED_IN.value,
                AppointmentStatus.SERVED.value,
            ),
            else_=AppointmentStatus.NO_SHOW.value,
        ),
        updated_at=bindparam("now"),
    )
)


def _close_out(conn: Connection, appointment_id: int, now: datetime) -> None:
    """An active appointment whose session is over: checked in → served, else no-show."""
    conn.execute(_CLOSE_OUT, {"appointment": appointment_id, "now": now})


def _existing_view(read: Read, appointment_id: int) -> AppointmentView:
    appt_row = read(select(APPOINTMENT).where(APPOINTMENT.c.id == appointment_id)).one()
    appt = Appointment(**appt_row._mapping)
    slot_row = read(select(SLOT).where(SLOT.c.id == appt.slot_id)).one()
    office_row = read(select(OFFICE).where(OFFICE.c.id == appt.office_id)).one()
    slot, office = Slot(**slot_row._mapping), Office(**office_row._mapping)
    return AppointmentView.of(appt, slot, office)


_INSERT_APPOINTMENT = APPOINTMENT.insert().returning(APPOINTMENT.c.id)


def book_in(tx: RequestTx, ctx: Domain, request: BookingRequest) -> AppointmentView:
    """Book inside a batch's transaction (see the module doc). A repeat for the
    same slot (a double tap) returns the existing appointment; any other active
    appointment raises ``AlreadyBooked``.

    Reads first, without a savepoint: a refusal decided from what was read (the
    slot full in this transaction, for every pool this booking may use; an
    appointment already held) costs no savepoint, which is most of the attempts
    in a rush on one slot."""
    now = ctx.now()
    situation = _situation(tx.read, request)
    for held in situation.held:
        if held.ends <= now:
            _close_out(tx.conn, held.id, now)
        elif held.slot_id == request.slot_id and held.telegram_id == request.telegram_id:
            return _existing_view(tx.read, held.id)
        else:
            raise AlreadyBooked(held.id, held.code)
    slot, office, applicant = situation.slot, situation.office, situation.applicant
    if slot is None or office is None:
        raise SlotNotFound(request.slot_id)
    if request.priority is not None:
        check_priority(request.priority, applicant["birth_date"], applicant["sex"], slot.day)
    pools, not_before = seat_pools(request.priority), now + ctx.cutoff
    try:
        if is_full(slot.is_open, slot.start_utc, seats_left(slot, pools), not_before):
            raise SlotFull(request.slot_id)  # as read in this transaction
        pool = take_seat_in(tx.conn, request.slot_id, pools, not_before)
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
    values = appt.model_dump(exclude={"id"})
    appt.id = tx.conn.execute(_INSERT_APPOINTMENT, values).scalar_one()
    reminders = reminder_rows(ctx.settings, appt, slot, office, applicant["language"], now)
    reminders += confirmation_rows(ctx.settings, appt, office, applicant["language"], now)
    if reminders:
        tx.insert_at_commit(insert_new(tx.connection.dialect.name), reminders)
    return AppointmentView.of(appt, slot, office)


def slot_full_now(conn: Connection, ctx: Domain, request: BookingRequest) -> bool:
    """True when the write path would now answer ``SlotFull``: the applicant exists
    and holds nothing, the slot is open, bookable and has no seat in any pool this
    booking may use. False means "ask the write path", never "there is a seat"."""
    try:
        situation = _situation(conn.execute, request)
    except ApplicantNotFound:
        return False
    slot, applicant = situation.slot, situation.applicant
    if situation.held or slot is None:
        return False
    if request.priority is not None:
        try:
            check_priority(request.priority, applicant["birth_date"], applicant["sex"], slot.day)
        except PriorityNotEligible:  # the write path says so
            return False
    left = seats_left(slot, seat_pools(request.priority))
    full = is_full(slot.is_open, slot.start_utc, left, ctx.now() + ctx.cutoff)
    if not full:
        ctx.db.full_slots.discard(request.slot_id)
    return full
