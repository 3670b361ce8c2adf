"""Requests in the chat (issue 12): at a draw-mode office whose request window is
open, the booking flow leads to "Ajukan permintaan" instead of the seat calendar;
the request is changed or withdrawn from "Jadwal saya" until the window closes;
the draw's results reach winners (the confirmation) and losers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument, SendMessage, SendPhoto

from booking.appointments.groups import groups_of
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import RequestStatus
from booking.draw.drawing import run_due_draws
from booking.draw.requests import Choice, requests_of
from booking.draw.windows import open_draw
from booking.waitlist.entries import waitlist_of
from bot.config import BotSettings
from tests.bot.fair_release import DAY, deliver, reach_choices, request_for, three_choices
from tests.bot.flows import pick_day, switch_language
from tests.bot.recording import Chat_
from tests.conftest import FRI
from tests.draw_helpers import DRAW_AT, DRAW_DAY, add_draw_office


@pytest.fixture
def settings(settings: BookingSettings) -> BookingSettings:
    """The winners' confirmations go through the outbox, as in production."""
    return settings.model_copy(update={"confirmations_in_outbox": True})


RECORDED = "Permintaan Anda tercatat. Undian: Senin 30 Nov 08:00 WIB. Hasil dikirim lewat chat ini."
THREE = (Choice(DRAW_DAY, "Siang"), Choice(DRAW_DAY, None), Choice(None, None))


async def test_a_request_for_a_group_of_two_with_three_ranked_choices(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    office_id = await add_draw_office(ctx, clock)
    chat = new_chat()
    await reach_choices(chat)
    text = chat.last_text()
    assert "Undian: Senin 30 Nov 08:00 WIB." in text
    assert "Pilih hingga 3 pilihan" in text
    # The release's dates, not the seat calendar.
    assert not any(d.startswith("dy:") for _, d in chat.last_keyboard())
    await three_choices(chat)
    text = chat.last_text()
    assert "1. Senin, 7 Desember 2026, Siang" in text
    assert "2. Senin, 7 Desember 2026, sesi mana saja" in text
    assert "3. tanggal paling awal" in text
    # Three is the most: no more dates to pick.
    assert not any(d.startswith("rp:day:") for _, d in chat.last_keyboard())
    await chat.press("rp:review")
    summary = chat.last_text()
    assert "Periksa kembali permintaan Anda:" in summary
    assert "Budi Santoso" in summary and "Siti Aminah" in summary
    draw = await open_draw(ctx, office_id)
    assert draw is not None
    assert f"Hash benih undian: {draw.seed_hash[:12]}…" in summary
    await chat.press("rp:submit")
    reply = chat.last_text()
    assert reply.startswith(RECORDED + "\n")
    assert draw.seed_hash[:12] in reply and "Jadwal saya" in reply
    [request] = await requests_of(ctx, chat.user_id)
    assert request.choices == THREE
    assert [m.full_name for m in request.members] == ["Budi Santoso", "Siti Aminah"]
    assert request.status is RequestStatus.PENDING
    # The whole hash, on request.
    await chat.press("rq:hash:")
    assert draw.seed_hash in chat.last_text()


async def test_the_seats_earlier_releases_left_stay_bookable_first_come(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    chat = new_chat()
    await reach_choices(chat, people=1)
    assert "Kursi sisa pembukaan jadwal sebelumnya dapat langsung dipesan" in chat.last_text()
    await chat.press("mo:", "Kursi yang masih ada")
    await pick_day(chat, FRI)
    await chat.press("se:", "Pagi")
    await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    assert group.day == FRI


async def test_a_repeated_choice_and_an_unknown_date_are_refused_and_lose_nothing(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    chat = new_chat()
    await reach_choices(chat, people=1)
    await chat.press("rp:earliest")
    await chat.press("rp:earliest")
    assert "Pilihan itu sudah ada di daftar Anda." in chat.last_text()
    await chat.tap("rp:day:20261231:0")  # not a date of this release
    assert "Tanggal itu tidak termasuk pembukaan jadwal ini." in chat.last_text()
    await chat.send("tanggal 7 saja")  # typed at a button step
    assert "Silakan pilih tanggal" in chat.last_text()
    await chat.press("rp:review")
    assert "1. tanggal paling awal" in chat.last_text()
    await chat.press("rp:submit")
    [request] = await requests_of(ctx, chat.user_id)
    assert request.choices == (Choice(None, None),)


async def test_a_request_is_changed_and_withdrawn_from_my_appointments(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    chat = new_chat()
    await request_for(chat)
    [request] = await requests_of(ctx, chat.user_id)
    await chat.send("/my")
    listed = chat.last_text()
    assert "Permintaan undian Anda:" in listed
    assert "undian Senin 30 Nov 08:00 WIB" in listed
    await chat.press(f"rq:change:{request.id}")
    assert "3. tanggal paling awal" in chat.last_text()
    await chat.press("rp:undo")
    await chat.press("rp:undo")
    await chat.press("rp:review")
    await chat.press("rp:submit")
    assert chat.last_text().startswith(
        "Permintaan Anda diubah. Undian: Senin 30 Nov 08:00 WIB. Hasil dikirim lewat chat ini."
    )
    [changed] = await requests_of(ctx, chat.user_id)
    assert changed.id == request.id and changed.choices == (Choice(DRAW_DAY, "Siang"),)

    await switch_language(chat, "en")
    await chat.send("/my")
    await chat.press(f"rq:withdraw:{request.id}")
    assert "Withdraw your request" in chat.last_text()
    await chat.press(f"rq:withdraw_yes:{request.id}")
    assert "Your request is withdrawn." in chat.last_text()
    assert "Your requests for a draw" not in chat.last_text()
    [withdrawn] = await requests_of(ctx, chat.user_id)
    assert withdrawn.status is RequestStatus.WITHDRAWN


async def test_the_closed_window_refuses_a_request_and_its_change(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    early, late = new_chat(), new_chat()
    await request_for(early)
    [request] = await requests_of(ctx, early.user_id)
    await reach_choices(late, people=1)
    await late.press("rp:earliest")
    await late.press("rp:review")
    clock.set(DRAW_AT + timedelta(seconds=1))
    await late.press("rp:submit")
    assert "Permintaan untuk pembukaan jadwal ini sudah ditutup" in late.last_text()
    assert await requests_of(ctx, late.user_id) == []
    await early.tap(f"rq:change:{request.id}")
    assert "sudah ditutup" in early.last_text()
    [unchanged] = await requests_of(ctx, early.user_id)
    assert unchanged.choices == THREE


async def test_another_accounts_request_cannot_be_changed_or_withdrawn(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    owner, other = new_chat(), new_chat()
    await request_for(owner)
    [request] = await requests_of(ctx, owner.user_id)
    await other.tap(f"rq:withdraw_yes:{request.id}")
    assert "Tombol ini sudah tidak berlaku." in other.last_text()
    await other.tap(f"rq:change:{request.id}")
    assert "Tombol ini sudah tidak berlaku." in other.last_text()
    [kept] = await requests_of(ctx, owner.user_id)
    assert kept.status is RequestStatus.PENDING and kept.choices == THREE


async def test_the_draw_sends_winners_their_confirmation_and_losers_the_result(
    ctx: Domain,
    clock: FixedClock,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    """Two seats a session: of three pairs asking only for Siang, one wins it."""
    await add_draw_office(ctx, clock, daily=4)
    chats = [new_chat() for _ in range(3)]
    for chat in chats:
        await reach_choices(chat)
        await chat.press(f"rp:day:{DAY}")
        await chat.press("rp:slot:", "Siang")
        await chat.press("rp:review")
        await chat.press("rp:submit")
    clock.set(DRAW_AT + timedelta(seconds=1))
    await run_due_draws(ctx)
    assert sorted(await deliver(ctx, dp, bot, bot_settings)) == sorted(
        ["draw_lost"] * 2 + ["booking_confirmation", "booking_qr", "booking_qr", "booking_calendar"]
    )
    statuses = {c.user_id: (await requests_of(ctx, c.user_id))[0].status for c in chats}
    [winner] = [c for c in chats if statuses[c.user_id] is RequestStatus.WON]
    losers = [c for c in chats if c is not winner]
    sent = winner.sent_to_me()
    texts = [r.text for r in sent if isinstance(r, SendMessage)]
    assert any(t.startswith("🎲 Anda mendapat jadwal lewat undian.\n\n✅") for t in texts)
    assert len([r for r in sent if isinstance(r, SendPhoto)]) == 2  # a QR code each
    assert len([r for r in sent if isinstance(r, SendDocument)]) == 1  # the .ics
    for loser in losers:
        text = loser.last_text()
        assert text.startswith("🎲 Undian Kantor Imigrasi DRAW: kali ini Anda belum")
        assert "Anda masuk daftar tunggu di urutan ke-" in text
        [entry] = await waitlist_of(ctx, loser.user_id)
        assert f"urutan ke-{entry.position}:" in text
