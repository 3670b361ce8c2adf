"""What the keyboards show: offices 8 to a page, and the month calendar's marks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from booking.admin.closures import close_day
from booking.appointments.service import book
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import ServiceType
from tests.bot.conftest import SQLITE_ONLY, slot_on
from tests.bot.flows import choose_language, open_calendar, reach_calendar
from tests.bot.recording import Chat_
from tests.factories import add_applicant, add_office, office_spec

pytestmark = SQLITE_ONLY


async def test_offices_are_paginated_eight_to_a_page(
    ctx: Domain, new_chat: Callable[..., Chat_]
) -> None:
    for i in range(11):
        await add_office(ctx, office_spec(f"BALI{i:02d}", province="Bali"), release=False)
    chat = new_chat()
    await choose_language(chat, "en")
    await chat.tap("mn:book")
    await chat.press("pv:book:", "Bali")
    first = [d for _, d in chat.last_keyboard() if d.startswith("of:book:")]
    assert len(first) == 8
    assert ("1/2", "no:header") in chat.last_keyboard()
    await chat.press("op:book:", "›")
    second = [d for _, d in chat.last_keyboard() if d.startswith("of:book:")]
    assert len(second) == 3 and not set(first) & set(second)
    assert not any(t == "›" for t, _ in chat.last_keyboard())
    await chat.press("op:book:", "‹")
    assert [d for _, d in chat.last_keyboard() if d.startswith("of:book:")] == first


def labels(chat: Chat_) -> dict[int, str]:
    """Day of month → button text, for the date buttons of the latest calendar."""
    out = {}
    for text, data in chat.last_keyboard():
        if data.startswith("dy:"):
            out[int(data.rsplit(":", 1)[1])] = text
    return out


async def test_calendar_marks_every_kind_of_day(
    ctx: Domain, office: int, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    # Fill Wednesday 2 December: 10 regular seats over two sessions.
    for label in ("Pagi", "Siang"):
        slot = await slot_on(ctx, office, date(2026, 12, 2), label)
        for i in range(5):
            uid = 800000 + i + (10 if label == "Siang" else 0)
            await add_applicant(ctx, uid, born=date(1980, 1, 1), serial=6000 + uid % 1000)
            await book(ctx, telegram_id=uid, slot_id=slot, service=ServiceType.NEW)
    await close_day(ctx, office, date(2026, 12, 3), "Rapat kerja", actor="cli:test")
    book_more = await slot_on(ctx, office, date(2026, 12, 4), "Pagi")
    await add_applicant(ctx, 810000, born=date(1980, 1, 1), serial=6999)
    await book(ctx, telegram_id=810000, slot_id=book_more, service=ServiceType.NEW)

    chat = new_chat()
    buttons = await open_calendar(chat, "en")
    assert buttons[0][0] == "November 2026"
    assert [t for t, _ in buttons[1:8]] == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    assert labels(chat) == {30: "30•"}  # only today's afternoon is left this month
    assert ("·", "no:past") in buttons  # 1 to 29 November
    await chat.press("mo:", "›")
    december = labels(chat)
    assert december[1] == "1"
    assert december[2] == "2✖"  # full
    assert december[3] == "3⛔"  # closed by the office
    assert december[4] == "4"  # 9 left: not yet "few"
    assert december[15] == "15🔒"  # not released yet (14 days ahead)
    assert december[25] == "25🎌"  # Christmas, a national holiday
    assert 6 not in december  # a Sunday: no service
    assert ("·", "no:no_service") in chat.last_keyboard()
    # Two months ahead at most; no way back before this month.
    await chat.press("mo:", "›")
    assert not any(t == "›" for t, d in chat.last_keyboard() if d.startswith("mo:"))
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    await reach_calendar(chat)  # again, the holder's details now saved
    assert not any(t == "‹" for t, d in chat.last_keyboard() if d.startswith("mo:"))


async def test_indonesian_calendar_header(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    buttons = await open_calendar(chat, "id")
    assert buttons[0][0] == "November 2026"
    assert [t for t, _ in buttons[1:8]] == ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
    assert "🔸 sisa sedikit" in chat.last_text()
