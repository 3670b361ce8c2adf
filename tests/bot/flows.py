"""Driving the chat through whole flows, by pressing the buttons the bot sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.keyboards import CURRENT_MARK, DAY_MARKS
from tests.bot.recording import Chat_

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
    """Menu → book → province → office → service → date; sessions are now shown."""
    await reach_calendar(chat, service)
    await pick_open_day(chat)


async def reach_calendar(chat: Chat_, service: str = "new") -> None:
    """Menu → book → province → office → service; the calendar is now shown."""
    await chat.tap("mn:book")
    await chat.press("pv:book:")
    await chat.press("of:book:")
    office_id = chat.button("sv:").split(":")[1]
    await chat.tap(f"sv:{office_id}:{service}")


async def open_calendar(chat: Chat_, language: str) -> list[tuple[str, str]]:
    """/start in ``language``, then menu → book → province → office → service;
    returns the calendar's buttons as (text, data)."""
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
    await reach_calendar(chat, service)
    await (pick_day(chat, day) if day is not None else pick_open_day(chat))
    await chat.press("se:", session)
    await chat.send(name)
    await chat.send(nik)
    await chat.send("Lewati" if language == "id" else "Skip")
    await chat.press(f"pr:{priority}")


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
