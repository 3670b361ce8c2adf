"""My appointments after something happened to them: checked in, cancelled (by the
applicant or by an office closure), rescheduled already or too late to move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from booking.admin.checkin import check_in
from booking.admin.closures import close_day
from booking.appointments.groups import groups_of, reschedule_group
from booking.appointments.service import get_appointment
from booking.appointments.views import AppointmentView
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus
from tests.bot.conftest import SQLITE_ONLY, booked, slot_on
from tests.bot.flows import choose_for_person, pick_day, skip_phone, switch_language
from tests.bot.recording import Chat_
from tests.bot.test_family_booking import family_booked
from tests.conftest import TODAY, TOMORROW

CHANGES = ("ap:reschedule:", "ap:cancel", "ap:renew:")


def change_buttons(chat: Chat_) -> list[str]:
    return [d for _, d in chat.last_keyboard() if d.startswith(CHANGES)]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "mark"),
    [("id", "✅ Sudah check-in, nomor antrean 1"), ("en", "✅ Checked in, queue number 1")],
)
async def test_a_checked_in_appointment_shows_its_queue_number_and_no_change_buttons(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], language: str, mark: str
) -> None:
    chat = new_chat()
    appt = await booked(ctx, office, chat.user_id, TODAY)
    await check_in(ctx, office, appt.code, actor="cli:test")
    await switch_language(chat, language)
    await chat.send("/my")
    text = chat.last_text()
    assert appt.code in text and mark in text
    assert change_buttons(chat) == []
    assert not any(d.startswith("ap:qr:") for _, d in chat.last_keyboard())


@SQLITE_ONLY
async def test_a_checked_in_family_shows_each_queue_number_and_no_change_buttons(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    group = await family_booked(ctx, office, chat.user_id, TODAY)
    holder, wife, child = group.members
    await check_in(ctx, office, wife.code, actor="cli:test")  # the whole group checks in
    await switch_language(chat, "en")
    await chat.send("/my")
    lines = chat.last_text().splitlines()
    for member, number in ((wife, 1), (holder, 2), (child, 3)):
        [line] = [line for line in lines if member.code in line]
        assert line.endswith(f"Checked in, queue number {number}")
    assert change_buttons(chat) == []


@SQLITE_ONLY
async def test_cancelled_before_its_day_is_listed_as_cancelled_by_the_applicant(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await switch_language(chat, "en")
    await chat.send("/my")
    await chat.press(f"ap:cancel:{appt.id}")
    await chat.press("ap:cancel_confirmed:")
    text = chat.last_text()
    assert "Past appointments:" not in text
    [line] = [line for line in text.splitlines() if "cancelled by you" in line]
    assert text.index("Cancelled appointments:") < text.index(line)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "reason"),
    [("id", "dibatalkan karena kantor tutup"), ("en", "cancelled because the office closed")],
)
async def test_a_rebooked_closure_is_listed_as_cancelled_by_the_office(
    ctx: Domain,
    office: int,
    booked_chat: tuple[Chat_, AppointmentView],
    language: str,
    reason: str,
) -> None:
    chat, appt = booked_chat
    await close_day(ctx, office, TOMORROW, "Listrik padam", actor="cli:test")
    await switch_language(chat, language)
    await chat.send("/my")
    await chat.press(f"ap:rebook:{appt.id}")
    await pick_day(chat, date(2026, 12, 3))
    await chat.press("se:", "Siang")
    await chat.press(f"rb:{appt.id}:")
    await chat.send("/my")
    text = chat.last_text()
    [old] = [line for line in text.split("\n\n") if appt.code in line]
    assert old.endswith(reason)
    assert "yang lalu" not in text and "Past appointments" not in text


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "once"),
    [("id", "Jadwal hanya bisa diubah 1 kali."), ("en", "can be rescheduled only once")],
)
async def test_the_reschedule_says_first_it_can_be_done_once(
    booked_chat: tuple[Chat_, AppointmentView], language: str, once: str
) -> None:
    chat, appt = booked_chat
    await switch_language(chat, language)
    await chat.send("/my")
    await chat.press(f"ap:reschedule:{appt.id}")
    assert once in chat.last_text()


@SQLITE_ONLY
async def test_after_its_reschedule_an_appointment_offers_cancel_and_book_again(
    ctx: Domain, office: int, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    later = await slot_on(ctx, office, date(2026, 12, 2), "Pagi")
    await reschedule_group(
        ctx,
        telegram_id=chat.user_id,
        group_id=(await groups_of(ctx, chat.user_id))[0].id,
        new_slot_id=later,
    )
    await switch_language(chat, "en")
    await chat.send("/my")
    assert change_buttons(chat) == [f"ap:renew:{appt.id}", f"ap:cancel:{appt.id}"]
    assert chat.button("ap:renew:", "Cancel and book again") == f"ap:renew:{appt.id}"

    await chat.press("ap:renew:")
    assert "can no longer be rescheduled" in chat.last_text()
    assert (await get_appointment(ctx, chat.user_id, appt.id)).status is AppointmentStatus.BOOKED
    await chat.press("ap:renew_confirmed:")
    assert (await get_appointment(ctx, chat.user_id, appt.id)).status is (
        AppointmentStatus.CANCELLED
    )
    texts = [getattr(r, "text", "") or "" for r in chat.sent_to_me()]
    assert any(f"Appointment {appt.code} is cancelled." in t for t in texts)
    # The new booking starts at the same office, with the saved details.
    assert "Use these details?" in chat.last_text()
    await chat.press("sd:use")
    await skip_phone(chat)
    await choose_for_person(chat)
    await chat.press("gp:continue:")
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[1] == str(office) for d in days)


@SQLITE_ONLY
async def test_too_late_to_move_offers_cancel_and_book_again(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    group = await family_booked(ctx, office, chat.user_id, TODAY)
    await switch_language(chat, "en")
    await chat.send("/my")
    buttons = change_buttons(chat)
    assert f"ap:renew:{group.members[0].id}" in buttons
    assert not any(d.startswith("ap:reschedule:") for d in buttons)
