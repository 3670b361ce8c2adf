"""What an applicant may book: day statuses, seats left, sessions of a date,
nearest open dates, release and time zones, on SQLite and PostgreSQL.

The clock starts at Monday 30 November 2026, 07:00 WIB (00:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from booking.admin.offices_file import SessionSpec
from booking.admin.quotas import set_daily_quota
from booking.appointments.service import book
from booking.calendar.availability import (
    bookable_dates,
    day_availability,
    nearest_open_dates,
    sessions_of,
)
from booking.calendar.release import release_slots
from booking.calendar.views import DayStatus
from booking.core.kinds import ServiceType
from booking.db.models import Closure, Slot
from tests.factories import WEEKDAYS, add_applicant, add_office, office_spec, two_sessions

MON, TUE, WED = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)


async def statuses(ctx, office_id, first, last, **kw):
    return {d.day: d for d in await day_availability(ctx, office_id, first, last, **kw)}


async def test_day_statuses_over_a_month(ctx):
    office_id = await add_office(ctx)
    async with ctx.db.writer() as session:
        session.add(Closure(office_id=office_id, day=date(2026, 12, 10), reason="Renovasi",
                            created_at=ctx.now()))  # fmt: skip
        await session.commit()
    await set_daily_quota(ctx, "TEST", [date(2026, 12, 9)], 1, actor="test")
    await add_applicant(ctx, 1)
    [wed9] = await sessions_of(ctx, office_id, date(2026, 12, 9))
    await book(ctx, telegram_id=1, slot_id=wed9.slot_id, service=ServiceType.NEW)

    days = await statuses(ctx, office_id, date(2026, 11, 29), date(2026, 12, 31))
    assert days[date(2026, 11, 29)].status is DayStatus.PAST
    # Today's only session (08:00 WIB) starts within the 60-minute cut-off.
    assert days[MON].status is DayStatus.PAST
    assert days[TUE].status is DayStatus.OPEN and days[TUE].seats_left == 10
    assert days[date(2026, 12, 5)].status is DayStatus.NO_SERVICE  # Saturday
    assert days[date(2026, 12, 9)].status is DayStatus.FULL
    assert days[date(2026, 12, 9)].seats_left == 0
    assert days[date(2026, 12, 10)].status is DayStatus.CLOSED
    assert days[date(2026, 12, 10)].note == "Renovasi"
    # Released 14 days ahead at midnight: up to Monday 14 December.
    assert days[date(2026, 12, 14)].status is DayStatus.OPEN
    assert days[date(2026, 12, 15)].status is DayStatus.NOT_RELEASED
    assert days[date(2026, 12, 25)].status is DayStatus.HOLIDAY
    assert days[date(2026, 12, 25)].note
    assert days[date(2026, 12, 26)].status is DayStatus.NO_SERVICE


async def test_release_materializes_no_slot_on_holidays_closures_or_weekends(ctx):
    office_id = await add_office(ctx, office_spec(window_days=30))
    async with ctx.db.reader() as session:
        slot_days = set(
            await session.exec(select(col(Slot.day)).where(Slot.office_id == office_id))
        )
    assert date(2026, 12, 24) in slot_days
    assert date(2026, 12, 25) not in slot_days  # Christmas
    assert date(2026, 12, 26) not in slot_days  # Saturday
    assert min(slot_days) == MON and max(slot_days) == date(2026, 12, 30)
    assert await release_slots(ctx) == 0  # running again makes nothing new


async def test_release_window_before_and_after_the_release_moment(ctx, clock):
    spec = office_spec(release_rule="FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0", window_days=7)
    office_id = await add_office(ctx, spec)
    next_week = [date(2026, 12, 7) + timedelta(days=i) for i in range(5)]
    # Friday 4 December, 13:59 WIB: the week after is not open yet.
    clock.set(datetime(2026, 12, 4, 6, 59, tzinfo=UTC))
    await release_slots(ctx)
    days = await statuses(ctx, office_id, next_week[0], next_week[-1])
    assert {d.status for d in days.values()} == {DayStatus.NOT_RELEASED}
    assert await sessions_of(ctx, office_id, next_week[0]) == []
    # 14:00 WIB: release, and the whole next Monday-Friday opens.
    clock.set(datetime(2026, 12, 4, 7, 0, tzinfo=UTC))
    assert await release_slots(ctx) == 5
    days = await statuses(ctx, office_id, next_week[0], next_week[-1])
    assert {d.status for d in days.values()} == {DayStatus.OPEN}
    assert [d.day for d in await bookable_dates(ctx, office_id)] == next_week


async def test_booking_cutoff_on_the_day_itself(ctx, clock):
    office_id = await add_office(ctx, office_spec(sessions=two_sessions()))
    # 06:59 WIB: Pagi starts in 61 minutes and can still be booked.
    clock.set(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))
    assert [s.bookable for s in await sessions_of(ctx, office_id, MON)] == [True, True]
    # 07:00 WIB: Pagi is within the cut-off, Siang is not.
    clock.set(datetime(2026, 11, 30, 0, 0, tzinfo=UTC))
    assert [s.bookable for s in await sessions_of(ctx, office_id, MON)] == [False, True]
    today = (await statuses(ctx, office_id, MON, MON))[MON]
    assert today.status is DayStatus.OPEN and today.seats_left == 5  # only Siang counts
    # 12:30 WIB: nothing is left today.
    clock.set(datetime(2026, 11, 30, 5, 30, tzinfo=UTC))
    assert [s.bookable for s in await sessions_of(ctx, office_id, MON)] == [False, False]
    assert (await statuses(ctx, office_id, MON, MON))[MON].status is DayStatus.PAST
    assert MON not in [d.day for d in await bookable_dates(ctx, office_id)]


async def test_sessions_of_a_date_with_seats_left(ctx):
    sessions = [
        SessionSpec(label="Sesi 1", start=time(8), end=time(10), rule=WEEKDAYS, share=2),
        SessionSpec(label="Sesi 2", start=time(10), end=time(12), rule=WEEKDAYS, share=2),
        SessionSpec(label="Sesi 3", start=time(13), end=time(15), rule=WEEKDAYS, share=1),
    ]
    office_id = await add_office(ctx, office_spec(daily=11, priority=3, sessions=sessions))
    listed = await sessions_of(ctx, office_id, TUE)
    assert [s.label for s in listed] == ["Sesi 1", "Sesi 2", "Sesi 3"]
    assert [s.capacity for s in listed] == [5, 4, 2]  # 11 split 2:2:1, sums exactly
    assert sum(s.priority_left for s in listed) == 3
    assert [s.start.time() for s in listed] == [time(8), time(10), time(13)]
    assert all(s.zone == "WIB" and s.bookable for s in listed)
    await add_applicant(ctx, 7)
    await book(ctx, telegram_id=7, slot_id=listed[2].slot_id, service=ServiceType.RENEWAL)
    after = await sessions_of(ctx, office_id, TUE)
    assert [s.seats_left for s in after] == [5, 4, 1]
    day = (await statuses(ctx, office_id, TUE, TUE))[TUE]
    assert day.seats_left == 10 and day.priority_left == 3


async def test_priority_seats_count_only_for_priority_applicants(ctx):
    office_id = await add_office(ctx, office_spec(daily=1, priority=2))
    await add_applicant(ctx, 1)
    [slot] = await sessions_of(ctx, office_id, TUE)
    await book(ctx, telegram_id=1, slot_id=slot.slot_id, service=ServiceType.NEW)
    regular = (await statuses(ctx, office_id, TUE, TUE))[TUE]
    priority = (await statuses(ctx, office_id, TUE, TUE, priority=True))[TUE]
    assert regular.status is DayStatus.FULL
    assert priority.status is DayStatus.OPEN and priority.priority_left == 2
    [as_priority] = await sessions_of(ctx, office_id, TUE, priority=True)
    [as_regular] = await sessions_of(ctx, office_id, TUE)
    assert as_priority.bookable and not as_regular.bookable


async def test_closed_slot_is_not_bookable(ctx):
    office_id = await add_office(ctx)
    async with ctx.db.writer() as session:
        await session.exec(update(Slot).where(col(Slot.day) == WED).values(is_open=False))
        await session.commit()
    [slot] = await sessions_of(ctx, office_id, WED)
    assert not slot.bookable
    assert WED not in [d.day for d in await bookable_dates(ctx, office_id)]


async def test_nearest_open_dates_around_a_full_day(ctx):
    office_id = await add_office(ctx)
    await set_daily_quota(ctx, "TEST", [date(2026, 12, 9)], 0, actor="test")
    near = await nearest_open_dates(ctx, office_id, date(2026, 12, 9), limit=3)
    # 8 and 10 are one day away; 7 and 11 tie at two, the earlier wins.
    assert [d.day for d in near] == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 10)]
    assert all(d.status is DayStatus.OPEN for d in near)
    far = await nearest_open_dates(ctx, office_id, date(2026, 12, 14), limit=2)
    assert [d.day for d in far] == [date(2026, 12, 11), date(2026, 12, 14)]


async def test_jayapura_0800_session_is_2300_utc_the_day_before(ctx):
    spec = office_spec("JAYAPURA", timezone="Asia/Jayapura", province="Papua")
    office_id = await add_office(ctx, spec)
    [slot] = await sessions_of(ctx, office_id, TUE)
    assert slot.zone == "WIT"
    assert slot.start.time() == time(8) and slot.start.date() == TUE
    async with ctx.db.reader() as session:
        row = await session.get(Slot, slot.slot_id)
    assert row is not None and row.day == TUE
    assert row.start_utc == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    # It is 09:00 WIT on Monday: Monday's 08:00 session is over and was never released.
    assert await sessions_of(ctx, office_id, MON) == []
    assert (await statuses(ctx, office_id, MON, MON))[MON].status is DayStatus.PAST


async def test_makassar_0800_session_is_0000_utc(ctx):
    spec = office_spec("DENPASAR", timezone="Asia/Makassar", province="Bali")
    office_id = await add_office(ctx, spec)
    [slot] = await sessions_of(ctx, office_id, TUE)
    assert slot.zone == "WITA" and slot.start.time() == time(8)
    async with ctx.db.reader() as session:
        row = await session.get(Slot, slot.slot_id)
    assert row is not None and row.start_utc == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    # 08:00 WITA today is exactly now: past, not bookable.
    assert (await statuses(ctx, office_id, MON, MON))[MON].status is DayStatus.PAST
