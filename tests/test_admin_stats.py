import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from booking.admin.announcements import announce
from booking.admin.audit import audit_log
from booking.admin.checkin import check_in, mark_no_shows
from booking.admin.closures import close_day
from booking.admin.quotas import set_quota_override
from booking.admin.stats import DayCapacity, Spread, capacity_series, stats
from booking.appointments.service import cancel
from booking.core.errors import (
    DateInPast,
    DayAlreadyClosed,
    InvalidDateRange,
    InvalidText,
    OfficeNotFound,
    QuotaBelowBooked,
)
from booking.core.kinds import NotificationStatus
from booking.db.models import AuditLog, Notification
from booking.people.members import members_of
from booking.queue.arrival import arrival_token
from booking.queue.calling import call_next, mark_missed, recall
from booking.queue.walkins import walk_in
from bot.charts import capacity_chart_png
from tests.admin_helpers import book_on, rows, snapshot
from tests.conftest import FRI, THU, TODAY, TUE, WED
from tests.factories import add_applicant, add_office, office_spec
from tests.queue_helpers import STAFF, check_in_all, open_counters, queue_office

TUE_0730_WIB = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
TUE_1030_WIB = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


async def test_stats_counts_and_rates(ctx):
    office_id = await add_office(ctx)
    tue = await book_on(ctx, office_id, TUE, [101, 102, 103, 104, 105])
    await book_on(ctx, office_id, WED, [106, 107])
    await cancel(ctx, telegram_id=101, appointment_id=tue[0].id)
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    ctx.clock.set(TUE_0730_WIB)
    for a in tue[1:3]:
        await check_in(ctx, office_id, a.code, actor="t")
    ctx.clock.set(TUE_1030_WIB)
    await mark_no_shows(ctx, office_id, day=TUE, actor="t")

    s = await stats(ctx, office_id, TUE, WED)
    assert (s.booked, s.checked_in, s.no_show, s.cancelled, s.displaced, s.still_booked) == (
        7,
        2,
        2,
        3,
        2,
        0,
    )
    assert s.check_in_rate == pytest.approx(2 / 7)
    assert s.no_show_rate == pytest.approx(2 / 7)
    assert s.cancellation_rate == pytest.approx(3 / 7)
    only_tue = await stats(ctx, office_id, TUE, TUE)
    assert (only_tue.booked, only_tue.cancelled, only_tue.displaced) == (5, 1, 0)


async def test_stats_of_an_empty_range_and_bad_ranges(ctx):
    office_id = await add_office(ctx)
    s = await stats(ctx, office_id, date(2026, 1, 1), date(2026, 1, 31))
    assert s.booked == 0 and s.check_in_rate == s.no_show_rate == s.cancellation_rate == 0.0
    with pytest.raises(InvalidDateRange):
        await stats(ctx, office_id, WED, TUE)
    with pytest.raises(OfficeNotFound):
        await stats(ctx, 9999, TUE, WED)


async def test_stats_count_failed_notices(ctx):
    office_id = await add_office(ctx)
    (appt,) = await book_on(ctx, office_id, WED, [101])
    async with ctx.db.writer() as session:
        await session.exec(
            update(Notification)
            .where(col(Notification.appointment_id) == appt.id)
            .values(status=NotificationStatus.FAILED.value)
        )
        await session.commit()
    reminders = len(await rows(ctx, Notification, Notification.appointment_id == appt.id))
    assert reminders >= 1
    # Reminders of the WED appointment are due on TUE (day before) and WED.
    assert (await stats(ctx, office_id, TUE, WED)).failed_notices == reminders
    assert (await stats(ctx, office_id, FRI, FRI)).failed_notices == 0


async def test_capacity_series(ctx):
    office_id = await add_office(ctx, office_spec(daily=10, priority=2, window_days=14))
    await book_on(ctx, office_id, TUE, [101, 102, 103])
    await close_day(ctx, office_id, THU, "Libur", actor="t")
    await set_quota_override(ctx, office_id, FRI, FRI, 20, actor="t")
    series = await capacity_series(ctx, office_id, days=20)
    assert len(series) == 20 and series[0].day == TODAY
    by_day = {d.day: d for d in series}
    assert by_day[TUE] == DayCapacity(TUE, 3, 12, released=True, closed=False)
    assert by_day[WED] == DayCapacity(WED, 0, 12, released=True, closed=False)
    assert by_day[THU].closed and by_day[THU].booked == 0
    assert by_day[FRI].capacity == 22
    saturday = by_day[date(2026, 12, 5)]
    assert (saturday.capacity, saturday.released) == (0, False)
    beyond = by_day[date(2026, 12, 15)]  # after the release horizon (Dec 14)
    assert (beyond.capacity, beyond.released) == (12, False)
    default = await capacity_series(ctx, office_id)
    assert [d.day for d in default] == [TODAY + timedelta(days=i) for i in range(14)]


async def test_capacity_chart_is_a_png(ctx):
    office_id = await add_office(ctx)
    await book_on(ctx, office_id, TUE, [101, 102])
    await close_day(ctx, office_id, THU, "Libur", actor="t")
    png = capacity_chart_png(await capacity_series(ctx, office_id), "Kantor Imigrasi TEST")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 360)
    assert 5_000 < len(png) < 500_000


async def test_announcement_goes_once_to_each_booked_applicant(ctx):
    office_id = await add_office(ctx)
    appts = await book_on(ctx, office_id, WED, [101, 102, 103, 104])
    await book_on(ctx, office_id, THU, [105])
    await cancel(ctx, telegram_id=104, appointment_id=appts[3].id)
    text = "Loket buka pukul 07.30"
    first = await announce(ctx, office_id, WED, text, actor="telegram:9")
    assert (first.recipients, first.queued) == (3, 3)
    again = await announce(ctx, office_id, WED, f"  {text} ", actor="telegram:9")
    assert (again.announcement_id, again.recipients, again.queued) == (first.announcement_id, 3, 0)
    notices = await rows(ctx, Notification, Notification.kind == "announcement")
    assert sorted(n.recipient for n in notices) == [101, 102, 103]
    assert {n.args["text"] for n in notices} == {text}
    assert all(n.office_id == office_id and n.due_at == ctx.now() for n in notices)
    other = await announce(ctx, office_id, WED, "Parkir penuh", actor="t")
    assert other.queued == 3
    explicit = await announce(ctx, office_id, WED, "Ubah", actor="t", announcement_id="a1")
    repeat = await announce(ctx, office_id, WED, "Ubah lagi", actor="t", announcement_id="a1")
    assert (explicit.queued, repeat.queued) == (3, 0)
    audit = await rows(ctx, AuditLog, AuditLog.action == "announce")
    assert len(audit) == 5 and audit[0].after["recipients"] == 3


async def test_bad_announcements_change_nothing(ctx):
    office_id = await add_office(ctx)
    await book_on(ctx, office_id, WED, [101])
    before = await snapshot(ctx)
    for text in ("", "   ", "x" * 3501):
        with pytest.raises(InvalidText):
            await announce(ctx, office_id, WED, text, actor="t")
    with pytest.raises(DateInPast):
        await announce(ctx, office_id, date(2026, 11, 29), "Halo", actor="t")
    with pytest.raises(OfficeNotFound):
        await announce(ctx, 9999, WED, "Halo", actor="t")
    assert await snapshot(ctx) == before


async def test_audit_log_of_an_office(ctx):
    a = await add_office(ctx, office_spec("KANIM-A"))
    b = await add_office(ctx, office_spec("KANIM-B"))
    await set_quota_override(ctx, a, TUE, TUE, 5, actor="telegram:1")
    ctx.clock.advance(timedelta(minutes=1))
    await close_day(ctx, a, WED, "Libur", actor="telegram:2")
    ctx.clock.advance(timedelta(minutes=1))
    await close_day(ctx, b, WED, "Libur", actor="telegram:3")
    latest = await audit_log(ctx, a, limit=2)
    assert [(e.action, e.actor) for e in latest] == [
        ("close_day", "telegram:2"),
        ("set_quota", "telegram:1"),
    ]
    assert latest[1].before == {"day": "2026-12-01", "regular": 10, "priority": 0}
    assert latest[1].after == {"day": "2026-12-01", "regular": 5, "priority": 0}
    everything = await audit_log(ctx, a, limit=100)
    assert everything[-1].action == "load_office"
    assert all(e.actor != "telegram:3" for e in everything)
    with pytest.raises(OfficeNotFound):
        await audit_log(ctx, 9999)


async def test_a_refused_change_writes_no_audit_row(ctx):
    office_id = await add_office(ctx)
    await book_on(ctx, office_id, TUE, [101, 102])
    await book_on(ctx, office_id, WED, [103, 104, 105])
    # The first date is fine and would be audited; the second fails: nothing stays.
    count = len(await rows(ctx, AuditLog))
    with pytest.raises(QuotaBelowBooked):
        await set_quota_override(ctx, office_id, TUE, WED, 2, actor="t")
    assert len(await rows(ctx, AuditLog)) == count
    await close_day(ctx, office_id, THU, "Libur", actor="t")
    count = len(await rows(ctx, AuditLog))
    with pytest.raises(DayAlreadyClosed):
        await close_day(ctx, office_id, THU, "Libur", actor="t")
    assert len(await rows(ctx, AuditLog)) == count


# --- the day's queue ------------------------------------------------------------------


async def test_queue_figures_per_day(ctx):
    office_id = await queue_office(ctx, walk_in=1)
    appts = await book_on(ctx, office_id, TUE, [801, 802, 803])
    await add_applicant(ctx, 804, born=date(1950, 1, 1))
    (elder,) = await members_of(ctx, 804)
    ctx.clock.set(TUE_0730_WIB)
    await check_in_all(ctx, office_id, [a.code for a in appts])
    await walk_in(
        ctx,
        telegram_id=804,
        token=arrival_token(ctx, office_id, TUE),
        member_id=elder.id,
        reason="elderly",
    )
    (counter,) = await open_counters(ctx, office_id, 1)

    async def call_after(minutes):
        ctx.clock.advance(timedelta(minutes=minutes))
        return await call_next(ctx, office_id=office_id, counter_id=counter.id, telegram_id=STAFF)

    await call_after(2)  # the walk-in: waited 2 minutes
    await call_after(4)  # walk-in served in 4; 801 waited 6
    missed = await call_after(10)  # 801 served in 10; 802 waited 16
    for _ in range(2):
        await recall(ctx, ticket_id=missed.id, counter_id=counter.id, telegram_id=STAFF)
    await mark_missed(ctx, ticket_id=missed.id, telegram_id=STAFF)
    await call_after(1)  # 803 waited 17
    await call_after(6)  # 803 served in 6

    result = await stats(ctx, office_id, TUE, TUE)
    (day,) = result.queue_days
    assert (day.day, day.tickets, day.walk_ins_served, day.missed) == (TUE, 4, 1, 1)
    minutes = [timedelta(minutes=m) for m in (2, 6, 16, 17)]
    assert day.waiting == Spread(median=(minutes[1] + minutes[2]) / 2, p90=day.waiting.p90)
    assert minutes[2] < day.waiting.p90 <= minutes[3]
    assert day.service == Spread(median=timedelta(minutes=6), p90=day.service.p90)
    assert timedelta(minutes=6) < day.service.p90 <= timedelta(minutes=10)
    assert (await stats(ctx, office_id, WED, WED)).queue_days == ()
