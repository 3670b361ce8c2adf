"""Releasing an applicant sent home from the counter: the appointment ends as
``released``, the seat stays used, the NIK may book again the same day, the
account's holder gets a note, and the change is audited."""

from datetime import UTC, datetime

import pytest

from booking.admin.checkin import RELEASED_TEMPLATE, check_in, close_out_day, release
from booking.admin.stats import stats as office_stats
from booking.appointments.groups import active_group
from booking.appointments.service import book, cancel
from booking.core.errors import (
    AlreadyBooked,
    AppointmentCancelled,
    NotActive,
    NotCheckedIn,
    OtherOfficeCode,
    UnknownBookingCode,
)
from booking.core.kinds import AppointmentStatus, ServiceType
from booking.db.models import Appointment, AuditLog, Notification
from tests.admin_helpers import book_on, counters_match, rows, slot_ids, slot_row, snapshot
from tests.conftest import TUE
from tests.factories import add_office, office_spec, two_sessions

TUE_0730_WIB = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # before the 08:00 session


@pytest.fixture
async def at_the_counter(ctx):
    """Office TEST with a morning and an afternoon session on Tuesday; 101 and 102
    booked in the morning, 101 checked in."""
    office_id = await add_office(ctx, office_spec(daily=10, priority=2, sessions=two_sessions()))
    first, second = await book_on(ctx, office_id, TUE, [101, 102])
    ctx.clock.set(TUE_0730_WIB)
    await check_in(ctx, office_id, first.code, actor="telegram:9")
    return office_id, first, second


async def test_release_ends_the_appointment_and_keeps_the_seat(ctx, at_the_counter):
    office_id, first, _ = at_the_counter
    morning = (await slot_ids(ctx, office_id, TUE))[0]
    seats_before = (await slot_row(ctx, morning)).booked
    done = await release(ctx, office_id, first.code.lower(), actor="telegram:9")
    assert (done.code, done.full_name, done.queue_number) == (first.code, "Pemohon 101", 1)
    (row,) = await rows(ctx, Appointment, Appointment.code == first.code)
    assert row.status == AppointmentStatus.RELEASED and row.queue_number == 1
    assert (await slot_row(ctx, morning)).booked == seats_before
    assert await counters_match(ctx)
    assert await active_group(ctx, 101) is None
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "release")
    assert (audit.actor, audit.office_id, audit.at) == ("telegram:9", office_id, TUE_0730_WIB)
    assert audit.before["status"] == "checked_in" and audit.after == {
        "code": first.code,
        "status": "released",
    }
    (note,) = await rows(ctx, Notification, Notification.template == RELEASED_TEMPLATE)
    assert note.recipient == 101 and note.due_at == TUE_0730_WIB
    assert note.args["code"] == first.code and note.args["name"] == "Pemohon 101"
    assert note.args["day"] == TUE.isoformat()


async def test_a_released_applicant_books_again_the_same_day(ctx, at_the_counter):
    office_id, first, _ = at_the_counter
    afternoon = (await slot_ids(ctx, office_id, TUE))[1]
    with pytest.raises(AlreadyBooked):  # checked in is still active
        await book(ctx, telegram_id=101, slot_id=afternoon, service=ServiceType.NEW)
    await release(ctx, office_id, first.code, actor="t")
    again = await book(ctx, telegram_id=101, slot_id=afternoon, service=ServiceType.NEW)
    assert again.code != first.code and again.status is AppointmentStatus.BOOKED
    assert again.start.date() == TUE
    assert await counters_match(ctx)


async def test_release_refusals_change_nothing(ctx, at_the_counter):
    office_id, first, second = at_the_counter
    other = await add_office(ctx, office_spec(code="OTHR"))
    before = await snapshot(ctx)
    with pytest.raises(NotCheckedIn):
        await release(ctx, office_id, second.code, actor="t")
    with pytest.raises(OtherOfficeCode):
        await release(ctx, other, first.code, actor="t")
    with pytest.raises(UnknownBookingCode):
        await release(ctx, office_id, "ZZZZZZZZ", actor="t")
    assert await snapshot(ctx) == before
    await release(ctx, office_id, first.code, actor="t")
    with pytest.raises(NotActive) as twice:
        await release(ctx, office_id, first.code, actor="t")
    assert twice.value.status == "released"
    assert len(await rows(ctx, AuditLog, AuditLog.action == "release")) == 1
    assert len(await rows(ctx, Notification, Notification.template == RELEASED_TEMPLATE)) == 1
    await cancel(ctx, telegram_id=102, appointment_id=second.id)
    with pytest.raises(AppointmentCancelled):
        await release(ctx, office_id, second.code, actor="t")


async def test_a_released_appointment_is_not_checked_in_again(ctx, at_the_counter):
    office_id, first, _ = at_the_counter
    await release(ctx, office_id, first.code, actor="t")
    with pytest.raises(NotActive):
        await check_in(ctx, office_id, first.code, actor="t")


async def test_close_out_keeps_released_and_stats_count_them_as_checked_in(ctx, at_the_counter):
    office_id, first, second = at_the_counter
    await release(ctx, office_id, first.code, actor="t")
    await close_out_day(ctx, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    statuses = {a.code: a.status for a in await rows(ctx, Appointment)}
    assert statuses == {first.code: "released", second.code: "no_show"}
    stats = await office_stats(ctx, office_id, TUE, TUE)
    assert (stats.booked, stats.checked_in, stats.no_show) == (2, 1, 1)
