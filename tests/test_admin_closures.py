from datetime import date

import pytest

from booking.admin.closures import close_day, displaced_of, rebook_displaced, reopen_day
from booking.appointments.service import book, cancel, reschedule
from booking.calendar.availability import day_availability
from booking.calendar.release import release_slots
from booking.calendar.views import DayStatus
from booking.core.errors import (
    AlreadyBooked,
    AlreadyRebooked,
    AppointmentNotFound,
    DateInPast,
    DayAlreadyClosed,
    DayClosed,
    DayNotClosed,
    InvalidText,
    NotDisplaced,
    OfficeNotFound,
)
from booking.core.kinds import (
    AppointmentStatus,
    NotificationStatus,
    PriorityReason,
    QuotaPool,
    ServiceType,
)
from booking.db.models import Appointment, AuditLog, Closure, Notification, Slot
from booking.people.applicants import set_language
from tests.admin_helpers import (
    book_on,
    counters_match,
    rows,
    slot_ids,
    snapshot,
)
from tests.conftest import FRI, THU, TODAY, TUE, WED
from tests.factories import add_office, office_spec


@pytest.fixture
async def booked_office(ctx):
    """WED: three regular and one priority appointment, plus one cancelled; THU: one."""
    office_id = await add_office(ctx, office_spec(daily=10, priority=2))
    regular = await book_on(ctx, office_id, WED, [101, 102, 103])
    elderly = await book_on(
        ctx, office_id, WED, [104], priority=PriorityReason.ELDERLY, born=date(1950, 1, 2)
    )
    gone = await book_on(ctx, office_id, WED, [105])
    await cancel(ctx, telegram_id=105, appointment_id=gone[0].id)
    other_day = await book_on(ctx, office_id, THU, [106])
    await set_language(ctx, 102, "en")
    return office_id, regular + elderly, gone[0], other_day[0]


async def test_closure_cancels_exactly_the_displaced_and_notifies_exactly_them(ctx, booked_office):
    office_id, on_wed, gone, on_thu = booked_office
    assert on_wed[-1].pool is QuotaPool.PRIORITY
    result = await close_day(ctx, office_id, WED, "  Pemadaman listrik  ", actor="telegram:9")
    assert result.reason == "Pemadaman listrik"
    assert sorted(result.displaced) == sorted(a.id for a in on_wed)
    assert result.notified == 4

    appts = {a.id: a for a in await rows(ctx, Appointment)}
    for a in on_wed:
        assert appts[a.id].status == AppointmentStatus.CANCELLED
        assert appts[a.id].cancel_reason == "displaced"
    assert appts[gone.id].cancel_reason == "applicant"
    assert appts[on_thu.id].status == AppointmentStatus.BOOKED

    notices = await rows(ctx, Notification, Notification.kind == "closure")
    assert sorted(n.appointment_id for n in notices) == sorted(a.id for a in on_wed)
    by_recipient = {n.recipient: n for n in notices}
    assert set(by_recipient) == {101, 102, 103, 104}
    assert by_recipient[102].language == "en" and by_recipient[101].language == "id"
    notice = by_recipient[101]
    assert notice.template == "closure_displaced"
    assert notice.dedupe_key == f"appointment:{on_wed[0].id}:closure"
    assert notice.args["reason"] == "Pemadaman listrik"
    assert notice.args["day"] == "2026-12-02"
    assert notice.args["office_code"] == "TEST"
    assert notice.due_at == ctx.now() and notice.status == NotificationStatus.PENDING

    # The displaced appointments' reminders are cancelled; THU's are still pending.
    for n in await rows(ctx, Notification, Notification.kind != "closure"):
        expected = (
            NotificationStatus.PENDING
            if n.appointment_id == on_thu.id
            else NotificationStatus.CANCELLED
        )
        assert n.status == expected, n

    (slot,) = await rows(ctx, Slot, Slot.day == WED)
    assert not slot.is_open and slot.booked == 0 and slot.priority_booked == 0
    assert await counters_match(ctx)
    (day,) = await day_availability(ctx, office_id, WED, WED)
    assert day.status is DayStatus.CLOSED and day.note == "Pemadaman listrik"
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "close_day")
    assert audit.actor == "telegram:9" and audit.after["displaced"] == 4
    (closure,) = await rows(ctx, Closure)
    assert closure.created_by == 9


async def test_closing_an_already_closed_day_changes_nothing(ctx, booked_office):
    office_id = booked_office[0]
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    before = await snapshot(ctx)
    with pytest.raises(DayAlreadyClosed):
        await close_day(ctx, office_id, WED, "Lagi", actor="t")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
async def test_closure_reason_must_be_given(ctx, booked_office, reason):
    before = await snapshot(ctx)
    with pytest.raises(InvalidText):
        await close_day(ctx, booked_office[0], WED, reason, actor="t")
    assert await snapshot(ctx) == before


async def test_closing_a_past_date_or_unknown_office_changes_nothing(ctx, booked_office):
    before = await snapshot(ctx)
    with pytest.raises(DateInPast):
        await close_day(ctx, booked_office[0], date(2026, 11, 27), "Libur", actor="t")
    with pytest.raises(OfficeNotFound):
        await close_day(ctx, 9999, WED, "Libur", actor="t")
    assert await snapshot(ctx) == before


async def test_closing_today_leaves_sessions_already_over(ctx):
    office_id = await add_office(ctx)
    await book_on(ctx, office_id, TUE, [111])
    ctx.clock.set(ctx.now().replace(day=1, month=12, hour=4))  # TUE 11:00 WIB, session over
    result = await close_day(ctx, office_id, TUE, "Banjir", actor="t")
    assert result.displaced == [] and result.notified == 0
    (appt,) = await rows(ctx, Appointment)
    assert appt.status == AppointmentStatus.BOOKED


async def test_reopen_day(ctx, booked_office):
    office_id = booked_office[0]
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    await reopen_day(ctx, office_id, WED, actor="telegram:9")
    assert await rows(ctx, Closure) == []
    (slot,) = await rows(ctx, Slot, Slot.day == WED)
    assert slot.is_open
    (day,) = await day_availability(ctx, office_id, WED, WED)
    assert day.status is DayStatus.OPEN and day.seats_left == 10
    # The displaced stay cancelled.
    assert len(await rows(ctx, Appointment, Appointment.cancel_reason == "displaced")) == 4
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "reopen_day")
    assert audit.before["reason"] == "Libur"


async def test_reopen_a_day_that_is_not_closed_changes_nothing(ctx, booked_office):
    before = await snapshot(ctx)
    with pytest.raises(DayNotClosed):
        await reopen_day(ctx, booked_office[0], FRI, actor="t")
    assert await snapshot(ctx) == before


async def test_a_closed_day_is_not_released_and_reopening_releases_it(ctx):
    office_id = await add_office(ctx, release=False)
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    await release_slots(ctx)
    assert await rows(ctx, Slot, Slot.day == WED) == []
    assert await rows(ctx, Slot, Slot.day == THU) != []
    assert await reopen_day(ctx, office_id, WED, actor="t") == 1
    assert len(await rows(ctx, Slot, Slot.day == WED)) == 1


async def test_rebook_does_not_count_against_the_reschedule_limit(ctx, booked_office):
    office_id, on_wed, _, _ = booked_office
    first = on_wed[0]
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    assert [a.id for a in await displaced_of(ctx, 101)] == [first.id]
    (fri,) = await slot_ids(ctx, office_id, FRI)
    new = await rebook_displaced(ctx, telegram_id=101, appointment_id=first.id, new_slot_id=fri)
    assert new.day == FRI and new.active and new.code != first.code
    assert new.reschedule_count == 0
    (row,) = await rows(ctx, Appointment, Appointment.id == new.id)
    assert row.replaces_id == first.id and row.service == first.service
    assert await displaced_of(ctx, 101) == []
    assert await counters_match(ctx)
    # The one reschedule allowed is still there.
    (tue,) = await slot_ids(ctx, office_id, TUE)
    moved = await reschedule(ctx, telegram_id=101, appointment_id=new.id, new_slot_id=tue)
    assert moved.reschedule_count == 1
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "rebook_displaced")
    assert audit.before["appointment_id"] == first.id and audit.after["appointment_id"] == new.id
    # The new appointment has its own reminders.
    reminders = await rows(ctx, Notification, Notification.appointment_id == new.id)
    assert reminders and all(n.kind.startswith("reminder") for n in reminders)


async def test_rebook_after_the_reschedule_was_used(ctx):
    office_id = await add_office(ctx)
    (appt,) = await book_on(ctx, office_id, TUE, [121])
    (wed,) = await slot_ids(ctx, office_id, WED)
    moved = await reschedule(ctx, telegram_id=121, appointment_id=appt.id, new_slot_id=wed)
    assert moved.reschedule_count == 1
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    (thu,) = await slot_ids(ctx, office_id, THU)
    new = await rebook_displaced(ctx, telegram_id=121, appointment_id=appt.id, new_slot_id=thu)
    assert new.day == THU and new.reschedule_count == 1


async def test_priority_claim_is_kept_on_rebook(ctx, booked_office):
    office_id, on_wed, _, _ = booked_office
    elderly = on_wed[-1]
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    (fri,) = await slot_ids(ctx, office_id, FRI)
    new = await rebook_displaced(ctx, telegram_id=104, appointment_id=elderly.id, new_slot_id=fri)
    assert new.priority is PriorityReason.ELDERLY and new.pool is QuotaPool.PRIORITY


async def test_rebook_refusals_change_nothing(ctx, booked_office):
    office_id, on_wed, gone, on_thu = booked_office
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    (fri,) = await slot_ids(ctx, office_id, FRI)
    (wed,) = await slot_ids(ctx, office_id, WED)
    await rebook_displaced(ctx, telegram_id=101, appointment_id=on_wed[0].id, new_slot_id=fri)
    before = await snapshot(ctx)
    with pytest.raises(AlreadyRebooked):
        await rebook_displaced(ctx, telegram_id=101, appointment_id=on_wed[0].id, new_slot_id=fri)
    with pytest.raises(NotDisplaced):  # cancelled by the applicant, not by a closure
        await rebook_displaced(ctx, telegram_id=105, appointment_id=gone.id, new_slot_id=fri)
    with pytest.raises(NotDisplaced):  # still booked
        await rebook_displaced(ctx, telegram_id=106, appointment_id=on_thu.id, new_slot_id=fri)
    with pytest.raises(AppointmentNotFound):  # someone else's
        await rebook_displaced(ctx, telegram_id=103, appointment_id=on_wed[1].id, new_slot_id=fri)
    with pytest.raises(DayClosed):
        await rebook_displaced(ctx, telegram_id=102, appointment_id=on_wed[1].id, new_slot_id=wed)
    assert await snapshot(ctx) == before


async def test_rebook_refused_while_holding_another_booking(ctx, booked_office):
    office_id, on_wed, _, _ = booked_office
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    (tue,) = await slot_ids(ctx, office_id, TUE)
    (fri,) = await slot_ids(ctx, office_id, FRI)
    await book(ctx, telegram_id=101, slot_id=tue, service=ServiceType.RENEWAL)
    with pytest.raises(AlreadyBooked):
        await rebook_displaced(ctx, telegram_id=101, appointment_id=on_wed[0].id, new_slot_id=fri)


async def test_closing_today_is_allowed(ctx):
    office_id = await add_office(ctx)
    result = await close_day(ctx, office_id, TODAY, "Rapat", actor="t")
    assert result.day == TODAY
