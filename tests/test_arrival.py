"""Arrival: the daily arrival code, forged and old codes, self check-in and its
window, a family checked in together, and the applicant's re-queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.appointments.groups import MemberChoice, book_group
from booking.core.errors import (
    AlreadyCheckedIn,
    AlreadyRequeued,
    ArrivalTokenInvalid,
    CheckInClosed,
    CheckInNotOpenYet,
    NoAppointmentToday,
    QueueTicketNotFound,
)
from booking.core.kinds import AppointmentStatus, QueueStatus, ServiceType
from booking.db.models import Appointment
from booking.people.members import members_of, save_member
from booking.queue.arrival import (
    arrival_link,
    arrival_token,
    office_of_arrival_token,
    requeue,
    self_check_in,
)
from booking.queue.calling import call_next, mark_missed, recall
from booking.queue.tickets import queue_state
from tests.admin_helpers import book_on, rows, slot_ids
from tests.conftest import TUE
from tests.factories import add_applicant, make_nik
from tests.queue_helpers import STAFF, TUE_0730, open_counters, queue_office

MON = date(2026, 11, 30)
TUE_0659 = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)  # 06:59 WIB: 61 minutes early
TUE_0700 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
TUE_1000 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # the Pagi session has ended


@pytest.fixture
async def office(ctx):
    return await queue_office(ctx)


def today_token(ctx, office_id):
    return arrival_token(ctx, office_id, TUE)


async def test_the_token_is_short_url_safe_and_changes_every_day(ctx, office):
    token = today_token(ctx, office)
    assert len(token) == 16 and token.isalnum() and token == token.lower()
    assert len(f"arrive-{token}") <= 64
    assert arrival_token(ctx, office, MON) != token
    other = await queue_office(ctx, "OTHER")
    assert today_token(ctx, other) != token
    assert arrival_link("@TanpaAntreBot", token) == (
        f"https://t.me/TanpaAntreBot?start=arrive-{token}"
    )


async def test_todays_token_names_its_office(ctx, office):
    ctx.clock.set(TUE_0730)
    token = today_token(ctx, office)
    assert (await office_of_arrival_token(ctx, token)).id == office
    assert (await office_of_arrival_token(ctx, f"arrive-{token.upper()}")).id == office


@pytest.mark.parametrize(
    "token", ["", "abc", "a" * 16, "arrive-", "'; DROP TABLE office; --", "2" * 200]
)
async def test_forged_tokens_are_refused(ctx, office, token):
    ctx.clock.set(TUE_0730)
    with pytest.raises(ArrivalTokenInvalid):
        await office_of_arrival_token(ctx, token)


async def test_yesterdays_token_is_refused(ctx, office):
    ctx.clock.set(TUE_0730)
    with pytest.raises(ArrivalTokenInvalid):
        await office_of_arrival_token(ctx, arrival_token(ctx, office, MON))


async def test_another_secret_makes_other_tokens(ctx, office, settings):
    ctx.clock.set(TUE_0730)
    token = today_token(ctx, office)
    other = settings.model_copy(update={"data_dir": settings.data_dir / "elsewhere"})
    ctx.settings = other
    with pytest.raises(ArrivalTokenInvalid):
        await office_of_arrival_token(ctx, token)


async def test_self_check_in_gives_the_number_and_the_place(ctx, office):
    (first, second) = await book_on(ctx, office, TUE, [101, 102])
    ctx.clock.set(TUE_0730)
    token = today_token(ctx, office)
    (state,) = await self_check_in(ctx, telegram_id=102, token=token)
    assert (state.ticket.label, state.ticket.status, state.ahead) == ("001", QueueStatus.WAITING, 0)
    assert state.ticket.appointment_code == second.code
    (other,) = await self_check_in(ctx, telegram_id=101, token=token)
    assert (other.ticket.label, other.ahead) == ("002", 1)
    (row,) = await rows(ctx, Appointment, Appointment.code == first.code)
    assert row.status == AppointmentStatus.CHECKED_IN and row.checked_in_at == TUE_0730


async def test_a_second_scan_is_told_it_is_checked_in(ctx, office):
    await book_on(ctx, office, TUE, [111])
    ctx.clock.set(TUE_0730)
    token = today_token(ctx, office)
    once = await self_check_in(ctx, telegram_id=111, token=token)
    with pytest.raises(AlreadyCheckedIn) as again:
        await self_check_in(ctx, telegram_id=111, token=token)
    assert again.value.queue_number == 1
    assert [s.ticket.id for s in await queue_state(ctx, telegram_id=111)] == [
        s.ticket.id for s in once
    ]


async def test_the_window_opens_an_hour_before_and_closes_at_the_end(ctx, office):
    await book_on(ctx, office, TUE, [121])
    ctx.clock.set(TUE_0659)
    token = arrival_token(ctx, office, TUE)
    with pytest.raises(CheckInNotOpenYet) as early:
        await self_check_in(ctx, telegram_id=121, token=token)
    assert early.value.opens_at == TUE_0700
    ctx.clock.set(TUE_1000)
    with pytest.raises(CheckInClosed):
        await self_check_in(ctx, telegram_id=121, token=token)
    ctx.clock.set(TUE_0700)
    (state,) = await self_check_in(ctx, telegram_id=121, token=token)
    assert state.ticket.number == 1


async def test_no_appointment_today(ctx, office):
    await add_applicant(ctx, 131)
    other = await queue_office(ctx, "OTHER")
    await book_on(ctx, other, TUE, [132])
    ctx.clock.set(TUE_0730)
    with pytest.raises(NoAppointmentToday):
        await self_check_in(ctx, telegram_id=131, token=today_token(ctx, office))
    # Booked at another office: not here.
    with pytest.raises(NoAppointmentToday):
        await self_check_in(ctx, telegram_id=132, token=today_token(ctx, office))


async def test_a_family_gets_a_number_each(ctx, office):
    await add_applicant(ctx, 141, born=date(1980, 2, 2))
    child = await save_member(
        ctx, telegram_id=141, full_name="Anak Satu", nik=make_nik(date(2015, 3, 3), serial=7)
    )
    holder = [m for m in await members_of(ctx, 141) if m.is_holder][0]
    (slot_id,) = (await slot_ids(ctx, office, TUE))[:1]
    await book_group(
        ctx,
        telegram_id=141,
        slot_id=slot_id,
        members=[MemberChoice(holder.id, ServiceType.NEW), MemberChoice(child.id, ServiceType.NEW)],
    )
    ctx.clock.set(TUE_0730)
    states = await self_check_in(ctx, telegram_id=141, token=today_token(ctx, office))
    assert [(s.ticket.label, s.ahead) for s in states] == [("001", 0), ("002", 1)]


async def test_a_missed_applicant_requeues_once_by_scanning(ctx, office):
    await book_on(ctx, office, TUE, [151, 152])
    ctx.clock.set(TUE_0730)
    token = today_token(ctx, office)
    await self_check_in(ctx, telegram_id=151, token=token)
    await self_check_in(ctx, telegram_id=152, token=token)
    with pytest.raises(QueueTicketNotFound):
        await requeue(ctx, telegram_id=151, token=token)
    (counter,) = await open_counters(ctx, office, 1)
    called = await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=STAFF)
    assert called is not None
    for _ in range(2):
        await recall(ctx, ticket_id=called.id, counter_id=counter.id, telegram_id=STAFF)
    await mark_missed(ctx, ticket_id=called.id, telegram_id=STAFF)
    ctx.clock.advance(timedelta(minutes=5))
    (state,) = await requeue(ctx, telegram_id=151, token=token)
    assert (state.ticket.label, state.ticket.status, state.ahead) == ("001", QueueStatus.WAITING, 1)
    again = await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=STAFF)
    assert again is not None and again.telegram_id == 152
    again = await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=STAFF)
    assert again is not None and again.telegram_id == 151
    for _ in range(2):
        await recall(ctx, ticket_id=again.id, counter_id=counter.id, telegram_id=STAFF)
    await mark_missed(ctx, ticket_id=again.id, telegram_id=STAFF)
    with pytest.raises(AlreadyRequeued):
        await requeue(ctx, telegram_id=151, token=token)
