"""A staff group for the dispatcher tests, and delivery of the outbox's rows
through the bot's real notice rendering (as the sender does, without its pacing)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message, Update, User

from booking.core.context import Domain
from booking.notify.outbox import claim_due, mark_sent
from bot.factory import settle
from bot.notices import Notices
from tests.bot.recording import BOT_ID

STAFF_CHAT = -1001234567890
_ids = itertools.count(10_000)


@dataclass(frozen=True)
class Delivered:
    recipient: int
    template: str
    message: Message  # as the bot sent it


async def deliver(ctx: Domain, bot: Bot) -> list[Delivered]:
    """Send every due outbox row, rendered by the bot's notices; the sent messages."""
    notices = Notices()
    out = []
    for row in await claim_due(ctx, "test", 100, 60):
        rendered = notices.render(row)
        sent = await bot.send_message(
            row.recipient, rendered.text, reply_markup=rendered.reply_markup
        )
        await mark_sent(ctx, row.id, "test")
        chat_type = "supergroup" if row.recipient < 0 else "private"
        message = sent.model_copy(update={"chat": Chat(id=row.recipient, type=chat_type)})
        out.append(Delivered(row.recipient, row.template, message))
    return out


@dataclass
class GroupMember:
    """One member of a staff group, writing in it."""

    dp: Dispatcher
    bot: Bot
    user_id: int
    chat_id: int = STAFF_CHAT

    async def send(self, text: str, reply_to: Message | None = None) -> list[TelegramMethod[Any]]:
        session: Any = self.bot.session
        before = len(session.requests)
        message = Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=self.chat_id, type="supergroup", title="Petugas"),
            from_user=User(id=self.user_id, is_bot=False, first_name="Petugas"),
            text=text,
            reply_to_message=reply_to,
        )
        await self.dp.feed_update(self.bot, Update(update_id=next(_ids), message=message))
        await settle(self.dp)
        return list(session.requests[before:])


def bot_post(text: str, chat_id: int = STAFF_CHAT, from_id: int = BOT_ID) -> Message:
    """A message in the group, by the bot unless ``from_id`` says otherwise."""
    return Message(
        message_id=next(_ids),
        date=datetime.now(UTC),
        chat=Chat(id=chat_id, type="supergroup"),
        from_user=User(id=from_id, is_bot=from_id == BOT_ID, first_name="x"),
        text=text,
    )
