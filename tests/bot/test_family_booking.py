"""Family bookings through the chat: one account books several people into one
session, each with their own NIK, service, priority, code and QR code; the group
under "My appointments"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendDocument, SendPhoto

from booking.appointments.groups import MemberChoice, book_group, groups_of
from booking.appointments.service import appointments_of
from booking.appointments.views import GroupView
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, PriorityReason, QuotaPool, ServiceType
from booking.people.members import members_of, save_member
from bot import callbacks as cb
from tests.bot.conftest import SQLITE_ONLY, slot_on
from tests.bot.flows import (
    add_member,
    choose_for_person,
    give_details,
    pick_day,
    reach_people,
    switch_language,
    to_summary,
)
from tests.bot.recording import Chat_
from tests.bot.test_bad_input import answers, fill, texts
from tests.bot.test_privacy import digits_only, everything_recorded
from tests.conftest import TOMORROW
from tests.factories import add_applicant, make_nik

HOLDER = make_nik(date(1988, 4, 12), serial=1101)
WIFE = make_nik(date(1990, 6, 3), female=True, serial=1102)
CHILD = make_nik(date(2023, 2, 14), serial=1103)  # 3 years old: priority for under-5s
STALE_EN = "This button is no longer valid."
NEW = ServiceType.NEW


async def holder_at_group_list(chat: Chat_, language: str = "en") -> None:
    """A new applicant (in English) puts themselves (a new passport) into the group;
    the group list is shown."""
    await switch_language(chat, language)
    await reach_people(chat)
    await give_details(chat, HOLDER, "Budi Santoso")
    await choose_for_person(chat)


async def family_at_group_list(chat: Chat_) -> None:
    """A new applicant in English puts the holder, the wife (renewal) and the child
    (priority) into the group; the group list is shown."""
    await holder_at_group_list(chat)
    await add_member(chat, "Siti Aminah", WIFE, service="renewal")
    await add_member(chat, "Adi Santoso", CHILD, priority="child")


def group_buttons(chat: Chat_) -> list[str]:
    return [d for _, d in chat.last_keyboard() if d.startswith("gp:")]


async def test_a_family_of_three_books_one_session(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await family_at_group_list(chat)
    listed = chat.last_text()
    for name in ("Budi Santoso", "Siti Aminah", "Adi Santoso"):
        assert name in listed
    assert WIFE[:4] + "*" * 10 + WIFE[-2:] in listed
    assert "Up to 5 people per account" in listed

    await chat.press("gp:continue:")
    assert "Only dates with seats for all 3 people can be chosen." in chat.last_text()
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[2] == "2+1" for d in days)  # 2 regular, 1 priority
    await pick_day(chat, TOMORROW)
    assert "3 people: each session below still has enough seats." in chat.last_text()
    await chat.press("se:", "Siang")
    summary = chat.last_text()
    for nik in (HOLDER, WIFE, CHILD):
        assert nik not in summary and nik[:4] + "*" * 10 + nik[-2:] in summary
    assert "Passport renewal" in summary and "Child under 5" in summary
    assert "3 × Rp350,000 = Rp1,050,000" in summary  # the group's PNBP fees
    # Each pays the fee of the passport chosen (all three: ordinary, 5 years), so the
    # other passports' fees are not listed (brief s11 ux, item 2).
    assert "Rp950,000" not in summary

    sent = await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    assert group.size == 3 and len(group.active_members) == 3
    by_name = {m.full_name: m for m in group.members}
    assert by_name["Adi Santoso"].priority is PriorityReason.CHILD
    assert by_name["Adi Santoso"].pool is QuotaPool.PRIORITY
    assert by_name["Siti Aminah"].service is ServiceType.RENEWAL
    assert by_name["Budi Santoso"].pool is QuotaPool.REGULAR
    confirmation = texts(sent)
    assert "booked for 3 people" in confirmation
    for m in group.members:
        assert f"{m.full_name} ({m.nik_masked}): {m.code}" in confirmation
    photos = [r for r in sent if isinstance(r, SendPhoto)]
    assert [p.caption or "" for p in photos] == [
        f"{m.full_name}, booking code {m.code}: {m.full_name} shows this QR code at the counter."
        for m in group.active_members
    ]
    assert len([r for r in sent if isinstance(r, SendDocument)]) == 1  # one event for all


@SQLITE_ONLY
async def test_bad_input_at_each_new_step(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await switch_language(chat, "en")
    await reach_people(chat)
    await give_details(chat, HOLDER)
    await chat.send("renewal please")  # the service step wants a button
    assert "Please choose a service with the buttons above." in chat.last_text()
    await choose_for_person(chat)
    await chat.send("lanjut")  # the group list wants a button
    assert "tap “Continue ›”" in chat.last_text()

    await chat.press("gp:new:")
    await chat.send("A1")  # the member's name: the same rule as the holder's
    assert "3 to 100 letters, no digits" in chat.last_text()
    await chat.send("Budi Santoso")
    assert "Now type Budi Santoso's NIK" in chat.last_text()
    await chat.send("12345")
    assert "exactly 16 digits" in chat.last_text()
    await chat.send(HOLDER)  # the holder again: each NIK once per group
    assert "already in the group" in chat.last_text()
    assert "Who is coming (1 of at most 5):" in chat.last_text()
    assert len(group_buttons(chat)) == 3  # add, remove the holder, continue

    await chat.press("gp:new:")
    await chat.send("Siti Aminah")
    await chat.send(WIFE)
    await chat.press("sv:new")
    await chat.press("pk:")
    await chat.press("pr:child")  # an adult is no child under 5
    assert "Siti Aminah: Child priority is for children under 5" in chat.last_text()
    assert "Choose again:" in chat.last_text()
    await chat.press("pr:pregnant")
    assert "Who is coming (2 of at most 5):" in chat.last_text()
    assert "Pregnant woman" in chat.last_text()


@SQLITE_ONLY
async def test_a_sixth_member_is_refused(
    ctx: Domain, office: int, dp: Dispatcher, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await holder_at_group_list(chat)
    add_new = chat.button("gp:new:")
    for i in range(4):
        await add_member(
            chat, f"Anak Ke {'ABCD'[i]}", make_nik(date(2010, 1, 1 + i), serial=1200 + i)
        )
    assert "Who is coming (5 of at most 5):" in chat.last_text()
    assert "The group is full." in chat.last_text()
    assert not any(d.startswith(("gp:new:", "gp:add:")) for d in group_buttons(chat))

    before = members_in_fsm(dp, chat.user_id)
    sent = await chat.tap(add_new)  # the button of an earlier list
    assert "The group is full: at most 5 people per account." in texts(sent)
    assert members_in_fsm(dp, chat.user_id) == before and len(before) == 5
    await to_summary(chat)
    await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    assert group.size == 5


def members_in_fsm(dp: Dispatcher, user_id: int) -> list[object]:
    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    [record] = [r for k, r in storage.storage.items() if k.user_id == user_id]
    return list(record.data.get("members") or [])


@SQLITE_ONLY
async def test_removing_the_last_member_leaves_nothing_to_book(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await holder_at_group_list(chat)
    go_on = chat.button("gp:continue:")
    await chat.press("gp:remove:")
    assert "No one is in the group yet" in chat.last_text()
    assert not any(d.startswith(("gp:remove:", "gp:continue:")) for d in group_buttons(chat))
    sent = await chat.tap(go_on)  # the earlier list's "Continue"
    assert "Add at least one person to the group." in texts(sent)
    assert not any(d.startswith("dy:") for _, d in chat.last_keyboard())
    # The holder is still saved, and is offered again.
    await chat.press("gp:add:", "Budi Santoso")
    await choose_for_person(chat)
    assert "Who is coming (1 of at most 5):" in chat.last_text()
    assert await appointments_of(ctx, chat.user_id) == []


async def family_booked(ctx: Domain, office: int, telegram_id: int, day: date) -> GroupView:
    """An account holding a group of three (holder, wife, child) on ``day`` (Siang),
    made through the domain services."""
    await add_applicant(ctx, telegram_id, born=date(1988, 4, 12), serial=1101)
    people = [("Budi Santoso", HOLDER), ("Siti Aminah", WIFE), ("Adi Santoso", CHILD)]
    ids = [
        (await save_member(ctx, telegram_id=telegram_id, full_name=name, nik=nik)).id
        for name, nik in people
    ]
    members = [MemberChoice(i, ServiceType.NEW) for i in ids]
    slot_id = await slot_on(ctx, office, day)
    return await book_group(ctx, telegram_id=telegram_id, slot_id=slot_id, members=members)


@SQLITE_ONLY
async def test_forged_taps_naming_another_accounts_group_or_member_are_refused(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    owner, intruder = new_chat(), new_chat()
    theirs = await family_booked(ctx, office, owner.user_id, TOMORROW)
    their_member = theirs.members[1]
    other_slot = await slot_on(ctx, office, date(2026, 12, 2), "Pagi")
    await switch_language(intruder, "en")
    await reach_people(intruder)
    await give_details(intruder, make_nik(date(1975, 3, 3), serial=1301))
    await choose_for_person(intruder)
    forged = [
        f"gp:add:{their_member.member_id}",
        f"gp:remove:{their_member.member_id}",
        cb.Confirm(
            slot=other_slot, group=cb.group_code([MemberChoice(their_member.member_id, NEW)])
        ).pack(),
        f"ap:cancel_group:{their_member.id}",
        f"ap:cancel_group_confirmed:{their_member.id}",
        f"ap:cancel_confirmed:{their_member.id}",
        f"ap:reschedule:{their_member.id}",
        f"rs:{their_member.id}:{other_slot}",
    ]
    for data in forged:
        sent = await intruder.tap(data)
        said = texts(sent) + " ".join(a.text or "" for a in answers(sent))
        assert STALE_EN in said, data
        assert their_member.code not in said and "Siti Aminah" not in said, data
    [after] = await groups_of(ctx, owner.user_id)
    assert [m.status for m in after.members] == [AppointmentStatus.BOOKED] * 3
    assert (after.slot_id, after.reschedule_count) == (theirs.slot_id, 0)
    assert await groups_of(ctx, intruder.user_id) == []
    assert [m.full_name for m in await members_of(ctx, intruder.user_id)] == ["Budi Santoso"]


@SQLITE_ONLY
async def test_no_plain_nik_of_any_member_in_fsm_data_or_requests(
    ctx: Domain, office: int, dp: Dispatcher, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await family_at_group_list(chat)
    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    during = repr({k: (v.state, v.data) for k, v in storage.storage.items()})
    await to_summary(chat)
    at_summary = repr({k: (v.state, v.data) for k, v in storage.storage.items()})
    await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    assert group.size == 3  # the flow went all the way through
    recorded = everything_recorded(chat.session)
    for nik in (HOLDER, WIFE, CHILD):
        for kept in (during, at_summary, recorded):
            assert nik not in kept and nik not in digits_only(kept)


@SQLITE_ONLY
async def test_a_member_booked_elsewhere_is_named_and_nobody_is_booked(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat, elsewhere = new_chat(), new_chat()
    await family_at_group_list(chat)
    await to_summary(chat)
    # Meanwhile the wife books herself from her own account.
    await add_applicant(ctx, elsewhere.user_id, born=date(1990, 6, 3), female=True, serial=1102)
    [hers] = await members_of(ctx, elsewhere.user_id)
    slot_id = await slot_on(ctx, office, date(2026, 12, 2))
    await book_group(
        ctx,
        telegram_id=elsewhere.user_id,
        slot_id=slot_id,
        members=[MemberChoice(hers.id, ServiceType.NEW)],
    )
    [own] = await appointments_of(ctx, elsewhere.user_id)

    sent = await chat.press("cf:")
    said = texts(sent)
    assert "Siti Aminah already holds an active appointment" in said
    assert own.code in said
    assert await groups_of(ctx, chat.user_id) == []
    # Back at the group list, with the same three: remove her and book the other two.
    assert "Who is coming (3 of at most 5):" in chat.last_text()
    await chat.press("gp:remove:", "Siti")
    await to_summary(chat, day=TOMORROW, session="Siang")
    await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    assert sorted(m.full_name for m in group.members) == ["Adi Santoso", "Budi Santoso"]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "sessions", "refusal", "nearest"),
    [
        (
            "en",
            "3 people: each session below still has enough seats.",
            "Sorry, that session cannot seat all 3 people: it has 2 left.",
            "The nearest dates with seats left:",
        ),
        (
            "id",
            "3 orang: sesi di bawah ini masih cukup.",
            "Maaf, sesi ini tinggal 2 kursi untuk 3 orang.",
            "Tanggal terdekat yang masih ada kursi:",
        ),
    ],
)
async def test_a_session_without_seats_for_the_whole_group_says_how_many_are_left(
    ctx: Domain,
    office: int,
    new_chat: Callable[..., Chat_],
    language: str,
    sessions: str,
    refusal: str,
    nearest: str,
) -> None:
    chat = new_chat()
    await holder_at_group_list(chat, language)
    await add_member(chat, "Siti Aminah", WIFE)
    await add_member(chat, "Dewi Santoso", make_nik(date(2012, 8, 8), female=True, serial=1104))
    await chat.press("gp:continue:")
    await pick_day(chat, TOMORROW)
    assert sessions in chat.last_text()
    await chat.press("se:", "Siang")
    await fill(ctx, await slot_on(ctx, office, TOMORROW, "Siang"), 3)  # 2 of 5 left

    sent = await chat.press("cf:")
    assert refusal in texts(sent)
    assert nearest in texts(sent)
    assert await groups_of(ctx, chat.user_id) == []


@SQLITE_ONLY
async def test_the_previous_groups_members_are_offered_again(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await family_booked(ctx, office, chat.user_id, TOMORROW)
    await switch_language(chat, "en")
    await chat.send("/my")
    await chat.press("ap:cancel_group:")
    await chat.press("ap:cancel_group_confirmed:")
    await reach_people(chat)
    assert "Also saved from earlier bookings: " in chat.last_text()
    assert "Siti Aminah" in chat.last_text() and "Adi Santoso" in chat.last_text()
    await chat.press("sd:use")
    await chat.send("Skip")
    await choose_for_person(chat)
    await chat.press("gp:add:", "Adi Santoso")
    await choose_for_person(chat, priority="child")
    assert "Who is coming (2 of at most 5):" in chat.last_text()
    await to_summary(chat)
    await chat.press("cf:")
    [group] = [g for g in await groups_of(ctx, chat.user_id) if g.active_members]
    assert sorted(m.full_name for m in group.members) == ["Adi Santoso", "Budi Santoso"]


@SQLITE_ONLY
async def test_my_appointments_cancels_one_member_then_the_rest(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    group = await family_booked(ctx, office, chat.user_id, TOMORROW)
    await switch_language(chat, "en")
    await chat.send("/my")
    listed = chat.last_text()
    assert all(m.code in listed and m.full_name in listed for m in group.members)
    wife = group.members[1]
    await chat.press(f"ap:cancel:{wife.id}")
    assert "Cancel Siti Aminah's appointment?" in chat.last_text()
    await chat.press("ap:cancel_confirmed:")
    assert f"Appointment {wife.code} is cancelled." in chat.last_text()
    [after] = await groups_of(ctx, chat.user_id)
    assert [m.full_name for m in after.active_members] == ["Budi Santoso", "Adi Santoso"]

    await chat.press("ap:cancel_group:")
    assert "Cancel the appointments of all 2 people?" in chat.last_text()
    await chat.press("ap:cancel_group_confirmed:")
    [after] = await groups_of(ctx, chat.user_id)
    assert after.active_members == ()
    assert "You have no active appointment." in chat.last_text()


@pytest.mark.parametrize("language", ["en"])
async def test_my_appointments_reschedules_the_whole_group(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], language: str
) -> None:
    chat = new_chat()
    group = await family_booked(ctx, office, chat.user_id, TOMORROW)
    await switch_language(chat, language)
    await chat.send("/my")
    await chat.press("ap:reschedule:")
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[2] == "3+0" for d in days)  # the group's shape
    await pick_day(chat, date(2026, 12, 2))
    await chat.press("se:", "Pagi")
    assert "Move appointment" in chat.last_text()
    sent = await chat.press("rs:")
    [moved] = await groups_of(ctx, chat.user_id)
    assert moved.id == group.id and moved.label == "Pagi" and moved.day == date(2026, 12, 2)
    assert moved.reschedule_count == 1
    assert len({m.slot_id for m in moved.active_members}) == 1
    assert len([r for r in sent if isinstance(r, SendPhoto)]) == 3
