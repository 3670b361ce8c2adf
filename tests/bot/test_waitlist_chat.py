"""The waitlist in the chat (issue 12 §4): joining from a full date or for a range of
dates, the offer with "Ambil" / "Lewati" and its hold's end in the office's zone,
an offer taken, skipped, tapped after it expired or by another account, and the
entries under "Jadwal saya"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument, SendPhoto

from booking.appointments.groups import cancel_group, groups_of
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import OfferStatus, WaitlistStatus
from booking.waitlist.duty import run_waitlist_duty
from booking.waitlist.entries import waitlist_of
from bot.config import BotSettings
from tests.bot.conftest import booked
from tests.bot.fair_release import deliver
from tests.bot.flows import choose_language, pick_day, reach_calendar
from tests.bot.recording import Chat_
from tests.conftest import DEFAULT_NOW, TOMORROW
from tests.factories import add_office, office_spec, two_sessions

HOLDER = 900001
TZ = ZoneInfo("Asia/Jakarta")


@pytest.fixture
async def small_office(ctx: Domain) -> int:
    """One session (Pagi 08:00–10:00 WIB) of one seat a day; tomorrow's is taken."""
    office_id = await add_office(ctx, office_spec(daily=1))
    await booked(ctx, office_id, HOLDER, TOMORROW, label="Pagi", born=date(1975, 2, 3))
    return office_id


async def join_from_full_day(chat: Chat_) -> None:
    """Book → the calendar → tomorrow (full) → "Masuk daftar tunggu"."""
    await choose_language(chat, "id")
    await reach_calendar(chat)
    await pick_day(chat, TOMORROW)
    await chat.press("wj:", "Masuk daftar tunggu")


async def the_offer(ctx: Domain, chat: Chat_) -> int:
    [entry] = await waitlist_of(ctx, chat.user_id)
    assert entry.offer is not None
    return entry.offer.id


async def free_the_seat(ctx: Domain, dp: Dispatcher, bot: Bot, settings: BotSettings) -> None:
    """The holder cancels; the freed seat is held and offered through the outbox."""
    [group] = await groups_of(ctx, HOLDER)
    await cancel_group(ctx, telegram_id=HOLDER, group_id=group.id)
    await run_waitlist_duty(ctx)
    assert await deliver(ctx, dp, bot, settings) == ["waitlist_offer"]


async def test_joining_from_a_full_date_and_taking_the_offer(
    ctx: Domain,
    small_office: int,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    chat = new_chat()
    await join_from_full_day(chat)
    joined = chat.last_text()
    assert joined.startswith("Anda masuk daftar tunggu Kantor Imigrasi TEST: Selasa, 1 Desember")
    assert "Urutan Anda: 1." in joined and "selama 15 menit" in joined
    [entry] = await waitlist_of(ctx, chat.user_id)
    assert entry.wish.first_day == entry.wish.last_day == TOMORROW

    await free_the_seat(ctx, dp, bot, bot_settings)
    offer = chat.last_text()
    hold_end = DEFAULT_NOW + timedelta(minutes=15)
    assert offer.startswith(
        "🎟 Ada kursi untuk Anda di Kantor Imigrasi TEST: Selasa 1 Des 08:00 WIB"
    )
    assert f"sampai Senin 30 Nov {hold_end.astimezone(TZ):%H:%M} WIB." in offer  # office's zone
    labels = [text for text, _ in chat.last_keyboard()]
    assert labels == ["✅ Ambil", "Lewati"]
    offer_id = await the_offer(ctx, chat)

    taken = await chat.tap(f"wo:take:{offer_id}")
    texts = [str(getattr(r, "text", "")) for r in taken]
    assert any(t.startswith("✅ Anda mengambil tawaran ini:") for t in texts)
    assert any(t.startswith("✅ Jadwal Anda") for t in texts)  # the confirmation
    sent = chat.sent_to_me()
    assert any(isinstance(r, SendPhoto) for r in sent)
    assert any(isinstance(r, SendDocument) for r in sent)
    [group] = await groups_of(ctx, chat.user_id)
    assert group.day == TOMORROW
    assert await waitlist_of(ctx, chat.user_id) == []
    # A second tap books nothing more.
    await chat.tap(f"wo:take:{offer_id}")
    assert "Anda sudah menjawab tawaran ini." in chat.last_text()
    assert len(await groups_of(ctx, chat.user_id)) == 1


async def test_skipping_the_offer_keeps_the_place_in_line(
    ctx: Domain,
    small_office: int,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    chat = new_chat()
    await join_from_full_day(chat)
    await free_the_seat(ctx, dp, bot, bot_settings)
    offer_id = await the_offer(ctx, chat)
    await chat.tap(f"wo:skip:{offer_id}")
    assert "Anda melewati tawaran ini" in chat.last_text()
    [entry] = await waitlist_of(ctx, chat.user_id)
    assert entry.status is WaitlistStatus.WAITING and entry.offer is None
    assert await groups_of(ctx, chat.user_id) == []


async def test_an_offer_tapped_after_it_expired_gets_a_clear_answer(
    ctx: Domain,
    clock: FixedClock,
    small_office: int,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    chat = new_chat()
    await join_from_full_day(chat)
    await free_the_seat(ctx, dp, bot, bot_settings)
    offer_id = await the_offer(ctx, chat)
    clock.set(DEFAULT_NOW + timedelta(minutes=16))
    await chat.tap(f"wo:take:{offer_id}")
    assert "Maaf, tawaran ini sudah berakhir" in chat.last_text()
    assert await groups_of(ctx, chat.user_id) == []
    # The duty marks it expired; the applicant is told, in the office's zone.
    await run_waitlist_duty(ctx)
    assert "waitlist_offer_expired" in await deliver(ctx, dp, bot, bot_settings)
    assert "untuk Selasa 1 Des 08:00 WIB tidak diambil tepat waktu" in chat.last_text()


async def test_another_accounts_offer_is_refused_and_nothing_changes(
    ctx: Domain,
    small_office: int,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    chat, forger = new_chat(), new_chat()
    await join_from_full_day(chat)
    await free_the_seat(ctx, dp, bot, bot_settings)
    offer_id = await the_offer(ctx, chat)
    await choose_language(forger, "id")
    for action in ("take", "skip"):
        await forger.tap(f"wo:{action}:{offer_id}")
        assert "Tombol ini sudah tidak berlaku." in forger.last_text()
    assert await groups_of(ctx, forger.user_id) == []
    [entry] = await waitlist_of(ctx, chat.user_id)
    assert entry.offer is not None and entry.offer.status is OfferStatus.OFFERED


async def test_a_range_of_typed_dates_and_the_entry_under_my_appointments(
    ctx: Domain, small_office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await choose_language(chat, "id")
    await reach_calendar(chat)
    await pick_day(chat, TOMORROW)
    await chat.press("wj:", "rentang")
    assert "Ketik tanggal Anda bisa datang" in chat.last_text()
    await chat.send("besok saja")
    assert "Ketik satu tanggal (2026-12-07) atau dua" in chat.last_text()
    await chat.send("2026-12-04 2026-12-01")  # the wrong way round
    assert "Ketik satu tanggal (2026-12-07) atau dua" in chat.last_text()
    assert await waitlist_of(ctx, chat.user_id) == []
    await chat.send("2026-12-01 2026-12-04")
    assert "tanggal mana saja dari Selasa, 1 Desember 2026 sampai Jumat, 4 Desember 2026" in (
        chat.last_text()
    )
    [entry] = await waitlist_of(ctx, chat.user_id)

    await chat.send("/my")
    listed = chat.last_text()
    assert "Daftar tunggu Anda:" in listed and "urutan ke-1" in listed
    await chat.press(f"wl:leave:{entry.id}")
    assert "Keluar dari daftar tunggu Kantor Imigrasi TEST" in chat.last_text()
    await chat.press(f"wl:leave_yes:{entry.id}")
    assert "Anda keluar dari daftar tunggu." in chat.last_text()
    assert await waitlist_of(ctx, chat.user_id) == []


async def test_another_accounts_entry_cannot_be_left(
    ctx: Domain, small_office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat, other = new_chat(), new_chat()
    await join_from_full_day(chat)
    [entry] = await waitlist_of(ctx, chat.user_id)
    await choose_language(other, "id")
    await other.tap(f"wl:leave_yes:{entry.id}")
    assert "Tombol ini sudah tidak berlaku." in other.last_text()
    assert [e.id for e in await waitlist_of(ctx, chat.user_id)] == [entry.id]


async def test_joining_from_a_full_session_on_a_date_with_seats_left(
    ctx: Domain,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    """Tomorrow's Pagi is full, Siang has a seat: the sessions screen offers Siang
    and the waitlist of Pagi; joining waits for Pagi only, and Pagi's freed seat is
    offered."""
    office_id = await add_office(ctx, office_spec(daily=2, sessions=two_sessions()))
    await booked(ctx, office_id, HOLDER, TOMORROW, label="Pagi", born=date(1975, 2, 3))
    chat = new_chat()
    await choose_language(chat, "id")
    await reach_calendar(chat)
    await pick_day(chat, TOMORROW)
    labels = [text for text, _ in chat.last_keyboard()]
    assert any(label.startswith("Siang") for label in labels)
    assert "🕒 Daftar tunggu: Pagi" in labels
    await chat.press("wj:", "Daftar tunggu: Pagi")
    assert chat.last_text().startswith("Anda masuk daftar tunggu Kantor Imigrasi TEST")
    [entry] = await waitlist_of(ctx, chat.user_id)
    assert (entry.wish.first_day, entry.wish.last_day) == (TOMORROW, TOMORROW)
    assert entry.wish.slot_label == "Pagi"

    await free_the_seat(ctx, dp, bot, bot_settings)
    assert "08:00 WIB" in chat.last_text() and "(Pagi)" in chat.last_text()
