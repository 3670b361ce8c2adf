"""Priority walk-ins: eligibility from the NIK, declared reasons, one ticket a
person a day, and the daily walk-in quota under concurrency."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from booking.admin.checkin import check_in
from booking.core.errors import (
    AlreadyInQueue,
    ArrivalTokenInvalid,
    MemberNotFound,
    PriorityNotEligible,
    WalkInQuotaFull,
)
from booking.core.kinds import PriorityReason, QueueStatus
from booking.db.models import QueueDay, QueueTicket
from booking.people.members import members_of, save_member
from booking.queue.arrival import arrival_token
from booking.queue.calling import call_next
from booking.queue.walkins import walk_in
from tests.admin_helpers import book_on, rows
from tests.conftest import TUE
from tests.factories import add_applicant, make_nik
from tests.queue_helpers import STAFF, TUE_0730, check_in_all, open_counters, queue_office

ELDERLY = date(1950, 4, 4)


async def holder_of(ctx, telegram_id, born=ELDERLY, female=False):
    await add_applicant(ctx, telegram_id, born=born, female=female)
    (holder,) = await members_of(ctx, telegram_id)
    return holder.id


async def test_an_elderly_walk_in_gets_a_priority_number(ctx):
    office = await queue_office(ctx, walk_in=2)
    appts = await book_on(ctx, office, TUE, [101])
    member = await holder_of(ctx, 201)
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [appts[0].code])
    token = arrival_token(ctx, office, TUE)
    state = await walk_in(
        ctx, telegram_id=201, token=token, member_id=member, reason=PriorityReason.ELDERLY
    )
    assert (state.ticket.label, state.ticket.walk_in, state.ticket.priority) == ("002", True, True)
    assert state.ahead == 0 and not state.ticket.verify_at_counter
    (counter,) = await open_counters(ctx, office, 1)
    called = await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=STAFF)
    assert called is not None and called.walk_in  # priority before the appointment


async def test_eligibility_is_checked_and_declared_reasons_are_marked(ctx):
    office = await queue_office(ctx, walk_in=5)
    young = await holder_of(ctx, 301, born=date(1990, 1, 1))
    ctx.clock.set(TUE_0730)
    token = arrival_token(ctx, office, TUE)
    with pytest.raises(PriorityNotEligible):
        await walk_in(ctx, telegram_id=301, token=token, member_id=young, reason="elderly")
    with pytest.raises(PriorityNotEligible):
        await walk_in(ctx, telegram_id=301, token=token, member_id=young, reason="pregnant")
    state = await walk_in(
        ctx, telegram_id=301, token=token, member_id=young, reason=PriorityReason.DISABLED
    )
    assert state.ticket.verify_at_counter
    assert state.ticket.priority_reason is PriorityReason.DISABLED
    child = await save_member(
        ctx, telegram_id=301, full_name="Anak Kecil", nik=make_nik(date(2023, 5, 5), serial=9)
    )
    kid = await walk_in(ctx, telegram_id=301, token=token, member_id=child.id, reason="child")
    assert kid.ticket.label == "002"


async def test_one_ticket_a_person_and_only_the_accounts_people(ctx):
    office = await queue_office(ctx, walk_in=5)
    member = await holder_of(ctx, 401)
    stranger = await holder_of(ctx, 402)
    ctx.clock.set(TUE_0730)
    token = arrival_token(ctx, office, TUE)
    await walk_in(ctx, telegram_id=401, token=token, member_id=member, reason="elderly")
    with pytest.raises(AlreadyInQueue) as again:
        await walk_in(ctx, telegram_id=401, token=token, member_id=member, reason="elderly")
    assert again.value.number == 1
    with pytest.raises(MemberNotFound):
        await walk_in(ctx, telegram_id=401, token=token, member_id=stranger, reason="elderly")
    with pytest.raises(ArrivalTokenInvalid):
        await walk_in(ctx, telegram_id=401, token="x" * 16, member_id=member, reason="elderly")


async def test_no_walk_ins_without_a_quota(ctx):
    office = await queue_office(ctx)
    member = await holder_of(ctx, 501)
    ctx.clock.set(TUE_0730)
    with pytest.raises(WalkInQuotaFull) as full:
        await walk_in(
            ctx,
            telegram_id=501,
            token=arrival_token(ctx, office, TUE),
            member_id=member,
            reason="elderly",
        )
    assert full.value.quota == 0
    assert await rows(ctx, QueueTicket) == []


async def test_the_quota_holds_under_concurrency(ctx):
    office = await queue_office(ctx, walk_in=3)
    members = [await holder_of(ctx, 600 + i) for i in range(10)]
    ctx.clock.set(TUE_0730)
    token = arrival_token(ctx, office, TUE)
    outcomes = await asyncio.gather(
        *(
            walk_in(ctx, telegram_id=600 + i, token=token, member_id=m, reason="elderly")
            for i, m in enumerate(members)
        ),
        return_exceptions=True,
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    full = [o for o in outcomes if isinstance(o, WalkInQuotaFull)]
    assert (len(won), len(full)) == (3, 7)
    assert sorted(s.ticket.number for s in won) == [1, 2, 3]
    assert {t.status for t in await rows(ctx, QueueTicket)} == {QueueStatus.WAITING}
    (day,) = await rows(ctx, QueueDay)
    assert day.walk_ins == 3


async def test_a_walk_in_with_an_appointment_later_keeps_one_ticket(ctx):
    office = await queue_office(ctx, walk_in=2)
    (appt,) = await book_on(ctx, office, TUE, [701], session_index=1, born=ELDERLY)
    (holder,) = await members_of(ctx, 701)
    ctx.clock.set(TUE_0730)
    token = arrival_token(ctx, office, TUE)
    walked = await walk_in(ctx, telegram_id=701, token=token, member_id=holder.id, reason="elderly")
    result = await check_in(ctx, office, appt.code, actor="t")
    assert result.members[0].queue_number == walked.ticket.number
    (ticket,) = await rows(ctx, QueueTicket)
    assert ticket.appointment_id == appt.id and ticket.walk_in
