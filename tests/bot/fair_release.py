"""Shared steps of the fair release's dispatcher tests: a group's request at a
draw-mode office, and delivery of the outbox's rows as the sender does it (notices
rendered with their buttons, confirmations through the bot's ``FileSender``)."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, Dispatcher

from booking.core.context import Domain
from booking.notify.confirmations import CONFIRMATION_KINDS
from booking.notify.outbox import claim_due, mark_sent
from bot.config import BotSettings
from bot.sender import build_notices
from tests.bot.flows import (
    add_member,
    choose_for_person,
    choose_language,
    give_details,
    holder_nik,
    reach_people,
)
from tests.bot.recording import Chat_
from tests.draw_helpers import DRAW_DAY
from tests.factories import make_nik

DAY = f"{DRAW_DAY:%Y%m%d}"


def partner_nik(chat: Chat_) -> str:
    return make_nik(date(1992, 8, 9), serial=5000 + chat.user_id % 1000)


async def reach_choices(chat: Chat_, *, people: int = 2, language: str = "id") -> None:
    """A new applicant at the draw-mode office (the only one): the holder and, for
    ``people`` 2, one family member; "Continue" shows the request's choices."""
    await choose_language(chat, language)
    await reach_people(chat)
    await give_details(chat, holder_nik(chat))
    await choose_for_person(chat)
    if people == 2:
        await add_member(chat, "Siti Aminah", partner_nik(chat))
    await chat.press("gp:continue:")


async def three_choices(chat: Chat_) -> None:
    """Siang on the draw's day, any session that day, the earliest date."""
    await chat.press(f"rp:day:{DAY}")
    await chat.press("rp:slot:", "Siang")
    await chat.press(f"rp:day:{DAY}")
    await chat.press("rp:slot:", "Sesi mana saja")
    await chat.press("rp:earliest")


async def request_for(chat: Chat_, *, people: int = 2) -> None:
    """A request with ``three_choices``, sent."""
    await reach_choices(chat, people=people)
    await three_choices(chat)
    await chat.press("rp:review")
    await chat.press("rp:submit")


async def deliver(ctx: Domain, dp: Dispatcher, bot: Bot, settings: BotSettings) -> list[str]:
    """Send every due outbox row as the sender does; the templates sent."""
    notices = build_notices(settings)
    files, content = dp["files"], dp["content"]
    sent = []
    for row in await claim_due(ctx, "test", 100, 60):
        if row.kind in CONFIRMATION_KINDS:
            await files.deliver(bot, row, content, notices)
        else:
            rendered = notices.render(row)
            await bot.send_message(row.recipient, rendered.text, reply_markup=rendered.reply_markup)
        await mark_sent(ctx, row.id, "test")
        sent.append(row.template)
    return sent
