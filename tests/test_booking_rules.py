"""Booking, cancelling and rescheduling, and the quota rules, on SQLite and PostgreSQL.

The clock starts at Monday 30 November 2026, 07:00 WIB; the test office serves
08:00-10:00 WIB Monday to Friday with 10 seats a day, released 14 days ahead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from booking.admin.quotas import set_daily_quota
from booking.appointments.codes import ALPHABET, CODE_LENGTH, new_booking_code, normalize_code
from booking.appointments.service import (
    appointments_of,
    book,
    cancel,
    get_appointment,
    reschedule,
)
from booking.calendar.availability import sessions_of
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    AppointmentNotFound,
    DayClosed,
    InvalidQuota,
    NikTaken,
    NotActive,
    OfficeNotFound,
    PriorityNotEligible,
    QuotaBelowBooked,
    RescheduleLimitReached,
    SameSlot,
    SessionStarted,
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
    ServiceType,
)
from booking.db.models import (
    Applicant,
    Appointment,
    AuditLog,
    BookingGroup,
    Person,
    QuotaOverride,
    Slot,
)
from booking.people.applicants import get_applicant, register_applicant, validate_nik
from tests.db_helpers import slot_problems
from tests.factories import add_applicant, add_office, make_nik, office_spec

MON, TUE, WED, THU = (date(2026, 11, 30) + timedelta(days=i) for i in range(4))
NEW = ServiceType.NEW


async def slot_of(ctx, office_id: int, day: date) -> int:
    [session] = await sessions_of(ctx, office_id, day)
    return session.slot_id


async def slot_row(ctx, slot_id: int) -> Slot:
    async with ctx.db.reader() as session:
        row = await session.get(Slot, slot_id)
    assert row is not None
    return row


async def count_appointments(ctx, **where) -> int:
    query = select(func.count()).select_from(Appointment)
    for name, value in where.items():
        query = query.where(getattr(Appointment, name) == value)
    async with ctx.db.reader() as session:
        return (await session.exec(query)).one()


@pytest.fixture
async def office_id(ctx) -> int:
    return await add_office(ctx)


# --- book -----------------------------------------------------------------------------


async def test_book_takes_a_seat_and_returns_the_appointment(ctx, office_id):
    await add_applicant(ctx, 11)
    slot_id = await slot_of(ctx, office_id, TUE)
    appt = await book(ctx, telegram_id=11, slot_id=slot_id, service=ServiceType.RENEWAL)
    assert appt.status is AppointmentStatus.BOOKED and appt.active
    assert appt.service is ServiceType.RENEWAL and appt.pool is QuotaPool.REGULAR
    assert appt.day == TUE and appt.zone == "WIB" and appt.start.hour == 8
    assert appt.office_code == "TEST" and appt.reschedule_count == 0
    assert (await slot_row(ctx, slot_id)).booked == 1
    assert [a.id for a in await appointments_of(ctx, 11)] == [appt.id]
    assert (await get_appointment(ctx, 11, appt.id)).code == appt.code


async def test_book_needs_a_registered_applicant_and_a_real_slot(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, TUE)
    with pytest.raises(ApplicantNotFound):
        await book(ctx, telegram_id=999, slot_id=slot_id, service=NEW)
    await add_applicant(ctx, 12)
    with pytest.raises(SlotNotFound):
        await book(ctx, telegram_id=12, slot_id=slot_id + 1000, service=NEW)
    assert await count_appointments(ctx) == 0


async def test_full_slot_raises_slot_full(ctx):
    office_id = await add_office(ctx, office_spec(daily=2))
    slot_id = await slot_of(ctx, office_id, TUE)
    for user in (1, 2, 3):
        await add_applicant(ctx, user)
    await book(ctx, telegram_id=1, slot_id=slot_id, service=NEW)
    await book(ctx, telegram_id=2, slot_id=slot_id, service=NEW)
    with pytest.raises(SlotFull) as caught:
        await book(ctx, telegram_id=3, slot_id=slot_id, service=NEW)
    assert caught.value.slot_id == slot_id
    row = await slot_row(ctx, slot_id)
    assert (row.booked, row.capacity) == (2, 2)
    assert await count_appointments(ctx, telegram_id=3) == 0


async def test_closed_slot_raises_day_closed(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, TUE)
    async with ctx.db.writer() as session:
        await session.exec(update(Slot).where(col(Slot.id) == slot_id).values(is_open=False))
        await session.commit()
    await add_applicant(ctx, 13)
    with pytest.raises(DayClosed):
        await book(ctx, telegram_id=13, slot_id=slot_id, service=NEW)
    assert (await slot_row(ctx, slot_id)).booked == 0


async def test_session_within_cutoff_raises_session_started(ctx, office_id, clock):
    await add_applicant(ctx, 14)
    today = await slot_of(ctx, office_id, MON)  # 08:00 WIB, now is 07:00 WIB
    with pytest.raises(SessionStarted):
        await book(ctx, telegram_id=14, slot_id=today, service=NEW)
    clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # 09:00 WIB: under way
    with pytest.raises(SessionStarted):
        await book(ctx, telegram_id=14, slot_id=today, service=NEW)
    assert (await slot_row(ctx, today)).booked == 0


async def test_one_active_appointment_per_telegram_account(ctx, office_id):
    await add_applicant(ctx, 15)
    first = await book(ctx, telegram_id=15, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    wed = await slot_of(ctx, office_id, WED)
    with pytest.raises(AlreadyBooked) as caught:
        await book(ctx, telegram_id=15, slot_id=wed, service=NEW)
    assert caught.value.appointment_id == first.id and caught.value.code == first.code
    assert (await slot_row(ctx, wed)).booked == 0


async def test_one_active_appointment_per_nik(ctx, office_id):
    await add_applicant(ctx, 16, serial=77)
    first = await book(ctx, telegram_id=16, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    # Account 16's applicant row is moved to another NIK behind the services' back,
    # and account 17 registers the NIK that holds appointment ``first``.
    async with ctx.db.writer() as session:
        await session.exec(
            update(Applicant).where(col(Applicant.telegram_id) == 16).values(nik_hash="moved")
        )
        await session.commit()
    await add_applicant(ctx, 17, serial=77)
    wed = await slot_of(ctx, office_id, WED)
    with pytest.raises(AlreadyBooked) as caught:
        await book(ctx, telegram_id=17, slot_id=wed, service=NEW)
    assert caught.value.appointment_id == first.id
    assert (await slot_row(ctx, wed)).booked == 0


async def _insert_appointment(ctx, slot_id: int, telegram_id: int, nik_hash: str, status):
    """An appointment in a group of its own, written directly."""
    async with ctx.db.writer() as session:
        applicant = (await session.exec(select(Applicant).where(Applicant.telegram_id == 18))).one()
        person = (
            await session.exec(select(Person).where(Person.applicant_id == applicant.id))
        ).one()
        slot = await session.get(Slot, slot_id)
        group = BookingGroup(
            telegram_id=telegram_id,
            applicant_id=applicant.id,
            office_id=slot.office_id,
            slot_id=slot_id,
            status=GroupStatus.ACTIVE if status in ACTIVE_STATUSES else GroupStatus.FINISHED,
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        session.add(group)
        await session.flush()
        session.add(
            Appointment(
                code=new_booking_code(),
                applicant_id=applicant.id,
                group_id=group.id,
                person_id=person.id,
                office_id=slot.office_id,
                slot_id=slot_id,
                service=NEW,
                telegram_id=telegram_id,
                nik_hash=nik_hash,
                status=status,
                created_at=ctx.now(),
                updated_at=ctx.now(),
            )
        )
        await session.commit()


async def test_partial_unique_indexes_refuse_a_second_active_row(ctx, office_id):
    await add_applicant(ctx, 18)
    appt = await book(ctx, telegram_id=18, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    wed = await slot_of(ctx, office_id, WED)
    async with ctx.db.reader() as session:
        row = await session.get(Appointment, appt.id)
    assert row is not None
    # Written directly, past the service: the database itself says no.
    with pytest.raises(IntegrityError):  # same NIK, other account
        await _insert_appointment(ctx, wed, 2001, row.nik_hash, AppointmentStatus.BOOKED)
    with pytest.raises(IntegrityError):  # same account, other NIK
        await _insert_appointment(ctx, wed, 18, "other-hash", AppointmentStatus.CHECKED_IN)
    # Inactive rows are outside the partial indexes.
    await _insert_appointment(ctx, wed, 2002, row.nik_hash, AppointmentStatus.CANCELLED)
    await _insert_appointment(ctx, wed, 18, "other-hash-2", AppointmentStatus.NO_SHOW)
    assert await count_appointments(ctx, nik_hash=row.nik_hash) == 2


async def test_double_tap_returns_the_same_appointment(ctx, office_id):
    await add_applicant(ctx, 19)
    slot_id = await slot_of(ctx, office_id, TUE)
    first = await book(ctx, telegram_id=19, slot_id=slot_id, service=NEW)
    again = await book(ctx, telegram_id=19, slot_id=slot_id, service=NEW)
    assert again.id == first.id and again.code == first.code
    assert (await slot_row(ctx, slot_id)).booked == 1
    assert await count_appointments(ctx, telegram_id=19) == 1


async def test_ended_appointment_does_not_block_a_new_booking(ctx, office_id, clock):
    await add_applicant(ctx, 20)
    old = await book(ctx, telegram_id=20, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    clock.set(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))  # Tuesday 11:00 WIB, session over
    new = await book(ctx, telegram_id=20, slot_id=await slot_of(ctx, office_id, THU), service=NEW)
    assert new.id != old.id
    assert (await get_appointment(ctx, 20, old.id)).status is AppointmentStatus.NO_SHOW
    assert await slot_problems(ctx) == []


# --- cancel ------------------------------------------------------------------------------


async def test_cancel_frees_the_seat_and_twice_is_not_active(ctx):
    office_id = await add_office(ctx, office_spec(daily=1))
    slot_id = await slot_of(ctx, office_id, TUE)
    await add_applicant(ctx, 21)
    await add_applicant(ctx, 22)
    appt = await book(ctx, telegram_id=21, slot_id=slot_id, service=NEW)
    with pytest.raises(SlotFull):
        await book(ctx, telegram_id=22, slot_id=slot_id, service=NEW)
    done = await cancel(ctx, telegram_id=21, appointment_id=appt.id)
    assert done.status is AppointmentStatus.CANCELLED and not done.active
    assert (await slot_row(ctx, slot_id)).booked == 0
    with pytest.raises(NotActive):
        await cancel(ctx, telegram_id=21, appointment_id=appt.id)
    assert (await slot_row(ctx, slot_id)).booked == 0
    taken = await book(ctx, telegram_id=22, slot_id=slot_id, service=NEW)
    assert taken.slot_id == slot_id
    # The cancelled applicant may book again.
    with pytest.raises(SlotFull):
        await book(ctx, telegram_id=21, slot_id=slot_id, service=NEW)
    await book(ctx, telegram_id=21, slot_id=await slot_of(ctx, office_id, WED), service=NEW)
    assert await slot_problems(ctx) == []


async def test_cancel_after_the_session_started_is_too_late(ctx, office_id, clock):
    await add_applicant(ctx, 23)
    appt = await book(ctx, telegram_id=23, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # 08:00 WIB Tuesday
    with pytest.raises(TooLateToChange):
        await cancel(ctx, telegram_id=23, appointment_id=appt.id)
    assert (await slot_row(ctx, appt.slot_id)).booked == 1


async def test_another_users_appointment_is_not_found(ctx, office_id):
    await add_applicant(ctx, 24)
    await add_applicant(ctx, 25)
    appt = await book(ctx, telegram_id=24, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    wed = await slot_of(ctx, office_id, WED)
    with pytest.raises(AppointmentNotFound):
        await cancel(ctx, telegram_id=25, appointment_id=appt.id)
    with pytest.raises(AppointmentNotFound):
        await reschedule(ctx, telegram_id=25, appointment_id=appt.id, new_slot_id=wed)
    with pytest.raises(AppointmentNotFound):
        await get_appointment(ctx, 25, appt.id)
    with pytest.raises(AppointmentNotFound):
        await cancel(ctx, telegram_id=24, appointment_id=appt.id + 1000)
    assert (await get_appointment(ctx, 24, appt.id)).status is AppointmentStatus.BOOKED
    assert (await slot_row(ctx, wed)).booked == 0


# --- reschedule ------------------------------------------------------------------------------


async def test_reschedule_takes_the_new_seat_and_frees_the_old(ctx, office_id):
    await add_applicant(ctx, 31)
    tue, thu = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, THU)
    appt = await book(ctx, telegram_id=31, slot_id=tue, service=NEW)
    moved = await reschedule(ctx, telegram_id=31, appointment_id=appt.id, new_slot_id=thu)
    assert moved.id == appt.id and moved.code == appt.code
    assert moved.slot_id == thu and moved.day == THU and moved.reschedule_count == 1
    assert (await slot_row(ctx, tue)).booked == 0
    assert (await slot_row(ctx, thu)).booked == 1
    # and back to an earlier slot id (the other lock order)
    await add_applicant(ctx, 32)
    other = await book(ctx, telegram_id=32, slot_id=thu, service=NEW)
    back = await reschedule(ctx, telegram_id=32, appointment_id=other.id, new_slot_id=tue)
    assert back.slot_id == tue
    assert await slot_problems(ctx) == []


async def test_reschedule_is_allowed_once(ctx, office_id):
    await add_applicant(ctx, 33)
    appt = await book(ctx, telegram_id=33, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    wed, thu = await slot_of(ctx, office_id, WED), await slot_of(ctx, office_id, THU)
    await reschedule(ctx, telegram_id=33, appointment_id=appt.id, new_slot_id=wed)
    with pytest.raises(RescheduleLimitReached) as caught:
        await reschedule(ctx, telegram_id=33, appointment_id=appt.id, new_slot_id=thu)
    assert caught.value.limit == 1
    assert (await slot_row(ctx, wed)).booked == 1 and (await slot_row(ctx, thu)).booked == 0


async def test_reschedule_until_h_minus_1(ctx, office_id, clock):
    await add_applicant(ctx, 34)
    appt = await book(ctx, telegram_id=34, slot_id=await slot_of(ctx, office_id, WED), service=NEW)
    thu = await slot_of(ctx, office_id, THU)
    clock.set(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))  # Wednesday 00:00 WIB: the day itself
    with pytest.raises(TooLateToChange):
        await reschedule(ctx, telegram_id=34, appointment_id=appt.id, new_slot_id=thu)
    assert (await slot_row(ctx, thu)).booked == 0
    clock.set(datetime(2026, 12, 1, 16, 59, tzinfo=UTC))  # Tuesday 23:59 WIB: H-1
    moved = await reschedule(ctx, telegram_id=34, appointment_id=appt.id, new_slot_id=thu)
    assert moved.day == THU


async def test_reschedule_to_the_same_slot_or_a_full_one(ctx):
    office_id = await add_office(ctx, office_spec(daily=1))
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    await add_applicant(ctx, 35)
    await add_applicant(ctx, 36)
    appt = await book(ctx, telegram_id=35, slot_id=tue, service=NEW)
    await book(ctx, telegram_id=36, slot_id=wed, service=NEW)
    with pytest.raises(SameSlot):
        await reschedule(ctx, telegram_id=35, appointment_id=appt.id, new_slot_id=tue)
    with pytest.raises(SlotFull):
        await reschedule(ctx, telegram_id=35, appointment_id=appt.id, new_slot_id=wed)
    still = await get_appointment(ctx, 35, appt.id)
    assert still.slot_id == tue and still.reschedule_count == 0
    assert await slot_problems(ctx) == []
    assert [(await slot_row(ctx, s)).booked for s in (tue, wed)] == [1, 1]


async def test_cancelled_appointment_cannot_be_rescheduled(ctx, office_id):
    await add_applicant(ctx, 37)
    appt = await book(ctx, telegram_id=37, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    await cancel(ctx, telegram_id=37, appointment_id=appt.id)
    with pytest.raises(NotActive):
        await reschedule(
            ctx,
            telegram_id=37,
            appointment_id=appt.id,
            new_slot_id=await slot_of(ctx, office_id, WED),
        )


# --- priority quota ----------------------------------------------------------------------------


@pytest.fixture
async def priority_office(ctx) -> int:
    return await add_office(ctx, office_spec(daily=5, priority=1))


async def test_elderly_needs_60_on_the_appointment_day(ctx, priority_office):
    tue = await slot_of(ctx, priority_office, TUE)
    await add_applicant(ctx, 41, born=date(1966, 12, 1))  # turns 60 on Tuesday
    await add_applicant(ctx, 42, born=date(1966, 12, 2))  # still 59
    with pytest.raises(PriorityNotEligible):
        await book(ctx, telegram_id=42, slot_id=tue, service=NEW, priority=PriorityReason.ELDERLY)
    appt = await book(
        ctx, telegram_id=41, slot_id=tue, service=NEW, priority=PriorityReason.ELDERLY
    )
    assert appt.pool is QuotaPool.PRIORITY and appt.priority is PriorityReason.ELDERLY
    row = await slot_row(ctx, tue)
    assert (row.booked, row.priority_booked) == (0, 1)


async def test_child_must_be_under_5(ctx, priority_office):
    tue = await slot_of(ctx, priority_office, TUE)
    await add_applicant(ctx, 43, born=date(2021, 12, 2))  # 4 on Tuesday
    await add_applicant(ctx, 44, born=date(2021, 12, 1))  # 5 on Tuesday
    with pytest.raises(PriorityNotEligible):
        await book(ctx, telegram_id=44, slot_id=tue, service=NEW, priority=PriorityReason.CHILD)
    appt = await book(ctx, telegram_id=43, slot_id=tue, service=NEW, priority=PriorityReason.CHILD)
    assert appt.pool is QuotaPool.PRIORITY


async def test_pregnant_needs_a_womans_nik(ctx, priority_office):
    tue = await slot_of(ctx, priority_office, TUE)
    await add_applicant(ctx, 45, female=True)
    await add_applicant(ctx, 46)
    with pytest.raises(PriorityNotEligible):
        await book(ctx, telegram_id=46, slot_id=tue, service=NEW, priority=PriorityReason.PREGNANT)
    appt = await book(
        ctx, telegram_id=45, slot_id=tue, service=NEW, priority=PriorityReason.PREGNANT
    )
    assert appt.pool is QuotaPool.PRIORITY
    assert await count_appointments(ctx, telegram_id=46) == 0


async def test_priority_falls_back_to_regular_seats(ctx, priority_office):
    tue = await slot_of(ctx, priority_office, TUE)
    await add_applicant(ctx, 47, born=date(1950, 1, 1))
    await add_applicant(ctx, 48, born=date(1951, 1, 1))
    await add_applicant(ctx, 49)
    first = await book(
        ctx, telegram_id=47, slot_id=tue, service=NEW, priority=PriorityReason.DISABLED
    )
    second = await book(
        ctx, telegram_id=48, slot_id=tue, service=NEW, priority=PriorityReason.ELDERLY
    )
    assert (first.pool, second.pool) == (QuotaPool.PRIORITY, QuotaPool.REGULAR)
    row = await slot_row(ctx, tue)
    assert (row.booked, row.priority_booked) == (1, 1)
    # Cancelling frees the seat of the pool it came from.
    await cancel(ctx, telegram_id=47, appointment_id=first.id)
    row = await slot_row(ctx, tue)
    assert (row.booked, row.priority_booked) == (1, 0)
    # A regular applicant never takes a priority seat.
    await set_daily_quota(ctx, "TEST", [TUE], 1, 1, actor="test")
    with pytest.raises(SlotFull):
        await book(ctx, telegram_id=49, slot_id=tue, service=NEW)
    assert await slot_problems(ctx) == []


# --- booking codes --------------------------------------------------------------------------------


async def test_booking_codes_are_8_unambiguous_characters_and_unique(ctx):
    office_id = await add_office(ctx, office_spec(daily=40))
    tue = await slot_of(ctx, office_id, TUE)
    codes = []
    for user in range(100, 130):
        await add_applicant(ctx, user)
        codes.append((await book(ctx, telegram_id=user, slot_id=tue, service=NEW)).code)
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == CODE_LENGTH == 8
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("01OIL")
        assert normalize_code(code.lower()[:4] + " " + code[4:]) == code
    assert normalize_code("0OIL1234") is None
    # Typed at the counter as printed or read aloud: with spaces or dashes.
    assert normalize_code(" k7m2-qx9t ") == normalize_code("K7M2 QX9T") == "K7M2QX9T"
    assert normalize_code("K7M2-QX9") is None


# --- quota changes ------------------------------------------------------------------------------


async def test_quota_change_below_booked_is_refused_and_changes_nothing(ctx):
    office_id = await add_office(ctx, office_spec(daily=3))
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    for user in (51, 52):
        await add_applicant(ctx, user)
        await book(ctx, telegram_id=user, slot_id=tue, service=NEW)
    with pytest.raises(QuotaBelowBooked) as caught:
        await set_daily_quota(ctx, "TEST", [WED, TUE], 1, actor="cli:admin")
    assert caught.value.booked == 2
    # All or nothing: Wednesday (valid on its own) was not changed either.
    assert (await slot_row(ctx, tue)).capacity == 3
    assert (await slot_row(ctx, wed)).capacity == 3
    async with ctx.db.reader() as session:
        assert list(await session.exec(select(QuotaOverride))) == []
        assert (
            list(await session.exec(select(AuditLog).where(AuditLog.action == "set_quota"))) == []
        )


async def test_quota_change_applies_to_released_slots_with_an_audit_row(ctx):
    office_id = await add_office(ctx, office_spec(daily=3))
    tue = await slot_of(ctx, office_id, TUE)
    await add_applicant(ctx, 53)
    await book(ctx, telegram_id=53, slot_id=tue, service=NEW)
    await set_daily_quota(ctx, "TEST", [TUE], 1, 2, actor="cli:admin")
    row = await slot_row(ctx, tue)
    assert (row.capacity, row.priority_capacity, row.booked) == (1, 2, 1)
    async with ctx.db.reader() as session:
        [audit] = list(await session.exec(select(AuditLog).where(AuditLog.action == "set_quota")))
        [override] = list(await session.exec(select(QuotaOverride)))
    assert audit.actor == "cli:admin" and audit.office_id == office_id
    assert audit.before == {"day": "2026-12-01", "regular": 3, "priority": 0}
    assert audit.after == {"day": "2026-12-01", "regular": 1, "priority": 2}
    assert (override.day, override.regular, override.priority) == (TUE, 1, 2)


@pytest.mark.parametrize("bad", [-1, 100_001, True, 2.5, "7"])
async def test_invalid_quota_values_are_refused(ctx, office_id, bad):
    with pytest.raises(InvalidQuota):
        await set_daily_quota(ctx, "TEST", [TUE], bad, actor="test")
    async with ctx.db.reader() as session:
        assert list(await session.exec(select(QuotaOverride))) == []


async def test_quota_change_for_an_unknown_office(ctx, office_id):
    with pytest.raises(OfficeNotFound):
        await set_daily_quota(ctx, "NOPE", [TUE], 5, actor="test")


# --- applicants ----------------------------------------------------------------------------------


async def test_register_updates_in_place_and_normalizes_the_name(ctx):
    first = await register_applicant(
        ctx,
        telegram_id=61,
        full_name="  Budi   Santoso ",
        nik=validate_nik(ctx, make_nik(date(1990, 5, 17))),
    )
    assert first.full_name == "Budi Santoso" and first.sex == "M"
    other = validate_nik(ctx, make_nik(date(1992, 2, 3), female=True, serial=9))
    again = await register_applicant(ctx, telegram_id=61, full_name="Budi S", nik=other)
    assert again.id == first.id
    assert (again.full_name, again.birth_date, again.sex) == ("Budi S", date(1992, 2, 3), "F")
    assert (await get_applicant(ctx, 61)) == again
    with pytest.raises(ValueError):
        await register_applicant(ctx, telegram_id=61, full_name="   ", nik=other)


async def test_a_nik_belongs_to_one_account(ctx):
    nik = validate_nik(ctx, make_nik(date(1990, 5, 17), serial=5))
    await register_applicant(ctx, telegram_id=62, full_name="Ani", nik=nik)
    with pytest.raises(NikTaken):
        await register_applicant(ctx, telegram_id=63, full_name="Ana", nik=nik)
    assert await get_applicant(ctx, 63) is None


async def test_nik_cannot_change_while_an_appointment_is_active(ctx, office_id):
    await add_applicant(ctx, 64)
    appt = await book(ctx, telegram_id=64, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    other = validate_nik(ctx, make_nik(date(1980, 1, 1), serial=64))
    with pytest.raises(AlreadyBooked) as caught:
        await register_applicant(ctx, telegram_id=64, full_name="Budi", nik=other)
    assert caught.value.appointment_id == appt.id
    await cancel(ctx, telegram_id=64, appointment_id=appt.id)
    changed = await register_applicant(ctx, telegram_id=64, full_name="Budi", nik=other)
    assert changed.birth_date == date(1980, 1, 1)
