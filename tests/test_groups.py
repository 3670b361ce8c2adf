"""Family bookings: one account books a group of people into one session, all or
nothing, each with their own NIK, service, priority and code (issue 11)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from booking.admin.checkin import check_in, close_out_day
from booking.admin.closures import close_day, displaced_groups_of, rebook_group
from booking.admin.daylist import day_list, export_day_csv
from booking.appointments.groups import (
    MemberChoice,
    active_group,
    book_group,
    cancel_group,
    cancel_member,
    check_group_reschedulable,
    get_group,
    groups_of,
    reschedule_group,
)
from booking.appointments.service import book
from booking.calendar.availability import bookable_dates, day_availability, sessions_of
from booking.calendar.seats import GroupShape, group_fits, seats_for
from booking.calendar.views import DayStatus
from booking.core.errors import (
    AlreadyBooked,
    AlreadyCheckedIn,
    AlreadyRebooked,
    ApplicantNotFound,
    AppointmentNotFound,
    DuplicateMember,
    EmptyGroup,
    GroupNotFound,
    GroupTooLarge,
    InvalidName,
    InvalidNik,
    MemberAlreadyBooked,
    MemberNotFound,
    NotEnoughSeats,
    PriorityNotEligible,
    RescheduleLimitReached,
    SlotFull,
)
from booking.core.kinds import (
    GroupStatus,
    NotificationStatus,
    PriorityReason,
    QuotaPool,
    ServiceType,
)
from booking.db.models import Notification
from booking.notify.outbox import REMINDER_KINDS, REMINDER_SOON, claim_due
from booking.people.members import MemberView, members_of, save_member
from bot.notices import Notices
from tests.conftest import FRI, THU, TUE, WED
from tests.db_helpers import slot_problems
from tests.factories import add_applicant, add_office, make_nik, office_spec
from tests.test_booking_rules import count_appointments, slot_of, slot_row

NEW, RENEWAL = ServiceType.NEW, ServiceType.RENEWAL
CHILD = PriorityReason.CHILD
NAMES = ("Ayu", "Bima", "Citra", "Dimas", "Eka", "Fajar", "Gita")


@pytest.fixture
async def office_id(ctx) -> int:
    return await add_office(ctx, office_spec(daily=5, priority=1))


async def family(ctx, telegram_id: int, size: int, *, first_serial: int = 0) -> list[MemberView]:
    """An account and ``size`` people saved on it, the holder first."""
    await add_applicant(ctx, telegram_id, serial=first_serial + 1)
    people = [m for m in await members_of(ctx, telegram_id) if m.is_holder]
    for i in range(1, size):
        nik = make_nik(date(1995 + i, 3, 9), serial=first_serial + 1 + i)
        people.append(
            await save_member(ctx, telegram_id=telegram_id, full_name=NAMES[i - 1], nik=nik)
        )
    return people


def choices(people: list[MemberView], service: ServiceType = NEW) -> list[MemberChoice]:
    return [MemberChoice(p.id, service) for p in people]


# --- the seat rule for a group ------------------------------------------------------------


def test_priority_members_take_priority_seats_first_and_the_rest_regular_ones():
    left = {QuotaPool.REGULAR: 1, QuotaPool.PRIORITY: 1}
    mother_and_child = GroupShape(regular=1, priority=1)
    assert seats_for(mother_and_child, left) == {QuotaPool.PRIORITY: 1, QuotaPool.REGULAR: 1}
    assert group_fits(left, mother_and_child)
    assert not group_fits(left, GroupShape(regular=2, priority=0))
    assert group_fits(left, GroupShape(regular=0, priority=2))  # one overflows to regular
    assert not group_fits(left, GroupShape(regular=1, priority=2))


# --- saved people ----------------------------------------------------------------------


async def test_members_are_saved_once_per_nik_and_listed_holder_first(ctx):
    holder = (await family(ctx, 40, 1))[0]
    nik = make_nik(date(2022, 6, 1), female=True, serial=9)
    child = await save_member(ctx, telegram_id=40, full_name="Ani", nik=nik)
    again = await save_member(ctx, telegram_id=40, full_name="Ani Rahma", nik=nik)
    assert again.id == child.id and again.full_name == "Ani Rahma"
    assert (child.sex, child.birth_date, child.is_holder) == ("F", date(2022, 6, 1), False)
    assert nik not in repr(child) and child.nik_masked == nik[:4] + "*" * 10 + nik[-2:]
    assert [m.id for m in await members_of(ctx, 40)] == [holder.id, child.id]
    assert holder.is_holder


async def test_saving_a_member_checks_the_account_the_name_and_the_nik(ctx):
    with pytest.raises(ApplicantNotFound):
        await save_member(ctx, telegram_id=41, full_name="Ani", nik=make_nik(date(2020, 1, 1)))
    await add_applicant(ctx, 41)
    with pytest.raises(InvalidName):
        await save_member(ctx, telegram_id=41, full_name="A1", nik=make_nik(date(2020, 1, 1)))
    with pytest.raises(InvalidNik):
        await save_member(ctx, telegram_id=41, full_name="Ani", nik="1234")


# --- booking a group -------------------------------------------------------------------


async def test_a_group_books_every_member_into_one_session_with_own_codes(ctx, office_id):
    people = await family(ctx, 42, 3)
    slot_id = await slot_of(ctx, office_id, TUE)
    group = await book_group(
        ctx,
        telegram_id=42,
        slot_id=slot_id,
        members=[MemberChoice(people[0].id, RENEWAL), *choices(people[1:])],
    )
    assert group.status is GroupStatus.ACTIVE and group.size == 3
    assert [m.member_id for m in group.members] == [p.id for p in people]
    assert [m.service for m in group.members] == [RENEWAL, NEW, NEW]
    assert len({m.code for m in group.members}) == 3
    assert {m.slot_id for m in group.members} == {slot_id}
    assert (await slot_row(ctx, slot_id)).booked == 3
    assert await get_group(ctx, 42, group.id) == group
    assert await active_group(ctx, 42) == group
    assert [g.id for g in await groups_of(ctx, 42)] == [group.id]
    assert await slot_problems(ctx) == []


async def test_a_group_of_four_for_three_seats_left_books_nobody(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, TUE)
    for telegram_id in (43, 44):
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        await book(ctx, telegram_id=telegram_id, slot_id=slot_id, service=NEW)
    people = await family(ctx, 45, 4, first_serial=100)
    with pytest.raises(NotEnoughSeats) as caught:
        await book_group(ctx, telegram_id=45, slot_id=slot_id, members=choices(people))
    assert (caught.value.seats_left, caught.value.group_size) == (3, 4)
    assert isinstance(caught.value, SlotFull)  # what the chat already answers
    assert (await slot_row(ctx, slot_id)).booked == 2
    assert await count_appointments(ctx, telegram_id=45) == 0
    assert await active_group(ctx, 45) is None
    # Three of them fit.
    group = await book_group(ctx, telegram_id=45, slot_id=slot_id, members=choices(people[:3]))
    assert group.size == 3 and (await slot_row(ctx, slot_id)).booked == 5
    assert await slot_problems(ctx) == []


async def test_a_nik_active_elsewhere_blocks_the_whole_group_naming_the_member(ctx, office_id):
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    child_nik = make_nik(date(2021, 2, 3), serial=77)
    await add_applicant(ctx, 46, serial=46)
    father_child = await save_member(ctx, telegram_id=46, full_name="Dewi Kecil", nik=child_nik)
    theirs = await book_group(
        ctx, telegram_id=46, slot_id=tue, members=[MemberChoice(father_child.id, NEW)]
    )
    people = await family(ctx, 47, 2, first_serial=200)
    mother_child = await save_member(ctx, telegram_id=47, full_name="Dewi Kecil", nik=child_nik)
    with pytest.raises(MemberAlreadyBooked) as caught:
        await book_group(
            ctx,
            telegram_id=47,
            slot_id=wed,
            members=[*choices(people), MemberChoice(mother_child.id, NEW)],
        )
    refused = caught.value
    assert (refused.member_id, refused.full_name) == (mother_child.id, "Dewi Kecil")
    assert refused.code == theirs.members[0].code
    assert (await slot_row(ctx, wed)).booked == 0
    assert await count_appointments(ctx, telegram_id=47) == 0


async def test_the_same_person_twice_and_oversized_or_empty_groups_are_refused(ctx, office_id):
    people = await family(ctx, 48, 2)
    slot_id = await slot_of(ctx, office_id, TUE)
    # The same NIK saved again is the same person: the same id twice.
    again = await save_member(
        ctx, telegram_id=48, full_name="Ayu", nik=make_nik(date(1996, 3, 9), serial=2)
    )
    assert again.id == people[1].id
    with pytest.raises(DuplicateMember) as caught:
        await book_group(ctx, telegram_id=48, slot_id=slot_id, members=choices([*people, again]))
    assert caught.value.member_id == again.id
    with pytest.raises(EmptyGroup):
        await book_group(ctx, telegram_id=48, slot_id=slot_id, members=[])
    six = await family(ctx, 49, 6, first_serial=300)
    with pytest.raises(GroupTooLarge) as too_large:
        await book_group(ctx, telegram_id=49, slot_id=slot_id, members=choices(six))
    assert too_large.value.max_size == 5
    assert (await slot_row(ctx, slot_id)).booked == 0


async def test_another_accounts_member_or_group_is_not_found(ctx, office_id):
    mine = await family(ctx, 50, 1)
    theirs = await family(ctx, 51, 2, first_serial=400)
    slot_id = await slot_of(ctx, office_id, TUE)
    with pytest.raises(MemberNotFound) as caught:
        await book_group(ctx, telegram_id=50, slot_id=slot_id, members=choices([*mine, theirs[1]]))
    assert caught.value.member_id == theirs[1].id
    group = await book_group(ctx, telegram_id=51, slot_id=slot_id, members=choices(theirs))
    with pytest.raises(GroupNotFound):
        await get_group(ctx, 50, group.id)
    assert (await slot_row(ctx, slot_id)).booked == 2


async def test_a_double_tap_returns_the_group_and_another_group_is_refused(ctx, office_id):
    people = await family(ctx, 52, 2)
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    first = await book_group(ctx, telegram_id=52, slot_id=tue, members=choices(people))
    again = await book_group(ctx, telegram_id=52, slot_id=tue, members=choices(people))
    assert again == first
    with pytest.raises(AlreadyBooked) as caught:
        await book_group(ctx, telegram_id=52, slot_id=wed, members=choices(people[:1]))
    assert caught.value.appointment_id == first.members[0].id
    with pytest.raises(AlreadyBooked):  # the holder alone, through the single path
        await book(ctx, telegram_id=52, slot_id=tue, service=NEW)
    assert (await slot_row(ctx, tue)).booked == 2 and (await slot_row(ctx, wed)).booked == 0


async def test_one_account_racing_two_groups_gets_one(ctx, office_id):
    people = await family(ctx, 53, 2)
    slots = [await slot_of(ctx, office_id, day) for day in (TUE, WED, THU)]
    results = await asyncio.gather(
        *(book_group(ctx, telegram_id=53, slot_id=s, members=choices(people)) for s in slots),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AlreadyBooked)]
    assert len(won) == 1 and len(refused) == 2
    assert await count_appointments(ctx, telegram_id=53) == 2
    assert await slot_problems(ctx) == []


async def test_a_mother_and_child_put_the_child_in_priority_and_the_mother_in_regular(ctx):
    office_id = await add_office(ctx, office_spec(daily=1, priority=1))
    await add_applicant(ctx, 54, born=date(1992, 4, 4), female=True, name="Siti Aminah")
    [mother] = await members_of(ctx, 54)
    child = await save_member(
        ctx, telegram_id=54, full_name="Rina", nik=make_nik(date(2024, 1, 5), female=True)
    )
    slot_id = await slot_of(ctx, office_id, TUE)
    group = await book_group(
        ctx,
        telegram_id=54,
        slot_id=slot_id,
        members=[MemberChoice(mother.id, NEW), MemberChoice(child.id, NEW, CHILD)],
    )
    pools = {m.full_name: m.pool for m in group.members}
    assert pools == {"Siti Aminah": QuotaPool.REGULAR, "Rina": QuotaPool.PRIORITY}
    slot = await slot_row(ctx, slot_id)
    assert (slot.booked, slot.priority_booked) == (1, 1)


async def test_priority_is_checked_per_member_and_names_who_is_not_eligible(ctx, office_id):
    people = await family(ctx, 55, 2)
    slot_id = await slot_of(ctx, office_id, TUE)
    with pytest.raises(PriorityNotEligible) as caught:
        await book_group(
            ctx,
            telegram_id=55,
            slot_id=slot_id,
            members=[MemberChoice(people[0].id, NEW), MemberChoice(people[1].id, NEW, CHILD)],
        )
    assert (caught.value.member_id, caught.value.full_name) == (people[1].id, "Ayu")
    assert (await slot_row(ctx, slot_id)).booked == 0


async def test_book_is_the_holder_alone_in_a_group_of_one(ctx, office_id):
    await add_applicant(ctx, 56)
    appt = await book(ctx, telegram_id=56, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    [group] = await groups_of(ctx, 56)
    assert group.size == 1 and group.members[0].id == appt.id
    assert group.members[0].appointment() == appt


# --- availability for a group ------------------------------------------------------------


async def test_dates_and_sessions_are_bookable_only_when_the_whole_group_fits(ctx, office_id):
    slot_id = await slot_of(ctx, office_id, TUE)
    for telegram_id in (57, 58):
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        await book(ctx, telegram_id=telegram_id, slot_id=slot_id, service=NEW)
    three, four = GroupShape(regular=3, priority=0), GroupShape(regular=4, priority=0)
    [session] = await sessions_of(ctx, office_id, TUE, shape=three)
    assert session.bookable and session.left == 3
    [session] = await sessions_of(ctx, office_id, TUE, shape=four)
    assert not session.bookable and session.left == 3
    # With a priority member, the priority seat counts too.
    [session] = await sessions_of(ctx, office_id, TUE, shape=GroupShape(regular=3, priority=1))
    assert session.bookable and session.left == 4
    [day] = await day_availability(ctx, office_id, TUE, TUE, shape=four)
    assert day.status is DayStatus.FULL
    [day] = await day_availability(ctx, office_id, TUE, TUE)
    assert day.status is DayStatus.OPEN
    open_for_four = {d.day for d in await bookable_dates(ctx, office_id, shape=four)}
    assert TUE not in open_for_four and WED in open_for_four


# --- changing a group ------------------------------------------------------------------


async def test_cancelling_one_member_frees_one_seat_and_the_last_cancels_the_group(ctx, office_id):
    people = await family(ctx, 60, 3)
    slot_id = await slot_of(ctx, office_id, TUE)
    group = await book_group(ctx, telegram_id=60, slot_id=slot_id, members=choices(people))
    after = await cancel_member(ctx, telegram_id=60, appointment_id=group.members[1].id)
    assert after.status is GroupStatus.ACTIVE
    assert [m.member_id for m in after.active_members] == [people[0].id, people[2].id]
    assert (await slot_row(ctx, slot_id)).booked == 2
    with pytest.raises(AppointmentNotFound):  # another account's appointment
        await cancel_member(ctx, telegram_id=61, appointment_id=group.members[0].id)
    with pytest.raises(GroupNotFound):
        await cancel_group(ctx, telegram_id=61, group_id=group.id)
    done = await cancel_group(ctx, telegram_id=60, group_id=group.id)
    assert done.status is GroupStatus.CANCELLED and done.active_members == ()
    assert (await slot_row(ctx, slot_id)).booked == 0
    assert await active_group(ctx, 60) is None
    # The account may book again.
    again = await book_group(ctx, telegram_id=60, slot_id=slot_id, members=choices(people[:1]))
    assert again.status is GroupStatus.ACTIVE
    assert await slot_problems(ctx) == []


async def test_a_group_reschedules_together_once_and_all_or_nothing(ctx, office_id):
    people = await family(ctx, 62, 3)
    tue, wed, thu = [await slot_of(ctx, office_id, d) for d in (TUE, WED, THU)]
    # Thursday has room for two of them only.
    for telegram_id in (63, 64, 65):
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        await book(ctx, telegram_id=telegram_id, slot_id=thu, service=NEW)
    group = await book_group(ctx, telegram_id=62, slot_id=tue, members=choices(people))
    await check_group_reschedulable(ctx, 62, group.id)
    with pytest.raises(NotEnoughSeats) as caught:
        await reschedule_group(ctx, telegram_id=62, group_id=group.id, new_slot_id=thu)
    assert caught.value.seats_left == 2
    assert (await slot_row(ctx, tue)).booked == 3 and (await slot_row(ctx, thu)).booked == 3
    moved = await reschedule_group(ctx, telegram_id=62, group_id=group.id, new_slot_id=wed)
    assert moved.slot_id == wed and moved.reschedule_count == 1
    assert {m.slot_id for m in moved.members} == {wed}
    assert (await slot_row(ctx, tue)).booked == 0 and (await slot_row(ctx, wed)).booked == 3
    with pytest.raises(RescheduleLimitReached):
        await reschedule_group(ctx, telegram_id=62, group_id=group.id, new_slot_id=tue)
    with pytest.raises(RescheduleLimitReached):
        await check_group_reschedulable(ctx, 62, group.id)
    assert await slot_problems(ctx) == []


async def test_a_closure_displaces_the_group_and_it_rebooks_together(ctx, office_id):
    people = await family(ctx, 66, 3)
    wed, fri = await slot_of(ctx, office_id, WED), await slot_of(ctx, office_id, FRI)
    group = await book_group(ctx, telegram_id=66, slot_id=wed, members=choices(people))
    await close_day(ctx, office_id, WED, "Libur", actor="t")
    [displaced] = await displaced_groups_of(ctx, 66)
    assert displaced.id == group.id and displaced.status is GroupStatus.CANCELLED
    assert displaced.active_members == ()
    new = await rebook_group(ctx, telegram_id=66, group_id=group.id, new_slot_id=fri)
    assert new.replaces_id == group.id and new.status is GroupStatus.ACTIVE
    assert [m.member_id for m in new.members] == [p.id for p in people]
    assert {m.slot_id for m in new.members} == {fri} and new.reschedule_count == 0
    assert (await slot_row(ctx, fri)).booked == 3
    assert await displaced_groups_of(ctx, 66) == []
    with pytest.raises(AlreadyRebooked):
        await rebook_group(ctx, telegram_id=66, group_id=group.id, new_slot_id=fri)
    assert await slot_problems(ctx) == []


# --- reminders -------------------------------------------------------------------------


async def _reminders(ctx) -> list[Notification]:
    async with ctx.db.reader() as session:
        found = await session.exec(
            select(Notification)
            .where(col(Notification.kind).in_(REMINDER_KINDS))
            .order_by(col(Notification.id))
        )
        return list(found)


async def test_one_reminder_per_group_lists_every_member_and_code(ctx, office_id, clock):
    people = await family(ctx, 70, 3)
    slot_id = await slot_of(ctx, office_id, TUE)
    group = await book_group(ctx, telegram_id=70, slot_id=slot_id, members=choices(people))
    reminders = await _reminders(ctx)
    assert sorted(n.kind for n in reminders) == sorted(REMINDER_KINDS)  # one of each
    listed = [[m.full_name, m.code] for m in group.members]
    assert all(n.args["members"] == listed and n.recipient == 70 for n in reminders)
    # One member cancels: the reminders stay, listing the others.
    await cancel_member(ctx, telegram_id=70, appointment_id=group.members[0].id)
    reminders = await _reminders(ctx)
    assert {n.status for n in reminders} == {NotificationStatus.PENDING}
    assert all(n.args["members"] == listed[1:] for n in reminders)
    assert all(n.appointment_id == group.members[1].id for n in reminders)
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))  # Monday 18:00 WIB: H-1
    [claimed] = await claim_due(ctx, "sender", 10, 60)
    text = Notices().render(claimed).text
    assert "2" in text and all(f"{name}: {code}" in text for name, code in listed[1:])
    assert listed[0][1] not in text
    # The last members cancel: so do the reminders still pending.
    await cancel_group(ctx, telegram_id=70, group_id=group.id)
    statuses = {n.kind: n.status for n in await _reminders(ctx)}
    assert statuses[REMINDER_SOON] == NotificationStatus.CANCELLED


async def test_a_group_of_one_keeps_the_single_reminder_text(ctx, office_id, clock):
    await add_applicant(ctx, 71)
    appt = await book(ctx, telegram_id=71, slot_id=await slot_of(ctx, office_id, TUE), service=NEW)
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    [claimed] = await claim_due(ctx, "sender", 10, 60)
    assert claimed.appointment_id == appt.id
    text = Notices().render(claimed).text
    assert appt.code in text and "•" not in text


async def test_a_closure_sends_one_notice_per_group_with_every_code(ctx, office_id):
    people = await family(ctx, 72, 2)
    wed = await slot_of(ctx, office_id, WED)
    group = await book_group(ctx, telegram_id=72, slot_id=wed, members=choices(people))
    result = await close_day(ctx, office_id, WED, "Banjir", actor="t")
    assert sorted(result.displaced) == sorted(m.id for m in group.members)
    assert result.notified == 1
    async with ctx.db.reader() as session:
        [notice] = await session.exec(select(Notification).where(Notification.kind == "closure"))
    assert notice.recipient == 72
    assert notice.args["codes"] == [m.code for m in group.members]


# --- at the office -------------------------------------------------------------------------


async def test_the_day_list_shows_a_family_together_and_checks_it_in_consecutively(
    ctx, office_id, clock
):
    slot_id = await slot_of(ctx, office_id, TUE)
    await add_applicant(ctx, 73, serial=73, name="Zaenal Abidin")
    alone = await book(ctx, telegram_id=73, slot_id=slot_id, service=NEW)
    people = await family(ctx, 74, 3, first_serial=500)
    group = await book_group(ctx, telegram_id=74, slot_id=slot_id, members=choices(people))
    listing = await day_list(ctx, office_id, TUE, page_size=50)
    # The family (by its holder's name, Budi) comes before Zaenal, its members together.
    assert [e.code for e in listing.entries] == [*(m.code for m in group.members), alone.code]
    assert [e.group_size for e in listing.entries] == [3, 3, 3, 1]
    assert {e.account_name for e in listing.entries[:3]} == {"Budi Santoso"}
    assert [e.full_name for e in listing.entries[:3]] == [p.full_name for p in people]
    clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))  # Tuesday 07:30 WIB
    await check_in(ctx, office_id, alone.code, actor="t")
    # One member's code checks the family in: consecutive numbers, that member first.
    result = await check_in(ctx, office_id, group.members[2].code, actor="t")
    assert result.queue_number == 2 and result.full_name == people[2].full_name
    assert [(m.code, m.queue_number) for m in result.members] == [
        (group.members[2].code, 2),
        (group.members[0].code, 3),
        (group.members[1].code, 4),
    ]
    with pytest.raises(AlreadyCheckedIn) as caught:
        await check_in(ctx, office_id, group.members[0].code, actor="t")
    assert caught.value.queue_number == 3
    listing = await day_list(ctx, office_id, TUE, page_size=50)
    assert [e.queue_number for e in listing.entries] == [1, 2, 3, 4]
    text = await export_day_csv(ctx, office_id, TUE, actor="t")
    [header, *lines] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[-1] == "group"
    assert [line[5] for line in lines] == [e.code for e in listing.entries]
    assert [line[-1] for line in lines] == [str(e.group_id) for e in listing.entries]
    assert [line[-1] for line in lines[1:]] == [str(group.id)] * 3
    # The day over, closing out finishes the groups.
    await close_out_day(ctx, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    assert (await get_group(ctx, 74, group.id)).status is GroupStatus.FINISHED
    assert await active_group(ctx, 73) is None
