import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from booking.admin.checkin import check_in, close_out_day, mark_no_shows
from booking.appointments.service import cancel
from booking.core.errors import (
    AlreadyCheckedIn,
    AppointmentCancelled,
    NotActive,
    OfficeNotFound,
    OtherOfficeCode,
    SessionNotEnded,
    SlotNotFound,
    UnknownBookingCode,
    WrongDay,
)
from booking.core.kinds import AppointmentStatus
from booking.db.models import Appointment, AuditLog
from booking.jobs import release_loop
from tests.admin_helpers import book_on, rows, slot_ids, snapshot
from tests.conftest import TUE, WED
from tests.factories import add_office, office_spec

TUE_0730_WIB = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
TUE_1030_WIB = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)  # the 08:00-10:00 session is over
WED_0030_WIB = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)


async def statuses(ctx):
    return {a.code: (a.status, a.queue_number) for a in await rows(ctx, Appointment)}


@pytest.fixture
async def tuesday(ctx):
    office_id = await add_office(ctx)
    appts = await book_on(ctx, office_id, TUE, [101, 102, 103])
    ctx.clock.set(TUE_0730_WIB)
    return office_id, appts


async def test_check_in_gives_queue_numbers_in_order(ctx, tuesday):
    office_id, (a, b, c) = tuesday
    first = await check_in(ctx, office_id, a.code, actor="telegram:9")
    typed = f" {c.code.lower()[:4]} {c.code.lower()[4:]} "  # as read aloud at the counter
    second = await check_in(ctx, office_id, typed, actor="t")
    assert (first.queue_number, second.queue_number) == (1, 2)
    assert first.full_name == "Pemohon 101" and "*" in first.nik_masked
    assert first.appointment.status is AppointmentStatus.CHECKED_IN
    states = await statuses(ctx)
    assert states[a.code] == (AppointmentStatus.CHECKED_IN, 1)
    assert states[b.code] == (AppointmentStatus.BOOKED, None)
    (row,) = await rows(ctx, Appointment, Appointment.code == a.code)
    assert row.checked_in_at == TUE_0730_WIB
    audit = await rows(ctx, AuditLog, AuditLog.action == "check_in")
    assert [(x.actor, x.after["queue_number"]) for x in audit] == [("telegram:9", 1), ("t", 2)]


async def test_second_check_in_returns_the_existing_number(ctx, tuesday):
    office_id, (a, _, _) = tuesday
    await check_in(ctx, office_id, a.code, actor="t")
    before = await snapshot(ctx)
    with pytest.raises(AlreadyCheckedIn) as err:
        await check_in(ctx, office_id, a.code, actor="t")
    assert err.value.queue_number == 1
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "abc", "", "IIIIIIII", "' OR 1=1 --"])
async def test_unknown_code(ctx, tuesday, code):
    before = await snapshot(ctx)
    with pytest.raises(UnknownBookingCode):
        await check_in(ctx, tuesday[0], code, actor="t")
    assert await snapshot(ctx) == before


async def test_another_offices_code(ctx, tuesday):
    office_id, (a, _, _) = tuesday
    other = await add_office(ctx, office_spec("OTHER"))
    before = await snapshot(ctx)
    with pytest.raises(OtherOfficeCode) as err:
        await check_in(ctx, other, a.code, actor="t")
    assert err.value.office_code == "TEST"
    assert await snapshot(ctx) == before


async def test_cancelled_appointment(ctx, tuesday):
    office_id, (a, _, _) = tuesday
    ctx.clock.set(datetime(2026, 11, 30, 12, tzinfo=UTC))
    await cancel(ctx, telegram_id=101, appointment_id=a.id)
    ctx.clock.set(TUE_0730_WIB)
    before = await snapshot(ctx)
    with pytest.raises(AppointmentCancelled) as err:
        await check_in(ctx, office_id, a.code, actor="t")
    assert err.value.reason == "applicant"
    assert await snapshot(ctx) == before


async def test_wrong_day(ctx):
    office_id = await add_office(ctx)
    (appt,) = await book_on(ctx, office_id, WED, [111])
    ctx.clock.set(TUE_0730_WIB)
    before = await snapshot(ctx)
    with pytest.raises(WrongDay) as err:
        await check_in(ctx, office_id, appt.code, actor="t")
    assert (err.value.day, err.value.today) == (WED, TUE)
    assert await snapshot(ctx) == before


async def test_unknown_office(ctx, tuesday):
    with pytest.raises(OfficeNotFound):
        await check_in(ctx, 9999, tuesday[1][0].code, actor="t")


async def test_concurrent_check_ins_get_distinct_numbers(ctx):
    office_id = await add_office(ctx, office_spec(daily=20))
    appts = await book_on(ctx, office_id, TUE, list(range(201, 211)))
    ctx.clock.set(TUE_0730_WIB)
    results = await asyncio.gather(*(check_in(ctx, office_id, a.code, actor="t") for a in appts))
    assert sorted(r.queue_number for r in results) == list(range(1, 11))
    numbers = [n for _, n in (await statuses(ctx)).values()]
    assert sorted(numbers) == list(range(1, 11))


async def test_concurrent_check_ins_of_the_same_code_give_one_number(ctx, tuesday):
    office_id, (a, _, _) = tuesday
    outcomes = await asyncio.gather(
        *(check_in(ctx, office_id, a.code, actor="t") for _ in range(4)), return_exceptions=True
    )
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, AlreadyCheckedIn)]
    assert len(done) == 1 and len(refused) == 3
    assert {r.queue_number for r in refused} == {done[0].queue_number}


async def test_database_refuses_a_shared_queue_number(ctx, tuesday):
    _, (a, b, _) = tuesday
    async with ctx.db.writer() as session:
        await session.exec(
            update(Appointment).where(col(Appointment.id) == a.id).values(queue_number=5)
        )
        with pytest.raises(IntegrityError):
            await session.exec(
                update(Appointment).where(col(Appointment.id) == b.id).values(queue_number=5)
            )


async def test_no_shows_refused_before_the_session_ends(ctx, tuesday):
    office_id, _ = tuesday
    (slot_id,) = await slot_ids(ctx, office_id, TUE)
    before = await snapshot(ctx)
    with pytest.raises(SessionNotEnded):
        await mark_no_shows(ctx, office_id, slot_id=slot_id, actor="t")
    with pytest.raises(SessionNotEnded):
        await mark_no_shows(ctx, office_id, day=TUE, actor="t")
    with pytest.raises(SessionNotEnded):
        await mark_no_shows(ctx, office_id, day=WED, actor="t")
    assert await snapshot(ctx) == before


async def test_no_shows_after_the_session(ctx, tuesday):
    office_id, (a, b, c) = tuesday
    (slot_id,) = await slot_ids(ctx, office_id, TUE)
    await check_in(ctx, office_id, b.code, actor="t")
    ctx.clock.set(TUE_1030_WIB)
    result = await mark_no_shows(ctx, office_id, slot_id=slot_id, actor="telegram:9")
    assert result.marked == 2 and result.slot_ids == [slot_id]
    states = await statuses(ctx)
    assert states[a.code][0] == states[c.code][0] == AppointmentStatus.NO_SHOW
    assert states[b.code] == (AppointmentStatus.CHECKED_IN, 1)
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "mark_no_shows")
    assert audit.after["marked"] == 2 and audit.actor == "telegram:9"
    # A no-show cannot check in afterwards; marking again changes nothing.
    with pytest.raises(NotActive):
        await check_in(ctx, office_id, a.code, actor="t")
    assert (await mark_no_shows(ctx, office_id, day=TUE, actor="t")).marked == 0


async def test_no_shows_of_another_offices_session(ctx, tuesday):
    office_id, _ = tuesday
    other = await add_office(ctx, office_spec("OTHER"))
    (slot_id,) = await slot_ids(ctx, office_id, TUE)
    ctx.clock.set(TUE_1030_WIB)
    with pytest.raises(SlotNotFound):
        await mark_no_shows(ctx, other, slot_id=slot_id, actor="t")


async def test_end_of_day_close_out(ctx, tuesday):
    office_id, (a, b, c) = tuesday
    (wed,) = await book_on(ctx, office_id, WED, [104])
    await check_in(ctx, office_id, a.code, actor="t")
    assert await close_out_day(ctx) == 0  # Tuesday is not over yet
    ctx.clock.set(WED_0030_WIB)
    assert await close_out_day(ctx) == 3
    states = await statuses(ctx)
    assert states[a.code] == (AppointmentStatus.SERVED, 1)
    assert states[b.code][0] == states[c.code][0] == AppointmentStatus.NO_SHOW
    assert states[wed.code][0] == AppointmentStatus.BOOKED
    assert await close_out_day(ctx) == 0
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "close_out_day")
    assert audit.after == {"no_show": 2, "served": 1} and audit.office_id == office_id


async def test_close_out_follows_each_offices_zone(ctx):
    wib = await add_office(ctx, office_spec("WIB"))
    wit = await add_office(ctx, office_spec("WIT", timezone="Asia/Jayapura"))
    (in_wib,) = await book_on(ctx, wib, TUE, [121])
    (in_wit,) = await book_on(ctx, wit, TUE, [122])
    # 15:30 UTC: Wednesday 00:30 WIT, still Tuesday 22:30 WIB.
    assert await close_out_day(ctx, datetime(2026, 12, 1, 15, 30, tzinfo=UTC)) == 1
    states = await statuses(ctx)
    assert states[in_wit.code][0] == AppointmentStatus.NO_SHOW
    assert states[in_wib.code][0] == AppointmentStatus.BOOKED


async def test_the_background_loop_closes_out_past_days(ctx, tuesday):
    ctx.clock.set(WED_0030_WIB)
    stop = asyncio.Event()
    task = asyncio.create_task(release_loop(ctx, stop, max_sleep=0.05))
    for _ in range(200):
        await asyncio.sleep(0.05)
        if {s for s, _ in (await statuses(ctx)).values()} == {AppointmentStatus.NO_SHOW}:
            break
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert {s for s, _ in (await statuses(ctx)).values()} == {AppointmentStatus.NO_SHOW}
