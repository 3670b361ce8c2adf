"""Answering "full" in a rush: from reads, without a write transaction, with the
nearest dates worked out once for everyone asking at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendPhoto

from booking.appointments.service import appointments_of
from booking.calendar.availability import session_by_id
from booking.calendar.seats import GroupShape
from booking.core.context import Domain
from booking.core.errors import NotFound
from bot import nearest_dates as nearest_module
from bot import sold_out as sold_out_module
from bot.handlers.booking import shared as booking_handlers
from bot.nearest_dates import NearestDates
from bot.sold_out import SoldOutSessions
from tests.bot.conftest import count_calls, slot_on
from tests.bot.flows import reach_summary
from tests.bot.recording import Chat_, RecordingSession
from tests.bot.test_bad_input import fill
from tests.conftest import TOMORROW
from tests.factories import make_nik

ONE = GroupShape.single()  # one person without priority


async def at_summary(chat: Chat_, serial: int) -> str:
    """Walk a new applicant to the summary of tomorrow's afternoon session; the
    confirm button's data."""
    nik = make_nik(date(1985, 3, 4), serial=serial)
    await reach_summary(chat, nik, language="en", day=TOMORROW, session="Siang")
    return chat.button("cf:")


async def test_a_tap_again_after_taking_the_last_seat_is_already_booked_not_full(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], session: RecordingSession
) -> None:
    chat, other = new_chat(), new_chat()
    confirm = await at_summary(chat, 7101)
    other_confirm = await at_summary(other, 7102)
    await fill(ctx, await slot_on(ctx, office, TOMORROW, "Siang"), 4)
    await chat.tap(confirm)  # the last seat
    [appt] = await appointments_of(ctx, chat.user_id)
    await other.tap(other_confirm)  # full: the session is marked sold out
    assert "filled up" in other.last_text()

    sent = await chat.tap(confirm)  # the session is full now, with this user's booking
    text = "\n".join(str(getattr(r, "text", "")) for r in sent)
    assert f"This booking is already confirmed: {appt.code}" in text
    assert "filled up" not in text
    assert len([r for r in session.requests if isinstance(r, SendPhoto)]) == 1


async def test_a_crowd_pressing_confirm_on_a_full_session_is_answered_and_books_nothing(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], session: RecordingSession
) -> None:
    chats = [new_chat() for _ in range(6)]
    confirms = [await at_summary(chat, 7200 + i) for i, chat in enumerate(chats)]
    slot_id = await slot_on(ctx, office, TOMORROW, "Siang")
    await fill(ctx, slot_id, 5)
    before = len(session.requests)

    await asyncio.gather(*(chat.tap(data) for chat, data in zip(chats, confirms, strict=True)))

    for chat in chats:
        assert await appointments_of(ctx, chat.user_id) == []
    sent = session.requests[before:]
    answered = [r for r in sent if isinstance(r, AnswerCallbackQuery)]
    assert len(answered) == len(chats)
    offers = [r for r in sent if isinstance(r, EditMessageText)]
    assert len(offers) == len(chats)
    for offer in offers:
        assert "Sorry, that session just filled up." in offer.text
        assert "The nearest dates with seats left:" in offer.text


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_nearest_dates_are_worked_out_once_per_moment(
    ctx: Domain, office: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = nearest_module.nearest_open_dates

    async def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        await asyncio.sleep(0.01)  # the others ask meanwhile
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nearest_module, "nearest_open_dates", counting)
    clock = Ticks()
    cache = NearestDates(ttl_s=2.0, clock=clock)
    results = await asyncio.gather(*(cache.get(ctx, office, TOMORROW, ONE) for _ in range(10)))
    assert len(calls) == 1
    assert all(r == results[0] for r in results) and results[0]

    clock.now = 1.9
    await cache.get(ctx, office, TOMORROW, ONE)
    assert len(calls) == 1
    clock.now = 2.0  # expired: answered from the last list, worked out again meanwhile
    assert await cache.get(ctx, office, TOMORROW, ONE) == results[0]
    await cache.drain()
    assert len(calls) == 2
    clock.now = 3.0  # the new list is fresh for another 2 seconds
    await cache.get(ctx, office, TOMORROW, ONE)
    assert len(calls) == 2
    await cache.get(ctx, office, TOMORROW, GroupShape.single(True))  # another question
    assert len(calls) == 3


async def test_a_failed_look_up_is_not_remembered(ctx: Domain) -> None:
    cache = NearestDates(clock=Ticks())
    for _ in range(2):
        with pytest.raises(NotFound):
            await cache.get(ctx, 999_999, TOMORROW, ONE)  # no such office: raised each time


async def test_a_session_seen_full_is_answered_without_reading_it_for_a_moment(
    ctx: Domain,
    office: int,
    dp: Dispatcher,
    new_chat: Callable[..., Chat_],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Ticks()
    dp["sold_out_sessions"] = SoldOutSessions(ttl_s=1.0, clock=clock)
    reads = count_calls(monkeypatch, "session_by_id", booking_handlers, sold_out_module)
    chats = [new_chat() for _ in range(3)]
    confirms = [await at_summary(chat, 7300 + i) for i, chat in enumerate(chats)]
    await fill(ctx, await slot_on(ctx, office, TOMORROW, "Siang"), 5)
    reads.clear()

    await chats[0].tap(confirms[0])
    assert len(reads) == 1  # read, found full, marked
    clock.now = 0.9
    await chats[1].tap(confirms[1])
    assert len(reads) == 1  # answered from the mark
    clock.now = 1.0
    await chats[2].tap(confirms[2])  # the mark expired: answered from it, read again
    await dp["sold_out_sessions"].drain()
    assert len(reads) == 2
    for chat in chats:
        assert "Sorry, that session just filled up." in chat.last_text()
        assert await appointments_of(ctx, chat.user_id) == []


async def test_a_failed_refresh_keeps_offering_the_last_dates_and_tries_again(
    ctx: Domain, office: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Ticks()
    cache = NearestDates(ttl_s=2.0, clock=clock)
    first = await cache.get(ctx, office, TOMORROW, ONE)
    real = nearest_module.nearest_open_dates
    failing = True

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failing:
            raise ConnectionError("database gone for a moment")
        return await real(*args, **kwargs)

    monkeypatch.setattr(nearest_module, "nearest_open_dates", flaky)
    clock.now = 5.0
    assert await cache.get(ctx, office, TOMORROW, ONE) == first  # the refresh fails meanwhile
    await cache.drain()
    assert await cache.get(ctx, office, TOMORROW, ONE) == first  # still offered; tried again
    failing = False
    await cache.drain()
    await cache.get(ctx, office, TOMORROW, ONE)
    await cache.drain()
    clock.now = 6.0  # the successful refresh made the list fresh again
    await cache.get(ctx, office, TOMORROW, ONE)
    assert not cache._refreshes


async def test_a_sold_out_mark_is_dropped_when_a_seat_is_free_again(
    ctx: Domain, office: int
) -> None:
    slot_id = await slot_on(ctx, office, TOMORROW, "Siang")
    _, session = await session_by_id(ctx, slot_id)
    assert session.seats_left > 0  # as after a cancellation
    clock = Ticks()
    marks = SoldOutSessions(ttl_s=1.0, clock=clock)
    marks.mark(office, session, ONE)
    assert marks.get(ctx, slot_id, ONE) == (office, session)
    clock.now = 1.0
    assert marks.get(ctx, slot_id, ONE) == (office, session)  # answered; read meanwhile
    await marks.drain()
    assert marks.get(ctx, slot_id, ONE) is None  # the read found a seat: taps book again


async def test_a_sold_out_mark_is_renewed_while_the_session_stays_full(
    ctx: Domain, office: int
) -> None:
    slot_id = await slot_on(ctx, office, TOMORROW, "Siang")
    await fill(ctx, slot_id, 5)
    _, session = await session_by_id(ctx, slot_id)
    clock = Ticks()
    marks = SoldOutSessions(ttl_s=1.0, clock=clock)
    marks.mark(office, session, ONE)
    clock.now = 1.5
    marks.get(ctx, slot_id, ONE)
    await marks.drain()
    clock.now = 2.4  # renewed at 1.5: still fresh, no read started
    assert marks.get(ctx, slot_id, ONE) is not None
    assert not marks._checks
