"""Bad input: stale buttons, forged callback data, double taps, free text where a
button is expected, stickers/photos/voice, floods, and failures inside a handler.

Every test here also goes through the autouse check in conftest: every callback
query answered exactly once, texts ≤ 4096 characters, callback_data ≤ 64 bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto
from aiogram.types import Chat, Message, Update

from booking.admin.closures import close_day
from booking.appointments.service import appointments_of, book, cancel, get_appointment
from booking.appointments.views import AppointmentView
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, ServiceType
from bot.factory import build_dispatcher
from tests.bot.conftest import SQLITE_ONLY, booked, make_bot_settings, slot_on
from tests.bot.flows import (
    book_new,
    choose_language,
    pick_day,
    press_in_my_appointments,
    reach_calendar,
    reach_people,
    reach_summary,
    switch_language,
)
from tests.bot.recording import Chat_, RecordingSession
from tests.conftest import TODAY, TOMORROW
from tests.factories import add_applicant, make_nik

NIK = make_nik(date(1991, 2, 3), serial=2468)
STALE_EN = "This button is no longer valid."


async def fill(ctx: Domain, slot_id: int, seats: int, first_user: int = 900000) -> None:
    """Other applicants take ``seats`` seats of a slot."""
    for i in range(seats):
        await add_applicant(ctx, first_user + i, born=date(1980, 1, 1), serial=5000 + i)
        await book(ctx, telegram_id=first_user + i, slot_id=slot_id, service=ServiceType.NEW)


def texts(sent: list[Any]) -> str:
    return "\n".join(
        str(getattr(r, "text", None) or getattr(r, "caption", None) or "") for r in sent
    )


def answers(sent: list[Any]) -> list[AnswerCallbackQuery]:
    return [r for r in sent if isinstance(r, AnswerCallbackQuery)]


# --- stale buttons -------------------------------------------------------------------


async def test_session_that_filled_meanwhile(ctx: Domain, office: int, english_chat: Chat_) -> None:
    await reach_calendar(english_chat)
    await pick_day(english_chat, TOMORROW)
    data = english_chat.button("se:", "Siang")
    await fill(ctx, await slot_on(ctx, office, TOMORROW, "Siang"), 5)

    sent = await english_chat.tap(data)
    assert "that session is no longer available" in texts(sent)
    # Fresh choices: the session still open that day, and no booking was made.
    assert [t for t, d in english_chat.last_keyboard() if d.startswith("se:")] == [
        "Pagi 08:00–10:00 WIB · 5 left"
    ]
    assert await appointments_of(ctx, english_chat.user_id) == []


async def test_session_that_filled_before_confirm_offers_nearest_dates(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await reach_summary(chat, NIK, language="en", day=TOMORROW, session="Siang")
    await fill(ctx, await slot_on(ctx, office, TOMORROW, "Siang"), 5)

    sent = await chat.press("cf:")
    assert "Sorry, that session just filled up." in texts(sent)
    assert "The nearest dates with seats left:" in texts(sent)
    nearest = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert nearest and f":{TOMORROW.year}:{TOMORROW.month}:{TOMORROW.day}" in " ".join(nearest)
    assert await appointments_of(ctx, chat.user_id) == []
    # The fresh choice works: tomorrow still has the morning session.
    await chat.tap(next(d for d in nearest if d.endswith(":12:1")))
    await chat.press("se:", "Pagi")
    await chat.press("cf:")
    [appt] = await appointments_of(ctx, chat.user_id)
    assert appt.label == "Pagi"


async def test_appointment_already_cancelled(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await press_in_my_appointments(chat, f"ap:cancel:{appt.id}")
    await cancel(ctx, telegram_id=chat.user_id, appointment_id=appt.id)  # from elsewhere

    for data in (f"ap:cancel_confirmed:{appt.id}", f"ap:qr:{appt.id}", f"ap:reschedule:{appt.id}"):
        sent = await chat.tap(data)
        assert "This appointment is no longer active (cancelled)." in texts(sent)
        assert "You have no active appointment." in texts(sent)
        assert not any(isinstance(r, SendPhoto) for r in sent)
    after = await get_appointment(ctx, chat.user_id, appt.id)
    assert after.status is AppointmentStatus.CANCELLED


async def test_date_that_closed(ctx: Domain, office: int, english_chat: Chat_) -> None:
    await reach_calendar(english_chat)
    await close_day(ctx, office, TOMORROW, "Pemadaman listrik", actor="cli:test")

    sent = await pick_day(english_chat, TOMORROW)
    assert "The office is closed on that date. (Pemadaman listrik)" in texts(sent)
    assert "The nearest dates with seats left:" in texts(sent)
    offered = [d for _, d in english_chat.last_keyboard() if d.startswith("dy:")]
    assert offered and not any(d.endswith(":12:1") for d in offered)


@SQLITE_ONLY
async def test_date_that_closed_before_confirm(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await reach_summary(chat, NIK, language="en", day=TOMORROW, session="Pagi")
    await close_day(ctx, office, TOMORROW, "Acara kantor", actor="cli:test")
    sent = await chat.press("cf:")
    assert "Sorry, the office has closed that date." in texts(sent)
    assert await appointments_of(ctx, chat.user_id) == []


@SQLITE_ONLY
async def test_calendar_from_last_month(
    ctx: Domain, office: int, clock: FixedClock, english_chat: Chat_
) -> None:
    await reach_calendar(english_chat)
    old_day = english_chat.button("dy:", "30")  # 30 November (today), open now
    old_prev = f"mo:{office}:1+0:book:0:2026:11"
    clock.set(datetime(2026, 12, 2, 0, 0, tzinfo=UTC))  # two days later

    sent = await english_chat.tap(old_day)
    assert "That date has passed." in texts(sent)
    assert any(d.startswith("dy:") for _, d in english_chat.last_keyboard())

    sent = await english_chat.tap(old_prev)
    assert "That month cannot be booked." in texts(sent)
    [answer] = answers(sent)
    assert answer.text == "That month cannot be booked."
    # The fresh calendar is December's.
    assert any(d.endswith(":2026:12:3") for _, d in english_chat.last_keyboard())
    assert await appointments_of(ctx, english_chat.user_id) == []


# --- forged callback data ----------------------------------------------------------------


async def test_another_users_appointment_is_refused_and_unchanged(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    owner, intruder = new_chat(), new_chat()
    theirs = await booked(ctx, office, owner.user_id, TOMORROW)
    other_slot = await slot_on(ctx, office, date(2026, 12, 2), "Pagi")
    await add_applicant(ctx, intruder.user_id, born=date(1970, 7, 7))
    await switch_language(intruder, "en")
    forged = [
        f"ap:qr:{theirs.id}",
        f"ap:cancel:{theirs.id}",
        f"ap:cancel_confirmed:{theirs.id}",
        f"ap:reschedule:{theirs.id}",
        f"rs:{theirs.id}:{other_slot}",
        f"se:{other_slot}:1+0:reschedule:{theirs.id}",
        f"mo:{office}:1+0:reschedule:{theirs.id}:2026:12",
        f"dy:{office}:1+0:reschedule:{theirs.id}:2026:12:2",
        f"ap:rebook:{theirs.id}",
        f"se:{other_slot}:1+0:rebook:{theirs.id}",
        f"rb:{theirs.id}:{other_slot}",
        f"se:{other_slot}:1+0:book:{theirs.id}",
    ]
    for data in forged:
        sent = await intruder.tap(data)
        said = texts(sent) + " ".join(a.text or "" for a in answers(sent))
        assert STALE_EN in said, data
        assert theirs.code not in said, data
        assert not any(isinstance(r, SendPhoto) for r in sent), data
    after = await get_appointment(ctx, owner.user_id, theirs.id)
    assert after.status is AppointmentStatus.BOOKED
    assert (after.slot_id, after.reschedule_count) == (theirs.slot_id, 0)
    assert await appointments_of(ctx, intruder.user_id) == []


@SQLITE_ONLY
@pytest.mark.parametrize(
    "data",
    [
        "zz:1:2",  # unknown prefix
        "",  # empty
        "garbage",
        "::::",
        "\x00\x01\x02",
        "ap:delete:1",  # unknown action
        "ap:qr:abc",
        "ap:qr:-1",
        "ap:qr:99999999999999999999",
        "mo:1:1+0:book:0:2026:13",  # month out of range
        "mo:1:1+0:book:0:1999:1",
        "mo:1:1+0:x:0:2026:12",  # no such mode
        "mo:1:1+0:reschedule:0:2026:12",  # rescheduling nothing
        "mo:1:11+0:book:0:2026:12",  # more people than a group has
        "dy:1:1+0:book:0:2026:2:30",  # no such date
        "dy:1:1+0:book:0:2026:12:32",
        "pv:book:999",  # no such province
        "op:book:0:99",  # no such page
        "of:book:99999",  # no such office
        "sv:new",  # not at the service step
        "sv:express",  # no such service
        "pk:ordinary_5",  # not at the passport step
        "pk:diplomatic",  # no such passport
        "se:99999:1+0:book:0",  # no such slot
        "cf:99999:100",  # no such slot
        "cf:1:1f9",  # no such service or priority
        "gp:remove:99999",  # not in the group
        "gp:add:99999",  # not one of this account's people
        "in:requirements:",  # requirements without a service
        "lg:fr",
        "x" * 64,
    ],
)
async def test_forged_or_garbled_callback_is_refused_and_changes_nothing(
    ctx: Domain, office: int, dp: Dispatcher, new_chat: Callable[..., Chat_], data: str
) -> None:
    chat = new_chat()
    await add_applicant(ctx, chat.user_id, born=date(1970, 7, 7))
    await switch_language(chat, "en")
    await chat.tap("mn:book")  # in the middle of a flow: choosing a province
    province = chat.button("pv:book:")
    before = fsm_snapshot(dp)
    sent = await chat.tap(data)
    [answer] = answers(sent)
    assert answer.text == STALE_EN
    assert "What would you like to do?" in texts(sent)
    assert not any(r.__api_method__.startswith("edit") for r in sent)
    assert fsm_snapshot(dp) == before
    assert await appointments_of(ctx, chat.user_id) == []
    await chat.tap(province)  # the flow goes on
    assert "choose an office" in chat.last_text()


def fsm_snapshot(dp: Dispatcher) -> dict[Any, Any]:
    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    return {key: (rec.state, dict(rec.data)) for key, rec in storage.storage.items()}


# --- double tap --------------------------------------------------------------------------


async def test_double_tap_on_confirm_books_once(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], session: RecordingSession
) -> None:
    chat = new_chat()
    await book_new(chat, NIK, language="en")
    confirm = next(
        d for r in reversed(chat.sent_to_me()) for d in [_confirm_data(r)] if d is not None
    )
    sent = await chat.tap(confirm)
    [appt] = await appointments_of(ctx, chat.user_id)
    assert f"This booking is already confirmed: {appt.code}" in texts(sent)
    assert len([r for r in session.requests if isinstance(r, SendPhoto)]) == 1


def _confirm_data(request: Any) -> str | None:
    markup = getattr(request, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", []):
        for button in row:
            if (button.callback_data or "").startswith("cf:"):
                return str(button.callback_data)
    return None


async def test_simultaneous_double_tap_books_once(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await reach_summary(chat, NIK, language="en")
    data = chat.button("cf:")
    await asyncio.gather(chat.tap(data), chat.tap(data))
    assert len(await appointments_of(ctx, chat.user_id)) == 1


# --- free text, stickers, photos, voice ------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Please tap a date in the calendar above."),
        ("id", "Silakan ketuk tanggal pada kalender di atas."),
    ],
)
async def test_free_text_where_a_button_is_expected_gets_the_steps_help(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], language: str, expected: str
) -> None:
    chat = new_chat()
    await choose_language(chat, language)
    await reach_calendar(chat)
    await chat.send("besok pagi saja")
    assert expected in chat.last_text()
    # The step is unchanged: the calendar's buttons still work.
    await pick_day(chat, TOMORROW)
    assert any(d.startswith("se:") for _, d in chat.last_keyboard())


@SQLITE_ONLY
async def test_free_text_at_other_steps(ctx: Domain, office: int, english_chat: Chat_) -> None:
    await english_chat.tap("mn:book")
    await english_chat.send("Jakarta")
    assert "Please choose a province with the buttons above." in english_chat.last_text()
    await reach_people(english_chat)
    await english_chat.send("Budi Santoso")
    await english_chat.send(NIK)
    await english_chat.send("0812345678")
    assert "Please tap “Share my phone number” or “Skip” below." in english_chat.last_text()
    await english_chat.send("Skip")
    await english_chat.press("sv:new")
    await english_chat.press("pk:")
    await english_chat.send("lansia")
    assert "Please choose a priority option" in english_chat.last_text()
    await english_chat.press("pr:none")
    await english_chat.press("gp:continue:")
    await pick_day(english_chat, TOMORROW)
    await english_chat.send("pagi")
    assert "Please choose a session with the buttons above." in english_chat.last_text()
    await english_chat.press("se:")
    await english_chat.send("ya")
    assert "Please tap “Confirm booking” above" in english_chat.last_text()


@SQLITE_ONLY
@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_sticker_photo_or_voice_anywhere_gets_a_polite_reply(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], kind: str
) -> None:
    chat = new_chat()
    send = {"sticker": chat.send_sticker, "photo": chat.send_photo, "voice": chat.send_voice}[kind]
    await choose_language(chat, "id")
    sent = await send()
    assert "Maaf, saya hanya bisa membaca pesan teks dan ketukan tombol." in texts(sent)
    await switch_language(chat, "en")
    await reach_people(chat)
    await chat.send("Budi Santoso")
    sent = await send()  # at the NIK step
    assert "Sorry, I can only read text messages and button taps." in texts(sent)
    assert "Please type your 16-digit NIK." in texts(sent)
    await chat.send(NIK)  # the step still works
    assert "share your phone number" in chat.last_text()


# --- throttle ----------------------------------------------------------------------------


@SQLITE_ONLY
async def test_throttle_slows_a_flood_before_any_database_work(
    ctx: Domain,
    settings: BookingSettings,
    office: int,
    bot: Bot,
    session: RecordingSession,
) -> None:
    dp = build_dispatcher(make_bot_settings(settings, throttle_rate=0.001, throttle_burst=3), ctx)
    chat = Chat_(dp=dp, bot=bot, user_id=424242, language_code="en")
    replies = [await chat.send("/help") for _ in range(10)]
    handled = [r for r in replies if any("/book" in (getattr(m, "text", "") or "") for m in r)]
    assert len(handled) == 3
    slow_down = [m for r in replies for m in r if "Terlalu banyak permintaan" in (m.text or "")]
    assert len(slow_down) == 1  # one warning per flood, not one per message

    # While throttled, nothing touches the database, and taps are still answered.
    real_db = ctx.db
    ctx.db = Exploding()  # type: ignore[assignment]
    try:
        for _ in range(5):
            sent = await chat.tap("mn:book")
            [answer] = answers(sent)
            assert answer.text == "Terlalu banyak permintaan. Mohon tunggu sebentar."
    finally:
        ctx.db = real_db
    # Another user is not slowed down by this one.
    other = Chat_(dp=dp, bot=bot, user_id=434343)
    await other.send("/help")
    assert "/book" in other.last_text()


@SQLITE_ONLY
async def test_a_flood_in_a_group_gets_no_reply_there(
    ctx: Domain, settings: BookingSettings, office: int, bot: Bot, session: RecordingSession
) -> None:
    dp = build_dispatcher(make_bot_settings(settings, throttle_rate=0.001, throttle_burst=3), ctx)
    chat = Chat_(dp=dp, bot=bot, user_id=525252, language_code="en")
    group = Chat(id=-1001234567890, type="supergroup", title="Warga")
    for n in range(12):
        message = Message(
            message_id=n + 1, date=datetime.now(UTC), chat=group, from_user=chat.user, text="halo"
        )
        await chat.feed(Update(update_id=900000 + n, message=message))
    assert [r for r in session.requests if getattr(r, "chat_id", None) == group.id] == []


class Exploding:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"database used while throttled: {name}")


# --- failures inside a handler -----------------------------------------------------------


@SQLITE_ONLY
async def test_a_failure_gets_a_polite_message_and_the_tap_is_answered(
    ctx: Domain, office: int, english_chat: Chat_, caplog: pytest.LogCaptureFixture
) -> None:
    real_db = ctx.db
    ctx.db = Broken()  # type: ignore[assignment]
    try:
        sent = await english_chat.tap("mn:book")
        sent += await english_chat.send("/my")
    finally:
        ctx.db = real_db
    assert len(answers(sent)) == 1
    replies = [r for r in sent if isinstance(r, SendMessage)]
    assert [r.text for r in replies] == ["Sorry, something went wrong. Please try again."] * 2
    assert "Traceback" not in texts(sent)
    assert "RuntimeError" in caplog.text  # logged for the maintainers


class Broken:
    def reader(self) -> Any:
        raise RuntimeError("database is down")

    def writer(self) -> Any:
        raise RuntimeError("database is down")

    @property
    def engine(self) -> Any:
        raise RuntimeError("database is down")


async def test_session_that_started_before_confirm(
    ctx: Domain, office: int, clock: FixedClock, english_chat: Chat_
) -> None:
    await reach_calendar(english_chat)
    await pick_day(english_chat, TODAY)
    await english_chat.press("se:", "Siang")  # 13:00 WIB today
    clock.set(datetime(2026, 11, 30, 5, 30, tzinfo=UTC))  # 12:30 WIB: within the cut-off

    sent = await english_chat.press("cf:")
    [answer] = answers(sent)
    assert answer.text == "That session has started or starts too soon to book."
    assert "Sorry, that session is no longer available." in texts(sent)
    assert all(
        not d.endswith(":11:30") for _, d in english_chat.last_keyboard() if d.startswith("dy:")
    )
    assert any(d.startswith("dy:") for _, d in english_chat.last_keyboard())
    assert await appointments_of(ctx, english_chat.user_id) == []


@SQLITE_ONLY
async def test_confirm_from_an_abandoned_summary_books_with_a_full_confirmation(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await reach_summary(chat, NIK, language="en")
    data = chat.button("cf:")
    await chat.send("/cancel")
    sent = await chat.tap(data)
    [appt] = await appointments_of(ctx, chat.user_id)
    assert any(isinstance(r, SendPhoto) for r in sent)
    assert f"Booking code: {appt.code}" in texts(sent)


@SQLITE_ONLY
async def test_group_chats_are_ignored(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    group = Chat(id=-100123, type="supergroup", title="Keluarga")
    before = len(chat.session.requests)
    await chat.feed(
        Update(
            update_id=987654,
            message=Message(
                message_id=1,
                date=datetime.now(UTC),
                chat=group,
                from_user=chat.user,
                text="/start",
            ),
        )
    )
    assert chat.session.requests[before:] == []


@SQLITE_ONLY
@pytest.mark.parametrize("command", ["/my", "/admin", "/checkin ABCD2345"])
async def test_a_command_at_a_typing_step_is_a_command_not_an_answer(
    ctx: Domain, office: int, english_chat: Chat_, command: str
) -> None:
    await reach_people(english_chat)
    assert "full name" in english_chat.last_text()
    await english_chat.send(command)
    # Not taken as the name: the NIK is not asked for, and the command got its own answer.
    assert "Now type your NIK" not in english_chat.last_text()
    assert command not in english_chat.last_text()
