"""Driving the chat through whole flows, by pressing the buttons the bot sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import ReplyKeyboardMarkup

from bot.keyboards import CURRENT_MARK, DAY_MARKS
from tests.bot.recording import Chat_
from tests.factories import make_nik

UNBOOKABLE = (*DAY_MARKS.values(), CURRENT_MARK)


async def choose_language(chat: Chat_, code: str = "id") -> None:
    await chat.send("/start")
    await chat.press(f"lg:{code}")


async def pick_open_day(chat: Chat_) -> list[Any]:
    """Press the first date with seats left, moving to later months as needed."""
    for _ in range(3):
        for text, data in chat.last_keyboard():
            if data.startswith("dy:") and not any(m in text for m in UNBOOKABLE):
                return await chat.tap(data)
        await chat.press("mo:", "›")
    raise AssertionError("no open date in the calendar")


async def reach_session(chat: Chat_, service: str = "new") -> None:
    """Menu → book → province → office → the holder → calendar → date; sessions are
    now shown."""
    await reach_calendar(chat, service)
    await pick_open_day(chat)


async def reach_people(chat: Chat_) -> None:
    """Menu → book → province → office; the bot now asks for the holder's name (or
    shows the saved details)."""
    await chat.tap("mn:book")
    await chat.press("pv:book:")
    await chat.press("of:book:")


def holder_nik(chat: Chat_) -> str:
    """A NIK of this chat's own (distinct between the chats of a test)."""
    return make_nik(date(1990, 5, 17), serial=chat.user_id % 10_000 or 1)


async def skip_phone(chat: Chat_) -> None:
    """Press the phone step's “Skip” (“Lewati”), in whatever language."""
    for r in reversed(chat.sent_to_me()):
        markup = getattr(r, "reply_markup", None)
        if isinstance(markup, ReplyKeyboardMarkup):
            await chat.send(markup.keyboard[1][0].text)
            return
    raise AssertionError("no contact keyboard was sent")


async def give_details(chat: Chat_, nik: str, name: str = "Budi Santoso") -> None:
    """At the holder's name step: the name, the NIK, no phone."""
    await chat.send(name)
    await chat.send(nik)
    await skip_phone(chat)


async def choose_for_person(
    chat: Chat_, service: str = "new", priority: str = "none", passport: str = "ordinary_5"
) -> None:
    """The service, passport and priority of the person being added; the group list
    follows."""
    await chat.press(f"sv:{service}")
    await chat.press(f"pk:{passport}")
    await chat.press(f"pr:{priority}")


async def add_member(
    chat: Chat_, name: str, nik: str, service: str = "new", priority: str = "none"
) -> None:
    """On the group list: add another person by name and NIK."""
    await chat.press("gp:new:")
    await chat.send(name)
    await chat.send(nik)
    await choose_for_person(chat, service, priority)


async def reach_calendar(chat: Chat_, service: str = "new") -> None:
    """Menu → book → province → office → the holder (saved details, or typed with this
    chat's own NIK) with ``service`` → the group list → continue; the calendar is now
    shown."""
    await reach_people(chat)
    if any(d == "sd:use" for _, d in chat.last_keyboard()):
        await chat.press("sd:use")
        if "phone" in chat.last_text() or "telepon" in chat.last_text():
            await skip_phone(chat)
    else:
        await give_details(chat, holder_nik(chat))
    await choose_for_person(chat, service)
    await chat.press("gp:continue:")


async def open_calendar(chat: Chat_, language: str) -> list[tuple[str, str]]:
    """/start in ``language``, then menu → book → province → office → the holder →
    continue; returns the calendar's buttons as (text, data)."""
    await choose_language(chat, language)
    await reach_calendar(chat)
    return chat.last_keyboard()


async def reach_summary(
    chat: Chat_,
    nik: str,
    *,
    name: str = "Budi Santoso",
    language: str = "id",
    service: str = "new",
    priority: str = "none",
    session: str = "",
    day: date | None = None,
) -> None:
    """A first-time applicant goes through every step up to the summary: the first
    open date (or ``day``), the first session (or the one labelled ``session``)."""
    await choose_language(chat, language)
    await reach_people(chat)
    await give_details(chat, nik, name)
    await choose_for_person(chat, service, priority)
    await to_summary(chat, session=session, day=day)


async def to_summary(chat: Chat_, *, session: str = "", day: date | None = None) -> None:
    """From the group list: continue, the first open date (or ``day``), the first
    session (or the one labelled ``session``); the summary is now shown."""
    await chat.press("gp:continue:")
    await (pick_day(chat, day) if day is not None else pick_open_day(chat))
    await chat.press("se:", session)


async def book_new(chat: Chat_, nik: str, **choices: Any) -> list[Any]:
    """A first-time applicant books (``reach_summary``'s choices); returns the
    requests of the confirming tap."""
    await reach_summary(chat, nik, **choices)
    return await chat.press("cf:")


async def switch_language(chat: Chat_, code: str) -> None:
    await chat.send("/language")
    await chat.press(f"lg:{code}")


async def press_in_my_appointments(chat: Chat_, data: str) -> list[Any]:
    """In English, send /my and press the button ``data`` (``ap:ACTION:ID``)."""
    await switch_language(chat, "en")
    await chat.send("/my")
    return await chat.press(data)


async def pick_day(chat: Chat_, day: date) -> list[Any]:
    """Press the calendar's button for ``day``, moving to later months as needed."""
    suffix = f":{day.year}:{day.month}:{day.day}"
    for _ in range(3):
        for _text, data in chat.last_keyboard():
            if data.startswith("dy:") and data.endswith(suffix):
                return await chat.tap(data)
        await chat.press("mo:", "›")
    raise AssertionError(f"no button for {day} in the calendar")
