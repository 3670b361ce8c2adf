"""The waitlist (issue 12, §4): joining and its limits, freed seats held for the
people waiting, offers with a timed hold, accept, decline, expiry and forged
answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from booking.admin.closures import close_day, reopen_day
from booking.admin.quotas import set_quota_override
from booking.appointments.groups import (
    MemberChoice,
    active_group,
    book_group,
    cancel_group,
    reschedule_group,
)
from booking.appointments.service import book
from booking.calendar.availability import day_availability, sessions_of
from booking.calendar.views import DayStatus
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyBooked,
    AlreadyWaiting,
    DateInPast,
    DayClosed,
    InvalidDateRange,
    MemberNotFound,
    OfferAlreadyAnswered,
    OfferExpired,
    OfferNotFound,
    SlotFull,
    WaitlistEntryNotFound,
)
from booking.core.kinds import (
    GroupStatus,
    OfferStatus,
    PriorityReason,
    QuotaPool,
    ServiceType,
    WaitlistStatus,
)
from booking.db.models import WaitlistMember
from booking.people.members import members_of, save_member
from booking.waitlist.answers import accept_offer, decline_offer
from booking.waitlist.duty import run_waitlist_duty
from booking.waitlist.entries import (
    Wish,
    join_waitlist,
    join_waitlist_in,
    leave_waitlist,
    waitlist_of,
)
from tests.conftest import FRI, THU, TODAY, TUE, WED
from tests.db_helpers import slot_problems, table_rows
from tests.factories import add_applicant, add_office, make_nik, office_spec
from tests.test_booking_rules import slot_of, slot_row
from tests.test_groups import choices, family
from tests.waitlist_helpers import held_problems, notices

NEW = ServiceType.NEW
HOLDER = [MemberChoice(None, NEW)]


@pytest.fixture
async def office_id(ctx) -> int:
    """One session a weekday with two seats."""
    return await add_office(ctx, office_spec(daily=2))


async def full_tuesday(ctx, office_id: int) -> int:
    """Tuesday's session booked full by accounts 1 and 2; its slot id."""
    slot_id = await slot_of(ctx, office_id, TUE)
    for telegram_id in (1, 2):
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        await book(ctx, telegram_id=telegram_id, slot_id=slot_id, service=NEW)
    return slot_id


async def wait(ctx, telegram_id: int, office_id: int, wish: Wish, size: int = 1):
    """An account with ``size`` people joins the waitlist."""
    people = await family(ctx, telegram_id, size, first_serial=10 * telegram_id)
    return await join_waitlist(
        ctx, telegram_id=telegram_id, office_id=office_id, members=choices(people), wish=wish
    )


async def cancel_first(ctx, telegram_id: int) -> None:
    group = await active_group(ctx, telegram_id)
    assert group is not None
    await cancel_group(ctx, telegram_id=telegram_id, group_id=group.id)


async def sound(ctx, *, settled: bool = True) -> None:
    assert await slot_problems(ctx) == []
    assert await held_problems(ctx, settled=settled) == []


# --- joining ----------------------------------------------------------------------------


async def test_joining_shows_the_wish_members_and_the_place_among_overlapping_wishes(
    ctx, office_id
):
    first = await wait(ctx, 10, office_id, Wish(TUE, THU), size=2)
    assert first.status is WaitlistStatus.WAITING and first.position == 1
    assert first.wish == Wish(TUE, THU, None) and len(first.members) == 2
    assert first.office_name == "Kantor Imigrasi TEST" and first.offer is None
    ctx.clock.advance(timedelta(minutes=1))
    second = await wait(ctx, 11, office_id, Wish.day(WED, "Pagi"))
    elsewhere = await wait(ctx, 12, office_id, Wish.day(FRI))
    assert (second.position, elsewhere.position) == (2, 1)
    assert [e.id for e in await waitlist_of(ctx, 11)] == [second.id]
    await leave_waitlist(ctx, telegram_id=10, entry_id=first.id)
    assert [e.position for e in await waitlist_of(ctx, 11)] == [1]
    assert await waitlist_of(ctx, 10) == []
    [left] = await waitlist_of(ctx, 10, in_line_only=False)
    assert left.status is WaitlistStatus.LEFT and left.position is None


async def test_one_entry_per_account_and_per_nik_at_an_office(ctx, office_id):
    other = await add_office(ctx, office_spec("TEST-2", daily=2))
    entry = await wait(ctx, 10, office_id, Wish.day(TUE))
    with pytest.raises(AlreadyWaiting) as refused:  # at any office
        await join_waitlist(
            ctx, telegram_id=10, office_id=other, members=HOLDER, wish=Wish.day(TUE)
        )
    assert refused.value.reason == "account" and refused.value.entry_id == entry.id
    # Account 11 saves account 10's holder as a member: that NIK already waits here.
    await add_applicant(ctx, 11, serial=11)
    nik = make_nik(date(1990, 5, 17), serial=101)  # the NIK of account 10's holder
    same = await save_member(ctx, telegram_id=11, full_name="Budi Santoso", nik=nik)
    with pytest.raises(AlreadyWaiting) as refused:
        await join_waitlist(
            ctx,
            telegram_id=11,
            office_id=office_id,
            members=[MemberChoice(same.id, NEW)],
            wish=Wish.day(WED),
        )
    assert refused.value.reason == "nik" and refused.value.member_id == same.id
    # ...but may wait at another office.
    joined = await join_waitlist(
        ctx,
        telegram_id=11,
        office_id=other,
        members=[MemberChoice(same.id, NEW)],
        wish=Wish.day(WED),
    )
    assert joined.status is WaitlistStatus.WAITING


async def test_the_database_holds_one_waiting_entry_per_nik_per_office(ctx, office_id):
    entry = await wait(ctx, 10, office_id, Wish.day(TUE))

    async def second_row(session):
        [member] = (
            await session.exec(select(WaitlistMember).where(WaitlistMember.entry_id == entry.id))
        ).all()
        session.add(
            WaitlistMember(
                entry_id=entry.id,
                office_id=office_id,
                person_id=member.person_id,
                nik_hash=member.nik_hash,
                service=NEW,
            )
        )
        await session.flush()

    async with ctx.db.writer() as session:
        with pytest.raises(IntegrityError):
            await second_row(session)


async def test_joining_is_refused_while_booked_for_a_bad_range_or_a_stranger(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    with pytest.raises(AlreadyBooked):
        await join_waitlist(
            ctx, telegram_id=1, office_id=office_id, members=HOLDER, wish=Wish.day(WED)
        )
    people = await family(ctx, 20, 2, first_serial=200)
    await book_group(
        ctx, telegram_id=20, slot_id=await slot_of(ctx, office_id, WED), members=choices(people[1:])
    )
    with pytest.raises(AlreadyBooked):  # the account's own group
        await join_waitlist(
            ctx,
            telegram_id=20,
            office_id=office_id,
            members=choices(people[:1]),
            wish=Wish.day(TUE),
        )
    assert slot_id
    others = await family(ctx, 21, 1, first_serial=210)
    with pytest.raises(MemberNotFound):
        await join_waitlist(
            ctx,
            telegram_id=21,
            office_id=office_id,
            members=choices(people[1:]),
            wish=Wish.day(TUE),
        )
    with pytest.raises(InvalidDateRange):
        await join_waitlist(
            ctx, telegram_id=21, office_id=office_id, members=choices(others), wish=Wish(WED, TUE)
        )
    with pytest.raises(DateInPast):
        await join_waitlist(
            ctx, telegram_id=21, office_id=office_id, members=choices(others),
            wish=Wish.day(TODAY - timedelta(days=1)),
        )  # fmt: skip


async def test_a_member_booked_by_another_account_cannot_wait(ctx, office_id):
    await add_applicant(ctx, 30, serial=30)
    child = make_nik(date(2020, 2, 2), serial=31)
    booked = await save_member(ctx, telegram_id=30, full_name="Ani", nik=child)
    await book_group(
        ctx,
        telegram_id=30,
        slot_id=await slot_of(ctx, office_id, WED),
        members=[MemberChoice(booked.id, NEW)],
    )
    await add_applicant(ctx, 32, serial=32)
    same = await save_member(ctx, telegram_id=32, full_name="Ani", nik=child)
    with pytest.raises(ActiveAppointmentExists):
        await join_waitlist(
            ctx,
            telegram_id=32,
            office_id=office_id,
            members=[MemberChoice(same.id, NEW)],
            wish=Wish.day(TUE),
        )


# --- freed seats are held -----------------------------------------------------------------


async def test_a_cancelled_seat_is_held_for_the_waitlist_and_nobody_else_can_book_it(
    ctx, office_id
):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.held) == (1, 1)
    await add_applicant(ctx, 3, serial=3)
    with pytest.raises(SlotFull):
        await book(ctx, telegram_id=3, slot_id=slot_id, service=NEW)
    [tuesday] = await day_availability(ctx, office_id, TUE, TUE)
    assert tuesday.status is DayStatus.FULL and tuesday.seats_left == 0
    [session] = await sessions_of(ctx, office_id, TUE)
    assert session.seats_left == 0
    await sound(ctx, settled=False)


async def test_a_freed_seat_goes_to_the_public_when_nobody_waits_for_that_slot(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(WED))  # another date
    await wait(ctx, 11, office_id, Wish.day(TUE, "Siang"))  # another session
    await cancel_first(ctx, 1)
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.held) == (1, 0)


async def test_moving_a_group_away_holds_its_old_seat(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish(TUE, TUE))
    group = await active_group(ctx, 1)
    assert group is not None
    await reschedule_group(
        ctx, telegram_id=1, group_id=group.id, new_slot_id=await slot_of(ctx, office_id, THU)
    )
    assert (await slot_row(ctx, slot_id)).held == 1


async def test_a_quota_raise_holds_new_seats_up_to_the_waiting_demand(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE), size=2)
    await set_quota_override(ctx, office_id, TUE, TUE, 5, 0, actor="test")
    slot = await slot_row(ctx, slot_id)
    assert (slot.capacity, slot.booked, slot.held) == (5, 2, 2)  # one seat public
    result = await run_waitlist_duty(ctx)
    assert result.offered == 1
    await sound(ctx)


async def test_a_reopened_day_holds_its_seats_for_the_waitlist(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, WED)
    await close_day(ctx, office_id, WED, "banjir", actor="test")
    await wait(ctx, 10, office_id, Wish(TUE, THU))
    await reopen_day(ctx, office_id, WED, actor="test")
    assert (await slot_row(ctx, slot_id)).held == 1


# --- offers ---------------------------------------------------------------------------------


async def test_the_duty_offers_held_seats_to_the_first_fitting_group_and_accept_books_it(
    ctx, office_id
):
    slot_id = await full_tuesday(ctx, office_id)
    pair = await wait(ctx, 10, office_id, Wish(TUE, WED), size=2)  # does not fit one seat
    ctx.clock.advance(timedelta(minutes=1))
    single = await wait(ctx, 11, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    assert (await run_waitlist_duty(ctx)).offered == 1
    [entry] = await waitlist_of(ctx, 11)
    assert entry.status is WaitlistStatus.OFFERED and entry.offer is not None
    offer = entry.offer
    assert (offer.slot_id, offer.seats, offer.label) == (slot_id, 1, "Pagi")
    assert offer.expires_at == ctx.now() + timedelta(minutes=15)
    [notice] = await notices(ctx, "waitlist_offer")
    assert notice.recipient == 11 and notice.expires_at == offer.expires_at
    assert notice.args["offer_id"] == offer.id and notice.args["seats"] == 1
    assert (notice.args["timezone"], notice.args["office_id"]) == ("Asia/Jakarta", office_id)
    assert notice.args["start"] == offer.start_utc.isoformat() and "+00:00" in notice.args["start"]
    assert (await waitlist_of(ctx, 10))[0].status is WaitlistStatus.WAITING
    await sound(ctx)
    group = await accept_offer(ctx, telegram_id=11, offer_id=offer.id)
    assert group.status is GroupStatus.ACTIVE and group.slot_id == slot_id and group.size == 1
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.held) == (2, 0)
    [booked] = await waitlist_of(ctx, 11, in_line_only=False)
    assert booked.status is WaitlistStatus.BOOKED and booked.offer is None
    with pytest.raises(OfferAlreadyAnswered):
        await accept_offer(ctx, telegram_id=11, offer_id=offer.id)
    assert pair.id != single.id
    await sound(ctx)


async def test_a_declined_offer_goes_to_the_next_in_line_and_then_back_to_the_public(
    ctx, office_id
):
    slot_id = await full_tuesday(ctx, office_id)
    first = await wait(ctx, 10, office_id, Wish.day(TUE))
    ctx.clock.advance(timedelta(minutes=1))
    second = await wait(ctx, 11, office_id, Wish(TUE, WED))
    await cancel_first(ctx, 1)
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 10)
    assert entry.offer is not None
    after = await decline_offer(ctx, telegram_id=10, offer_id=entry.offer.id)
    assert after.status is WaitlistStatus.WAITING and after.offer is None
    [next_one] = await waitlist_of(ctx, 11)
    assert next_one.offer is not None and next_one.offer.slot_id == slot_id
    await sound(ctx)
    await decline_offer(ctx, telegram_id=11, offer_id=next_one.offer.id)
    slot = await slot_row(ctx, slot_id)  # both passed on this session: public again
    assert (slot.booked, slot.held) == (1, 0)
    assert [e.status for e in (await waitlist_of(ctx, 10)) + (await waitlist_of(ctx, 11))] == [
        WaitlistStatus.WAITING,
        WaitlistStatus.WAITING,
    ]
    assert first.id != second.id
    await sound(ctx)


async def test_an_offer_expires_once_is_refused_after_its_hold_and_passes_on(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE))
    ctx.clock.advance(timedelta(minutes=1))
    await wait(ctx, 11, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 10)
    assert entry.offer is not None
    ctx.clock.advance(timedelta(minutes=15))
    with pytest.raises(OfferExpired):  # before the duty marked it
        await accept_offer(ctx, telegram_id=10, offer_id=entry.offer.id)
    result = await run_waitlist_duty(ctx)
    assert (result.expired, result.offered) == (1, 1)
    assert (await run_waitlist_duty(ctx)).expired == 0
    with pytest.raises(OfferExpired):
        await decline_offer(ctx, telegram_id=10, offer_id=entry.offer.id)
    [gone] = await notices(ctx, "waitlist_offer_expired")
    assert gone.recipient == 10 and gone.args["start"] == entry.offer.start_utc.isoformat()
    [after] = await waitlist_of(ctx, 10)
    assert after.status is WaitlistStatus.WAITING  # in line still, not for this session
    [next_one] = await waitlist_of(ctx, 11)
    assert next_one.offer is not None and next_one.offer.slot_id == slot_id
    await sound(ctx)


async def test_someone_elses_offer_is_not_found_and_nothing_changes(ctx, office_id, database_url):
    await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE))
    await add_applicant(ctx, 66, serial=66)
    await cancel_first(ctx, 1)
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 10)
    assert entry.offer is not None
    before = await table_rows(database_url)
    with pytest.raises(OfferNotFound):
        await accept_offer(ctx, telegram_id=66, offer_id=entry.offer.id)
    with pytest.raises(OfferNotFound):
        await decline_offer(ctx, telegram_id=66, offer_id=entry.offer.id)
    with pytest.raises(OfferNotFound):
        await accept_offer(ctx, telegram_id=10, offer_id=entry.offer.id + 100)
    with pytest.raises(WaitlistEntryNotFound):
        await leave_waitlist(ctx, telegram_id=66, entry_id=entry.id)
    assert await table_rows(database_url) == before


async def test_leaving_with_an_open_offer_hands_the_seats_on(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    entry = await wait(ctx, 10, office_id, Wish.day(TUE))
    ctx.clock.advance(timedelta(minutes=1))
    await wait(ctx, 11, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    await run_waitlist_duty(ctx)
    left = await leave_waitlist(ctx, telegram_id=10, entry_id=entry.id)
    assert left.status is WaitlistStatus.LEFT
    [next_one] = await waitlist_of(ctx, 11)
    assert next_one.offer is not None and next_one.offer.slot_id == slot_id
    # The NIK left the line: it may wait again.
    again = await join_waitlist(
        ctx, telegram_id=10, office_id=office_id, members=HOLDER, wish=Wish.day(WED)
    )
    assert again.status is WaitlistStatus.WAITING
    await sound(ctx)


async def test_held_seats_of_a_closed_day_go_back_and_its_offers_cannot_be_taken(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 10)
    assert entry.offer is not None
    await close_day(ctx, office_id, TUE, "banjir", actor="test")
    with pytest.raises(DayClosed):
        await accept_offer(ctx, telegram_id=10, offer_id=entry.offer.id)
    ctx.clock.advance(timedelta(minutes=15))
    assert (await run_waitlist_duty(ctx)).expired == 1
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.held) == (0, 0)
    await sound(ctx)


async def test_an_offer_never_holds_past_the_booking_cutoff(ctx, office_id):
    slot_id = await full_tuesday(ctx, office_id)
    await wait(ctx, 10, office_id, Wish.day(TUE))
    await cancel_first(ctx, 1)
    slot = await slot_row(ctx, slot_id)
    ctx.clock.set(slot.start_utc - ctx.cutoff - timedelta(minutes=5))
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 10)
    assert entry.offer is not None
    assert entry.offer.expires_at == slot.start_utc - ctx.cutoff
    assert OfferStatus.OFFERED is entry.offer.status


async def test_joining_in_the_callers_transaction_commits_and_rolls_back_with_it(ctx, office_id):
    await add_applicant(ctx, 10, serial=10)

    async def join_then_fail(session):
        entry = await join_waitlist_in(
            session, ctx, telegram_id=10, office_id=office_id, members=HOLDER, wish=Wish.day(TUE)
        )
        assert entry.position == 1 and entry.status is WaitlistStatus.WAITING
        raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        await ctx.db.transact(join_then_fail)
    assert await waitlist_of(ctx, 10) == []

    async def join(session):
        return await join_waitlist_in(
            session, ctx, telegram_id=10, office_id=office_id, members=HOLDER, wish=Wish.day(TUE)
        )

    entry = await ctx.db.transact(join)
    assert [e.id for e in await waitlist_of(ctx, 10)] == [entry.id]


async def test_a_mother_and_child_are_offered_and_booked_into_held_priority_and_regular_seats(
    ctx,
):
    office_id = await add_office(ctx, office_spec(daily=2, priority=1))
    slot_id = await slot_of(ctx, office_id, TUE)
    await full_tuesday(ctx, office_id)  # both regular seats
    await add_applicant(ctx, 3, serial=3, born=date(1950, 1, 1))
    await book(ctx, telegram_id=3, slot_id=slot_id, service=NEW, priority=PriorityReason.ELDERLY)
    await add_applicant(ctx, 40, serial=40, female=True)
    child = await save_member(
        ctx, telegram_id=40, full_name="Ani", nik=make_nik(date(2022, 6, 1), serial=41)
    )
    [mother] = [m for m in await members_of(ctx, 40) if m.is_holder]
    members = [MemberChoice(mother.id, NEW), MemberChoice(child.id, NEW, PriorityReason.CHILD)]
    await join_waitlist(
        ctx, telegram_id=40, office_id=office_id, members=members, wish=Wish.day(TUE)
    )
    await cancel_first(ctx, 1)  # a regular seat: held
    await cancel_first(ctx, 3)  # the priority seat: held
    slot = await slot_row(ctx, slot_id)
    assert (slot.held, slot.priority_held) == (1, 1)
    await run_waitlist_duty(ctx)
    [entry] = await waitlist_of(ctx, 40)
    assert entry.offer is not None and (entry.offer.seats, entry.offer.priority_seats) == (2, 1)
    group = await accept_offer(ctx, telegram_id=40, offer_id=entry.offer.id)
    assert {m.member_id: m.pool for m in group.members} == {
        mother.id: QuotaPool.REGULAR,
        child.id: QuotaPool.PRIORITY,
    }
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.priority_booked, slot.held, slot.priority_held) == (2, 1, 0, 0)
    await sound(ctx)


async def test_joins_racing_for_one_account_or_one_nik_make_one_entry(ctx, office_id):
    people = await family(ctx, 10, 2, first_serial=100)
    child = make_nik(date(2022, 6, 1), serial=77)
    await add_applicant(ctx, 11, serial=11)
    await add_applicant(ctx, 12, serial=12)
    shared = [await save_member(ctx, telegram_id=t, full_name="Ani", nik=child) for t in (11, 12)]

    def join(telegram_id: int, member_id: int, day: date):
        return join_waitlist(
            ctx,
            telegram_id=telegram_id,
            office_id=office_id,
            members=[MemberChoice(member_id, NEW)],
            wish=Wish.day(day),
        )

    outcomes = await asyncio.gather(
        join(10, people[0].id, TUE),
        join(10, people[1].id, WED),  # the same account
        join(11, shared[0].id, TUE),
        join(12, shared[1].id, WED),  # the same NIK at this office
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 2 and all(isinstance(o, AlreadyWaiting) for o in refused), outcomes
    assert {o.reason for o in refused if isinstance(o, AlreadyWaiting)} == {"account", "nik"}
    assert len(await waitlist_of(ctx, 10)) == 1
    assert len(await waitlist_of(ctx, 11)) + len(await waitlist_of(ctx, 12)) == 1


async def test_a_quota_raise_holds_only_the_seats_it_adds(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, TUE)
    await add_applicant(ctx, 1, serial=1)
    await book(ctx, telegram_id=1, slot_id=slot_id, service=NEW)  # one seat still public
    await wait(ctx, 10, office_id, Wish(TUE, WED), size=3)
    await set_quota_override(ctx, office_id, TUE, TUE, 3, 0, actor="test")
    slot = await slot_row(ctx, slot_id)
    assert (slot.capacity, slot.booked, slot.held) == (3, 1, 1)
    [session] = await sessions_of(ctx, office_id, TUE)
    assert session.seats_left == 1
