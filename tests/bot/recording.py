"""A chat helper that feeds updates to the real dispatcher, with a Bot whose
session records every request (``bench.recording.RecordingSession``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    PhotoSize,
    Sticker,
    Update,
    User,
    Voice,
)

from bench.recording import BOT_ID, TOKEN, RecordingSession
from bot.factory import settle

__all__ = ["BOT_ID", "TOKEN", "Chat_", "RecordingSession", "file_bytes"]


def file_bytes(value: Any) -> bytes:
    """The content of an uploaded ``BufferedInputFile``."""
    assert isinstance(value, InputFile)
    data = getattr(value, "data", None)
    assert isinstance(data, bytes)
    return data


_update_ids = itertools.count(1)


@dataclass
class Chat_:
    """One Telegram user in a private chat with the bot."""

    dp: Dispatcher
    bot: Bot
    user_id: int
    first_name: str = "Budi"
    language_code: str | None = "id"
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def session(self) -> RecordingSession:
        session = self.bot.session
        assert isinstance(session, RecordingSession)
        return session

    @property
    def user(self) -> User:
        return User(
            id=self.user_id,
            is_bot=False,
            first_name=self.first_name,
            language_code=self.language_code,
        )

    @property
    def chat(self) -> Chat:
        return Chat(id=self.user_id, type="private")

    async def feed(self, update: Update) -> list[TelegramMethod[Any]]:
        before = len(self.session.requests)
        await self.dp.feed_update(self.bot, update)
        await settle(self.dp)  # e.g. a booking's QR code and .ics follow its answer
        return self.session.requests[before:]

    def _message(self, **fields: Any) -> Message:
        return Message(
            message_id=next(self.message_ids),
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **fields,
        )

    async def send(self, text: str) -> list[TelegramMethod[Any]]:
        return await self.send_message(text=text)

    async def send_message(self, **fields: Any) -> list[TelegramMethod[Any]]:
        return await self.feed(Update(update_id=next(_update_ids), message=self._message(**fields)))

    async def share_contact(self, phone: str, user_id: int | None = None) -> list[Any]:
        contact = Contact(
            phone_number=phone,
            first_name=self.first_name,
            user_id=self.user_id if user_id is None else user_id,
        )
        return await self.send_message(contact=contact)

    async def send_sticker(self) -> list[Any]:
        sticker = Sticker(
            file_id="st1",
            file_unique_id="st1u",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        return await self.send_message(sticker=sticker)

    async def send_photo(self) -> list[Any]:
        photo = [PhotoSize(file_id="ph1", file_unique_id="ph1u", width=90, height=90)]
        return await self.send_message(photo=photo)

    async def send_voice(self) -> list[Any]:
        voice = Voice(file_id="vo1", file_unique_id="vo1u", duration=2)
        return await self.send_message(voice=voice)

    async def tap(self, data: str, message_id: int = 1) -> list[TelegramMethod[Any]]:
        message = Message(
            message_id=message_id,
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=User(id=BOT_ID, is_bot=True, first_name="Tanpa Antre"),
            text="…",
        )
        query = CallbackQuery(
            id=f"cq{next(_update_ids)}",
            from_user=self.user,
            chat_instance="ci",
            data=data,
            message=message,
        )
        self.session.tapped.append(query.id)
        return await self.feed(Update(update_id=next(_update_ids), callback_query=query))

    # --- reading what the bot sent ---------------------------------------------------

    def sent_to_me(self) -> list[TelegramMethod[Any]]:
        return [
            r
            for r in self.session.requests
            if getattr(r, "chat_id", None) in (self.user_id, str(self.user_id))
        ]

    def last_keyboard(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the latest inline keyboard sent to this user."""
        for r in reversed(self.sent_to_me()):
            markup = getattr(r, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup):
                return [
                    (b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row
                ]
        raise AssertionError("no inline keyboard was sent")

    def last_text(self) -> str:
        for r in reversed(self.sent_to_me()):
            text = getattr(r, "text", None) or getattr(r, "caption", None)
            if text:
                return str(text)
        raise AssertionError("no text was sent")

    def button(self, prefix: str, contains: str = "") -> str:
        """Callback data of the first button in the latest keyboard matching both."""
        for text, data in self.last_keyboard():
            if data.startswith(prefix) and contains in text:
                return data
        raise AssertionError(f"no button {prefix!r} with {contains!r} in {self.last_keyboard()}")

    async def press(self, prefix: str, contains: str = "") -> list[TelegramMethod[Any]]:
        return await self.tap(self.button(prefix, contains))
