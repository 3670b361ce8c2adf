"""End to end, in polling mode: the bot's real aiohttp session talks to a
``BotApiEmulator`` through TELEGRAM_API_URL; a user books, cancels and
reschedules by pressing the buttons the bot sent."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from booking.appointments.service import appointments_of
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus
from bot import callbacks as cb
from bot.app import BotApp
from bot.emulator import BotApiEmulator
from tests.e2e.driver import Chat, has_button, plain, text_of
from tests.e2e.steps import (
    DAY,
    NIK,
    OTHER_DAY,
    book_through_chat,
    choose_day,
    open_my_appointments,
    slot_on,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.usefixtures("polling")


def no_plain_nik_anywhere(api: BotApiEmulator) -> bool:
    return all(NIK not in repr(call.params) for call in api.calls)


async def test_full_booking(
    app: BotApp, api: BotApiEmulator, chat: Chat, domain: Domain, office_id: int
) -> None:
    slot_id, seats_before = await slot_on(domain, office_id, DAY)
    mark = len(api.calls)
    code = await book_through_chat(chat, domain, office_id)

    (view,) = await appointments_of(domain, chat.user_id)
    assert view.status == AppointmentStatus.BOOKED and view.slot_id == slot_id
    assert (await slot_on(domain, office_id, DAY))[1] == seats_before - 1

    # The confirmation: code, office, local time with its zone, then the QR code and .ics.
    confirmation = next(
        c for c in chat.messages(mark) if c.method == "sendMessage" and code in text_of(c)
    )
    text = plain(text_of(confirmation))
    assert "Kantor Imigrasi E2E" in text and "Jl. Contoh No. 1" in text
    assert "08:00" in text and "WIB" in text
    (photo,) = [c for c in chat.calls(mark) if c.method == "sendPhoto"]
    assert photo.files["photo"][1].startswith(PNG_SIGNATURE)
    (document,) = [c for c in chat.calls(mark) if c.method == "sendDocument"]
    filename, ics = document.files["document"]
    assert filename.endswith(".ics")
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and start.utcoffset() == ZoneInfo("Asia/Jakarta").utcoffset(
        start.replace(tzinfo=None)
    )
    assert (start.date(), start.hour, start.minute) == (DAY, 8, 0)
    assert event.walk("VALARM"), "the event carries an alarm"
    assert code in io.BytesIO(ics).getvalue().decode()

    # The command menu was registered at start-up, in both languages.
    menus = api.calls_of("setMyCommands")
    assert {c.params.get("language_code") for c in menus} == {None, "en"}
    assert chat.unanswered_callbacks() == []
    assert no_plain_nik_anywhere(api)


async def test_cancellation(
    app: BotApp, api: BotApiEmulator, chat: Chat, domain: Domain, office_id: int
) -> None:
    code = await book_through_chat(chat, domain, office_id)
    seats_booked = (await slot_on(domain, office_id, DAY))[1]

    view = await open_my_appointments(chat, domain)
    await chat.tap(cb.Appt, has_button("ap:cancel_confirmed"), action="cancel", id=view.id)
    mark = len(api.calls)
    await chat.tap(cb.Appt, action="cancel_confirmed", id=view.id)

    (after,) = await appointments_of(domain, chat.user_id)
    assert after.code == code and after.status == AppointmentStatus.CANCELLED
    assert (await slot_on(domain, office_id, DAY))[1] == seats_booked + 1
    assert any(code in text_of(c) for c in chat.messages(mark))
    assert chat.unanswered_callbacks() == []
    assert no_plain_nik_anywhere(api)


async def test_reschedule(
    app: BotApp, api: BotApiEmulator, chat: Chat, domain: Domain, office_id: int
) -> None:
    code = await book_through_chat(chat, domain, office_id)
    old_slot, old_left = await slot_on(domain, office_id, DAY)
    new_slot, new_left = await slot_on(domain, office_id, OTHER_DAY)

    view = await open_my_appointments(chat, domain)
    await chat.tap(cb.Appt, has_button("mo:"), action="reschedule", id=view.id)
    await choose_day(chat, office_id, OTHER_DAY, appt=view.id)
    await chat.tap(cb.Session, has_button("rs:"), slot=new_slot, appt=view.id)
    await chat.tap(cb.Reschedule, appt=view.id, slot=new_slot)

    (after,) = await appointments_of(domain, chat.user_id)
    assert after.code == code and after.status == AppointmentStatus.BOOKED
    assert after.slot_id == new_slot and after.day == OTHER_DAY
    assert after.reschedule_count == 1
    assert (await slot_on(domain, office_id, DAY)) == (old_slot, old_left + 1)
    assert (await slot_on(domain, office_id, OTHER_DAY)) == (new_slot, new_left - 1)
    assert chat.unanswered_callbacks() == []
    assert no_plain_nik_anywhere(api)


async def test_polling_asks_for_the_update_types_the_bot_handles(
    app: BotApp, api: BotApiEmulator, chat: Chat
) -> None:
    await chat.send("/start", expect=has_button("lg:"))
    assert api.calls_of("deleteWebhook"), "polling first removes any webhook"
    assert api.last_poll is not None
    allowed = set(api.last_poll["allowed_updates"])
    assert allowed == set(app.dp.resolve_used_update_types())
    assert {"message", "callback_query"} <= allowed
    assert int(api.last_poll["timeout"]) > 0, "long polling"
