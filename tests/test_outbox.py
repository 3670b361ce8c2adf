"""The outbox in the domain: reminders written with the booking change, claims with
leases, outcomes, and what happens after downtime. Both backends (``ctx``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from booking.appointments.service import cancel, reschedule
from booking.calendar.availability import sessions_of
from booking.core.kinds import AppointmentStatus, NotificationStatus
from booking.db.models import Applicant, Appointment
from booking.notify.outbox import (
    REMINDER_DAY_BEFORE,
    REMINDER_SOON,
    RetryPolicy,
    claim_due,
    enqueue,
    mark_reachable,
    mark_retry,
    mark_sent,
    mark_skipped,
    mark_unreachable,
    release,
)
from tests.conftest import THU, TUE
from tests.factories import add_applicant
from tests.outbox_helpers import ZONES, book_on, by_kind, office_in, queue_notices, rows


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Session "Pagi" at 08:00 local on Tuesday 1 December 2026. The H-1 reminder is due
# at 18:00 local on Monday 30 November, the other one at 06:00 local on the day.
EXPECTED = {
    "WIB": (utc(2026, 11, 30, 11), utc(2026, 11, 30, 23), utc(2026, 12, 1, 1)),
    "WITA": (utc(2026, 11, 30, 10), utc(2026, 11, 30, 22), utc(2026, 12, 1, 0)),
    "WIT": (utc(2026, 11, 30, 9), utc(2026, 11, 30, 21), utc(2026, 11, 30, 23)),
}


@pytest.mark.parametrize("zone_name", ["WIB", "WITA", "WIT"])
async def test_reminders_are_due_at_office_local_times(ctx, zone_name):
    office_id = await office_in(ctx, ZONES[zone_name])
    appt = await book_on(ctx, office_id, 1001, TUE)
    day_before, soon, start = EXPECTED[zone_name]
    assert appt.start_utc == start
    reminders = await by_kind(ctx, appt.id)
    assert set(reminders) == {REMINDER_DAY_BEFORE, REMINDER_SOON}
    assert reminders[REMINDER_DAY_BEFORE].due_at == day_before
    assert reminders[REMINDER_SOON].due_at == soon
    for n in reminders.values():
        assert n.status == NotificationStatus.PENDING
        assert n.recipient == 1001
        assert n.expires_at == start
        assert n.args is not None and n.args["timezone"] == ZONES[zone_name]
        assert n.args["code"] == appt.code


async def test_reminder_settings_change_the_times(ctx):
    ctx.settings.reminder_day_before_at = datetime(2000, 1, 1, 9, 30).time()
    ctx.settings.reminder_before_minutes = 0  # off
    office_id = await office_in(ctx, ZONES["WITA"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    reminders = await by_kind(ctx, appt.id)
    assert set(reminders) == {REMINDER_DAY_BEFORE}
    assert reminders[REMINDER_DAY_BEFORE].due_at == utc(2026, 11, 30, 1, 30)  # 09:30 WITA


async def test_booking_after_the_day_before_time_skips_that_reminder(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    clock.set(utc(2026, 11, 30, 12))  # Monday 19:00 WIB, after the H-1 time
    appt = await book_on(ctx, office_id, 1001, TUE)
    reminders = await by_kind(ctx, appt.id)
    assert set(reminders) == {REMINDER_SOON}


async def test_a_same_day_booking_gets_no_reminder_in_the_past(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    # Tuesday 06:30 WIB: the session starts at 08:00 (beyond the 60-min cut-off),
    # the H-1 time and the 2-hours-before time (06:00) have both passed.
    clock.set(utc(2026, 11, 30, 23, 30))
    appt = await book_on(ctx, office_id, 1001, TUE)
    assert await by_kind(ctx, appt.id) == {}


async def test_a_repeated_key_is_not_queued_twice(ctx):
    now = ctx.now()
    async with ctx.db.writer() as session:
        first = await enqueue(
            session, recipient=7, kind="k", template="text", dedupe_key="x:1",
            due_at=now, now=now, args={"text": "a"},
        )  # fmt: skip
        again = await enqueue(
            session, recipient=7, kind="k", template="text", dedupe_key="x:1",
            due_at=now, now=now, args={"text": "b"},
        )  # fmt: skip
        await session.commit()
    assert (first, again) == (True, False)
    [row] = await rows(ctx)
    assert row.args == {"text": "a"}


async def test_cancel_cancels_the_pending_reminders_in_its_transaction(ctx):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    await cancel(ctx, telegram_id=1001, appointment_id=appt.id)
    reminders = await by_kind(ctx, appt.id)
    assert {n.status for n in reminders.values()} == {NotificationStatus.CANCELLED}
    ctx.clock.set(utc(2026, 12, 1, 0))
    assert await claim_due(ctx, "a", 10, 60) == []


async def test_reschedule_moves_the_reminders(ctx):
    office_id = await office_in(ctx, ZONES["WIT"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    before = await by_kind(ctx, appt.id)
    [new_session] = await sessions_of(ctx, office_id, THU)
    moved = await reschedule(
        ctx, telegram_id=1001, appointment_id=appt.id, new_slot_id=new_session.slot_id
    )
    after = await by_kind(ctx, appt.id)
    assert {k: n.id for k, n in after.items()} == {k: n.id for k, n in before.items()}
    # Thursday 08:00 WIT is Wednesday 23:00 UTC.
    assert moved.start_utc == utc(2026, 12, 2, 23)
    assert after[REMINDER_DAY_BEFORE].due_at == utc(2026, 12, 2, 9)  # Wed 18:00 WIT
    assert after[REMINDER_SOON].due_at == utc(2026, 12, 2, 21)  # Thu 06:00 WIT
    assert all(n.status == NotificationStatus.PENDING for n in after.values())
    assert all(n.expires_at == moved.start_utc for n in after.values())
    # Nothing is due at the old times any more.
    ctx.clock.set(utc(2026, 11, 30, 23, 30))
    assert await claim_due(ctx, "a", 10, 60) == []


async def test_reschedule_requeues_a_reminder_already_sent(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    wednesday, friday = date(2026, 12, 2), date(2026, 12, 4)
    appt = await book_on(ctx, office_id, 1001, wednesday)
    clock.set(utc(2026, 12, 1, 11))  # Tuesday 18:00 WIB: the H-1 reminder is due
    [claimed] = await claim_due(ctx, "a", 10, 60)
    assert claimed.kind == REMINDER_DAY_BEFORE
    assert await mark_sent(ctx, claimed.id, "a")
    [new_session] = await sessions_of(ctx, office_id, friday)
    await reschedule(ctx, telegram_id=1001, appointment_id=appt.id, new_slot_id=new_session.slot_id)
    after = await by_kind(ctx, appt.id)
    assert after[REMINDER_DAY_BEFORE].status == NotificationStatus.PENDING
    assert after[REMINDER_DAY_BEFORE].due_at == utc(2026, 12, 3, 11)  # Thursday 18:00 WIB
    assert after[REMINDER_DAY_BEFORE].sent_at is None


async def test_reschedule_to_a_session_too_soon_cancels_that_reminder(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, THU)
    clock.set(utc(2026, 11, 30, 12))  # Monday 19:00 WIB: Tuesday's H-1 time has passed
    [tuesday] = await sessions_of(ctx, office_id, TUE)
    await reschedule(ctx, telegram_id=1001, appointment_id=appt.id, new_slot_id=tuesday.slot_id)
    after = await by_kind(ctx, appt.id)
    assert after[REMINDER_DAY_BEFORE].status == NotificationStatus.CANCELLED
    assert after[REMINDER_SOON].status == NotificationStatus.PENDING
    assert after[REMINDER_SOON].due_at == utc(2026, 11, 30, 23)


async def test_a_leased_row_that_is_retimed_cannot_be_marked_by_its_old_holder(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, THU)
    clock.set(utc(2026, 12, 2, 11))  # Wednesday 18:00 WIB
    [claimed] = await claim_due(ctx, "a", 10, 60)
    [friday] = await sessions_of(ctx, office_id, date(2026, 12, 4))
    await reschedule(
        ctx, telegram_id=1001, appointment_id=appt.id, new_slot_id=friday.slot_id, counts=False
    )
    assert not await mark_sent(ctx, claimed.id, "a")
    row = (await by_kind(ctx, appt.id))[REMINDER_DAY_BEFORE]
    assert row.status == NotificationStatus.PENDING and row.lease_owner is None
    assert row.due_at == utc(2026, 12, 3, 11)


async def test_after_downtime_a_reminder_still_useful_is_sent_late(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    clock.set(utc(2026, 12, 1, 0, 30))  # 07:30 WIB, the session starts at 08:00
    claimed = await claim_due(ctx, "a", 10, 60)
    assert {c.kind for c in claimed} == {REMINDER_DAY_BEFORE, REMINDER_SOON}
    assert all(c.late for c in claimed)
    assert all(n.late for n in (await by_kind(ctx, appt.id)).values())


async def test_a_reminder_claimed_in_time_is_not_late(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    await book_on(ctx, office_id, 1001, TUE)
    clock.set(utc(2026, 11, 30, 11, 5))  # five minutes after the H-1 time
    [claimed] = await claim_due(ctx, "a", 10, 60)
    assert claimed.kind == REMINDER_DAY_BEFORE and not claimed.late


async def test_after_downtime_a_reminder_of_a_begun_appointment_is_skipped(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    clock.set(utc(2026, 12, 1, 1, 15))  # 08:15 WIB: the session has begun
    assert await claim_due(ctx, "a", 10, 60) == []
    reminders = await by_kind(ctx, appt.id)
    assert {n.status for n in reminders.values()} == {NotificationStatus.SKIPPED}
    assert all(n.last_error for n in reminders.values())


async def test_a_reminder_of_an_appointment_no_longer_booked_is_skipped(ctx, clock):
    office_id = await office_in(ctx, ZONES["WIB"])
    appt = await book_on(ctx, office_id, 1001, TUE)
    async with ctx.db.writer() as session:
        row = await session.get(Appointment, appt.id)
        assert row is not None
        row.status = AppointmentStatus.CHECKED_IN
        session.add(row)
        await session.commit()
    clock.set(utc(2026, 11, 30, 23, 30))
    assert await claim_due(ctx, "a", 10, 60) == []
    statuses = {n.status for n in (await by_kind(ctx, appt.id)).values()}
    assert statuses == {NotificationStatus.SKIPPED}


async def test_claims_are_ordered_by_due_time_and_limited(ctx):
    now = ctx.now()
    await queue_notices(ctx, 3, chats=3, due_at=now - timedelta(minutes=1), prefix="old")
    await queue_notices(ctx, 3, chats=3, due_at=now - timedelta(minutes=5), prefix="older")
    await queue_notices(ctx, 2, chats=2, due_at=now + timedelta(minutes=5), prefix="future")
    first = await claim_due(ctx, "a", 4, 60)
    assert [c.args["text"] for c in first] == ["older #0", "older #1", "older #2", "old #0"]
    rest = await claim_due(ctx, "b", 10, 60)
    assert [c.args["text"] for c in rest] == ["old #1", "old #2"]
    assert await claim_due(ctx, "c", 10, 60) == []


async def test_an_expired_lease_is_reclaimed(ctx, clock):
    await queue_notices(ctx, 2, chats=2)
    held = await claim_due(ctx, "crashed", 10, 60)
    assert len(held) == 2
    assert await claim_due(ctx, "other", 10, 60) == []
    clock.advance(timedelta(seconds=59))
    assert await claim_due(ctx, "other", 10, 60) == []
    clock.advance(timedelta(seconds=2))
    taken = await claim_due(ctx, "other", 10, 60)
    assert sorted(c.id for c in taken) == sorted(c.id for c in held)
    assert all(c.attempts == 2 for c in taken)
    # The crashed holder can no longer record an outcome; the new one can.
    assert not await mark_sent(ctx, held[0].id, "crashed")
    assert await mark_sent(ctx, taken[0].id, "other")


async def test_concurrent_claims_never_share_a_row(ctx):
    await queue_notices(ctx, 60, chats=60)
    results = await asyncio.gather(*(claim_due(ctx, f"s{i}", 7, 60) for i in range(12)))
    ids = [c.id for batch in results for c in batch]
    assert len(ids) == len(set(ids)) == 60


async def test_retries_back_off_then_fail_and_are_counted(ctx, clock):
    [chat] = await queue_notices(ctx, 1, chats=1)
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=10))
    outcomes, delays = [], []
    for _ in range(3):
        [c] = await claim_due(ctx, "a", 10, 60)
        outcomes.append(await mark_retry(ctx, c.id, "a", "Internal Server Error", policy))
        [row] = await rows(ctx)
        delays.append((row.due_at - ctx.now()).total_seconds())
        clock.set(row.due_at)
    assert outcomes == [NotificationStatus.PENDING, NotificationStatus.PENDING,
                        NotificationStatus.FAILED]  # fmt: skip
    assert delays[:2] == [10.0, 20.0]
    [row] = await rows(ctx)
    assert row.attempts == 3 and row.last_error == "Internal Server Error"
    assert await claim_due(ctx, "a", 10, 60) == []


async def test_attempts_lost_to_crashes_end_in_failed(ctx, clock):
    await queue_notices(ctx, 1, chats=1)
    for _ in range(3):
        assert len(await claim_due(ctx, "a", 10, 60, max_attempts=3)) == 1
        clock.advance(timedelta(seconds=61))  # the holder crashed each time
    assert await claim_due(ctx, "a", 10, 60, max_attempts=3) == []
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.FAILED


async def test_release_gives_a_row_back_without_counting_the_attempt(ctx):
    await queue_notices(ctx, 1, chats=1)
    [c] = await claim_due(ctx, "a", 10, 60)
    assert await release(ctx, [c.id], "a", "Too Many Requests") == 1
    [again] = await claim_due(ctx, "b", 10, 60)
    assert again.id == c.id and again.attempts == 1
    [row] = await rows(ctx)
    assert row.last_error == "Too Many Requests"


async def test_forbidden_marks_the_applicant_unreachable(ctx):
    await add_applicant(ctx, 1001)
    await queue_notices(ctx, 1, chats=1, first_chat=1001)
    [c] = await claim_due(ctx, "a", 10, 60)
    assert not await mark_unreachable(ctx, c.id, "someone-else")
    assert await mark_unreachable(ctx, c.id, "a", "Forbidden: bot was blocked by the user")
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.UNREACHABLE
    async with ctx.db.reader() as session:
        applicant = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == 1001))
        ).one()
    assert applicant.unreachable
    await mark_reachable(ctx, 1001)
    async with ctx.db.reader() as session:
        applicant = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == 1001))
        ).one()
    assert not applicant.unreachable


async def test_mark_skipped_records_the_reason(ctx):
    await queue_notices(ctx, 1, chats=1)
    [c] = await claim_due(ctx, "a", 10, 60)
    assert await mark_skipped(ctx, c.id, "a", "no template")
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.SKIPPED and row.last_error == "no template"


async def test_claim_reports_the_recipients_current_language(ctx):
    applicant = await add_applicant(ctx, 1001)
    assert applicant.language == "id"
    now = ctx.now()
    async with ctx.db.writer() as session:
        await enqueue(session, recipient=1001, kind="k", template="text", dedupe_key="k",
                      due_at=now, now=now, language="id")  # fmt: skip
        row = (await session.exec(select(Applicant).where(Applicant.telegram_id == 1001))).one()
        row.language = "en"
        session.add(row)
        await session.commit()
    [c] = await claim_due(ctx, "a", 10, 60)
    assert c.language == "en"
