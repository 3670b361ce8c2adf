"""/start with the first-time language choice, /language, /help, the main menu and
the command menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from aiogram import Bot
from aiogram.methods import EditMessageText, SendMessage, SetMyCommands
from aiogram.types import ReplyKeyboardRemove

from booking.core.context import Domain
from booking.people.applicants import get_applicant, set_language
from bot import middlewares
from bot.factory import set_commands
from tests.bot.conftest import SQLITE_ONLY, count_calls
from tests.bot.flows import book_new, reach_people, reach_session
from tests.bot.recording import Chat_, RecordingSession
from tests.factories import add_applicant, make_nik


@SQLITE_ONLY
async def test_first_start_asks_for_language_then_shows_menu(
    ctx: Domain, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await chat.send("/start")
    buttons = chat.last_keyboard()
    assert [data for _, data in buttons] == ["lg:id", "lg:en"]
    assert buttons[0][0] == "Bahasa Indonesia"

    await chat.press("lg:en")
    assert "What would you like to do?" in chat.last_text()
    assert [data for _, data in chat.last_keyboard()] == [
        "mn:book",
        "mn:mine",
        "mn:info",
        "mn:offices",
        "mn:help",
        "mn:lang",
    ]
    # A returning user goes straight to the menu, in the chosen language.
    sent = await chat.send("/start")
    [reply] = [r for r in sent if isinstance(r, SendMessage)]
    assert "What would you like to do?" in reply.text
    assert "lg:id" not in str(reply.reply_markup)


@SQLITE_ONLY
async def test_default_language_is_indonesian(ctx: Domain, new_chat: Callable[..., Chat_]) -> None:
    chat = new_chat(language_code="en")
    await chat.send("/start")
    await chat.press("lg:id")
    assert "Apa yang ingin Anda lakukan?" in chat.last_text()
    await chat.send("/help")
    assert "Tanpa Antre membantu Anda memesan jadwal" in chat.last_text()


@SQLITE_ONLY
async def test_language_command_changes_a_registered_applicants_language(
    ctx: Domain, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await add_applicant(ctx, chat.user_id, born=date(1985, 1, 2))
    await chat.send("/start")  # registered: no language prompt, Indonesian saved
    assert "Apa yang ingin Anda lakukan?" in chat.last_text()

    await chat.send("/language")
    await chat.press("lg:en")
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.language == "en"
    await chat.send("/help")
    assert "/book: book an appointment" in chat.last_text()

    await chat.tap("mn:lang")
    await chat.press("lg:id")
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.language == "id"
    assert "Bahasa diatur ke Bahasa Indonesia." in chat.last_text()


@SQLITE_ONLY
async def test_cancel_returns_to_the_menu_from_any_step(
    ctx: Domain, office: int, english_chat: Chat_
) -> None:
    await english_chat.tap("mn:book")
    await english_chat.press("pv:book:")
    await english_chat.send("/cancel")
    assert "What would you like to do?" in english_chat.last_text()
    # The flow is gone: free text now gets the general hint, not a step's help.
    await english_chat.send("hello")
    assert "I did not understand that" in english_chat.last_text()


async def test_set_commands_in_indonesian_and_english(bot: Bot, session: RecordingSession) -> None:
    await set_commands(bot)
    calls = [r for r in session.requests if isinstance(r, SetMyCommands)]
    assert [c.language_code for c in calls] == [None, "en"]
    default, english = ({c.command: c.description for c in call.commands} for call in calls)
    assert default.keys() == english.keys() >= {"start", "book", "my", "language", "help"}
    assert default["book"] == "Pesan jadwal"
    assert english["book"] == "Book an appointment"


@SQLITE_ONLY
async def test_leaving_the_phone_step_removes_the_contact_keyboard(
    ctx: Domain, office: int, english_chat: Chat_
) -> None:
    await reach_people(english_chat)
    await english_chat.send("Budi Santoso")
    await english_chat.send(make_nik(date(1990, 5, 17), serial=31))
    sent = await english_chat.send("/cancel")
    removals = [
        r for r in sent if isinstance(getattr(r, "reply_markup", None), ReplyKeyboardRemove)
    ]
    assert len(removals) == 1
    assert "What would you like to do?" in english_chat.last_text()


async def test_a_saved_language_is_read_once_then_kept_in_the_chat_state(
    ctx: Domain, new_chat: Callable[..., Chat_], monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = new_chat(language_code="id")
    await add_applicant(ctx, chat.user_id, born=date(1985, 1, 2))
    await set_language(ctx, chat.user_id, "en")  # e.g. chosen before the FSM data was lost
    reads = count_calls(monkeypatch, "get_applicant", middlewares)
    await chat.send("/help")
    assert "/book: book an appointment" in chat.last_text()  # English, from the database
    assert reads == [1]
    await chat.send("/help")
    await chat.tap("mn:home")
    assert "What would you like to do?" in chat.last_text()
    assert reads == [1]  # from then on, from the chat's FSM data


@SQLITE_ONLY
async def test_start_during_a_booking_asks_before_leaving_it(
    ctx: Domain, new_chat: Callable[..., Chat_], office: int
) -> None:
    chat = new_chat()
    await chat.send("/start")
    await chat.press("lg:id")
    await reach_session(chat)
    sessions = chat.last_keyboard()
    await chat.send("/start")
    assert "Anda sedang memesan jadwal" in chat.last_text()
    assert [d for _, d in chat.last_keyboard()] == ["mn:home", "mn:stay"]

    await chat.press("mn:stay")  # a slip: the booking goes on where it was
    assert "langkah di atas" in chat.last_text()
    session = next(d for _, d in sessions if d.startswith("se:"))
    await chat.tap(session)
    assert "Periksa kembali jadwal Anda" in chat.last_text()  # the summary follows

    await chat.send("/start")
    await chat.press("mn:home")  # yes: the menu, and the booking is left
    assert "Apa yang ingin Anda lakukan?" in chat.last_text()
    await chat.send("/start")
    assert "Anda sedang memesan jadwal" not in chat.last_text()


@SQLITE_ONLY
async def test_the_menu_under_a_confirmation_comes_as_a_new_message(
    ctx: Domain, new_chat: Callable[..., Chat_], office: int
) -> None:
    chat = new_chat()
    await book_new(chat, make_nik(date(1990, 5, 17), serial=4322), language="en")
    [confirmation] = [
        r for r in chat.sent_to_me() if isinstance(r, SendMessage) and "Booking code" in r.text
    ]
    home = chat.button("mn:", "Main menu")
    sent = await chat.tap(home, message_id=77)
    assert not any(isinstance(r, EditMessageText) for r in sent)  # the record stays
    [menu] = [r for r in sent if isinstance(r, SendMessage)]
    assert "What would you like to do?" in menu.text
