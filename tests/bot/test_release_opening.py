"""When dates open (issue 12 §5) and the release mode in the admin chat: a 🔒 date
says when it opens in the office's zone (in draw mode also when requests open),
"Ingatkan saya" queues one notice, the FAQ answer names the office's real rule, and
the admin sees and switches the release mode under Quotas, audited."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery
from sqlmodel import select

from booking.admin.audit import audit_log
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import ReleaseMode
from booking.db.models import Notification
from booking.draw.windows import open_draw
from booking.offices.lookup import get_office
from bot import callbacks as cb
from bot.config import BotSettings
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    admin_chat,
    at_screen,
    bot_settings,
    office_b,
)
from tests.bot.fair_release import deliver
from tests.bot.flows import choose_language, open_calendar, pick_day
from tests.bot.recording import Chat_
from tests.draw_helpers import DRAW_DAY, add_draw_office
from tests.factories import add_office, office_spec

# Dates open daily at 07:00 WITA, 14 days ahead: on Monday 30 Nov (08:00 WITA now)
# the calendar is open to Monday 14 Dec; Wednesday 16 Dec opens on Wednesday 2 Dec.
LOCKED = date(2026, 12, 16)


@pytest.fixture
async def wita_office(ctx: Domain) -> int:
    spec = office_spec(
        "BALI", timezone="Asia/Makassar", release_rule="FREQ=DAILY;BYHOUR=7;BYMINUTE=0"
    )
    return await add_office(ctx, spec)


async def release_rows(ctx: Domain) -> list[Notification]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Notification).where(Notification.template == "release_opening")
        )
        return list(rows)


async def test_a_locked_date_says_when_it_opens_and_reminds_once(
    ctx: Domain,
    clock: FixedClock,
    wita_office: int,
    dp: Dispatcher,
    bot: Bot,
    bot_settings: BotSettings,
    new_chat: Callable[..., Chat_],
) -> None:
    chat = new_chat()
    await open_calendar(chat, "id")
    await chat.press("mo:", "›")  # December
    assert any(t == f"{LOCKED.day}🔒" for t, _ in chat.last_keyboard())
    tapped = await pick_day(chat, LOCKED)
    # The pop-up no longer says "check again later": the message says when.
    [popup] = [r.text for r in tapped if isinstance(r, AnswerCallbackQuery)]
    assert popup == "Tanggal itu belum dibuka."
    text = chat.last_text()
    assert "Rabu, 16 Desember 2026 belum dibuka." in text
    assert "Dibuka Rabu 2 Des pukul 07:00 WITA." in text
    assert "undian" not in text.lower()
    labels = [t for t, _ in chat.last_keyboard()]
    assert "🔔 Ingatkan saya" in labels
    remind = chat.button("rm:")
    await chat.tap(remind)
    assert "Baik: kami kirim satu pesan pada Rabu 2 Des pukul 07:00 WITA." in chat.last_text()
    await chat.tap(remind)  # a second tap: still one notice
    assert len(await release_rows(ctx)) == 1
    clock.set(clock.now() + timedelta(days=3))
    assert await deliver(ctx, dp, bot, bot_settings) == ["release_opening"]
    assert chat.last_text().startswith(
        "🔔 Tanggal baru sudah dibuka di Kantor Imigrasi BALI (Rabu 2 Des 07:00 WITA)."
    )


async def test_a_locked_date_of_a_draw_office_says_when_requests_open(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    office_id = await add_draw_office(ctx, clock)
    chat = new_chat()
    await choose_language(chat, "en")
    nxt = DRAW_DAY + timedelta(days=1)  # opened by the release after the open one
    day = cb.Day(
        office=office_id,
        people="1+0",
        mode="book",
        appt=0,
        year=nxt.year,
        month=nxt.month,
        day=nxt.day,
    )
    await chat.tap(day.pack())
    text = chat.last_text()
    assert "It opens Tuesday 1 Dec at 08:00 WIB." in text
    assert "Requests for its draw open Monday 30 Nov at 08:00 WIB." in text
    # The day of the open window: requests are open now.
    await chat.tap(day.model_copy(update={"day": DRAW_DAY.day}).pack())
    assert "Requests for its draw are open now" in chat.last_text()
    await chat.press("rm:")
    assert "we will send you one message" in chat.last_text()
    assert await open_draw(ctx, office_id) is not None


async def test_remind_on_an_open_date_is_explained(
    ctx: Domain, wita_office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await choose_language(chat, "en")
    await chat.tap(cb.Remind(office=wita_office, day=20261202).pack())
    assert "That date is open already" in chat.last_text()
    assert await release_rows(ctx) == []


async def test_the_faq_answer_names_the_offices_draw(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    await add_draw_office(ctx, clock)
    chat = new_chat()
    await choose_language(chat, "id")
    await chat.send("kapan kuota dibuka di kantor imigrasi draw?")
    text = chat.last_text()
    assert "Kantor Imigrasi DRAW: tanggal baru dibuka setiap hari pukul 08:00 WIB" in text
    assert "Di kantor ini kursi dibagikan lewat undian" in text and "24 jam" in text


async def test_the_admin_switches_the_release_mode_and_sees_the_draws(
    ctx: Domain, clock: FixedClock, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office, "quota", "q_mode")
    assert "Mode: first come." in chat.last_text()
    await chat.press(f"amd:{office}:draw")
    assert "✅ The office now releases its dates by a draw." in chat.last_text()
    record = await get_office(ctx, office)
    assert record.release_mode == ReleaseMode.DRAW
    [entry, *_] = await audit_log(ctx, office, 5)
    assert entry.action == "set_release_mode" and entry.actor.endswith(str(ADMIN_A))
    await chat.press(f"aac:q_hours:{office}")
    await chat.send("many")
    assert "Type a whole number of hours" in chat.last_text()
    await chat.send("12")
    assert "✅ Requests now open 12 hours before each release." in chat.last_text()
    assert (await get_office(ctx, office)).request_window_hours == 12
    # Another office's button is refused and changes nothing.
    await chat.tap(f"amd:{office_b}:draw")
    assert (await get_office(ctx, office_b)).release_mode == ReleaseMode.FIRST_COME


async def test_the_admin_sees_a_draws_seed_hash(
    ctx: Domain, clock: FixedClock, admin_chat: Callable[[int], Any], office_b: int
) -> None:
    from booking.admin.roles import add_admin

    office_id = await add_draw_office(ctx, clock)
    await add_admin(ctx, ADMIN_A, "DRAW", actor="test")
    chat = await at_screen(admin_chat, office_id, "menu", "quota", "q_mode")
    draw = await open_draw(ctx, office_id)
    assert draw is not None
    text = chat.last_text()
    assert "Mode: draw. Requests open 24 hours" in text
    assert "taking requests, 0 requests" in text and draw.seed_hash in text
