"""My appointments: list, QR code again, cancel with confirmation, reschedule."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest
from aiogram.methods import SendDocument, SendPhoto

from booking.admin.closures import close_day
from booking.appointments.service import appointments_of, get_appointment
from booking.appointments.views import AppointmentView
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus
from booking.notify.outbox import claim_due
from bot.config import BotSettings
from bot.sender import build_notices
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.flows import pick_day, press_in_my_appointments, switch_language
from tests.bot.recording import Chat_, file_bytes
from tests.conftest import TOMORROW


async def test_my_appointments_lists_active_and_past(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await chat.send("/my")
    text = chat.last_text()
    assert appt.code in text and "13:00–15:00 WIB" in text
    assert [d for _, d in chat.last_keyboard()][:3] == [
        f"ap:qr:{appt.id}",
        f"ap:reschedule:{appt.id}",
        f"ap:cancel:{appt.id}",
    ]
    sent = await chat.press(f"ap:qr:{appt.id}")
    [photo] = [r for r in sent if isinstance(r, SendPhoto)]
    assert file_bytes(photo.photo).startswith(b"\x89PNG")
    assert appt.code in (photo.caption or "")


@SQLITE_ONLY
async def test_cancel_asks_first_then_cancels(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await chat.send("/start")
    await chat.tap(f"ap:cancel:{appt.id}")
    assert appt.code in chat.last_text()
    assert chat.button("ap:cancel_confirmed:") == f"ap:cancel_confirmed:{appt.id}"
    # "No, keep it" keeps it.
    await chat.press("mn:mine")
    assert (await get_appointment(ctx, chat.user_id, appt.id)).status is AppointmentStatus.BOOKED

    await chat.tap(f"ap:cancel:{appt.id}")
    await chat.press("ap:cancel_confirmed:")
    assert (await get_appointment(ctx, chat.user_id, appt.id)).status is AppointmentStatus.CANCELLED
    text = chat.last_text()
    assert f"Jadwal {appt.code} dibatalkan." in text
    # Issue 16: cancelled before its day, it is not a past appointment.
    assert "Jadwal yang dibatalkan:" in text and "dibatalkan oleh Anda" in text
    assert "Jadwal yang lalu:" not in text


async def test_reschedule_moves_once_then_explains_the_limit(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await press_in_my_appointments(chat, f"ap:reschedule:{appt.id}")
    assert f"Reschedule {appt.code}" in chat.last_text()
    # Every date button of this calendar is for this appointment.
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[3:5] == ["reschedule", str(appt.id)] for d in days)
    await pick_day(chat, date(2026, 12, 2))
    await chat.press("se:", "Pagi")
    assert "Move appointment" in chat.last_text()
    sent = await chat.press(f"rs:{appt.id}:")

    moved = await get_appointment(ctx, chat.user_id, appt.id)
    assert moved.slot_id != appt.slot_id and moved.reschedule_count == 1
    assert moved.label == "Pagi"
    assert any(isinstance(r, SendDocument) for r in sent)
    assert f"Appointment {appt.code} is moved." in [getattr(r, "text", "") for r in sent]

    # "My appointments" no longer offers the move; an old button still explains.
    await chat.send("/my")
    await chat.tap(f"ap:reschedule:{appt.id}")
    assert "You have already used your reschedule (limit: 1)." in chat.last_text()
    assert len(await appointments_of(ctx, chat.user_id)) == 1


@SQLITE_ONLY
async def test_reschedule_on_the_day_is_too_late(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    appt = await booked(ctx, office, chat.user_id, date(2026, 11, 30))  # today, 13:00 WIB
    await switch_language(chat, "en")
    await chat.tap(f"ap:reschedule:{appt.id}")
    assert "too late to change" in chat.last_text()
    after = await get_appointment(ctx, chat.user_id, appt.id)
    assert after.slot_id == appt.slot_id and after.reschedule_count == 0


@SQLITE_ONLY
async def test_appointment_displaced_by_a_closure_is_rebooked_without_counting(
    ctx: Domain, office: int, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await close_day(ctx, office, TOMORROW, "Listrik padam", actor="cli:test")
    await switch_language(chat, "en")
    await chat.send("/my")
    text = chat.last_text()
    assert "Cancelled because the office closed" in text and appt.code in text
    await chat.press(f"ap:rebook:{appt.id}")
    assert f"Choose a new date for {appt.code}" in chat.last_text()
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[3:5] == ["rebook", str(appt.id)] for d in days)
    assert not any(d.endswith(":12:1") for d in days)  # the closed date is not offered
    await pick_day(chat, date(2026, 12, 3))
    await chat.press("se:", "Siang")
    assert "Book a new date instead of" in chat.last_text()
    sent = await chat.press(f"rb:{appt.id}:")

    [new] = [v for v in await appointments_of(ctx, chat.user_id) if v.active]
    assert new.id != appt.id and new.day == date(2026, 12, 3)
    assert new.reschedule_count == 0
    assert f"Your new booking code is {new.code}." in [getattr(r, "text", "") for r in sent]
    assert any(isinstance(r, SendDocument) for r in sent)
    # The button is spent: a second tap changes nothing.
    await chat.tap(f"ap:rebook:{appt.id}")
    assert "This button is no longer valid." in chat.last_text()
    assert len([v for v in await appointments_of(ctx, chat.user_id) if v.active]) == 1


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "label"), [("id", "📅 Tanggal baru untuk"), ("en", "📅 New date for")]
)
async def test_closure_notice_carries_a_new_date_button(
    ctx: Domain,
    office: int,
    bot_settings: BotSettings,
    booked_chat: tuple[Chat_, AppointmentView],
    language: str,
    label: str,
) -> None:
    chat, appt = booked_chat
    await close_day(ctx, office, TOMORROW, "Listrik padam", actor="cli:test")
    [claimed] = await claim_due(ctx, "test-sender", limit=10, lease_seconds=60)
    assert claimed.template == "closure_displaced"
    claimed = dataclasses.replace(claimed, language=language)

    rendered = build_notices(bot_settings).render(claimed)
    assert rendered.reply_markup is not None
    [[button]] = rendered.reply_markup.inline_keyboard
    assert button.text == f"{label} {appt.code}"
    assert button.callback_data == f"ap:rebook:{appt.id}"

    await chat.tap(button.callback_data)
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[3:5] == ["rebook", str(appt.id)] for d in days)
