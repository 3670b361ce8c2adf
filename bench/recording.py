"""A Bot session that records every Bot API request instead of sending it
(after aiogram's own ``tests/mocked_bot.py``). The flash-crowd benchmark and the
dispatcher tests use it."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import BufferedInputFile, Chat, InlineKeyboardMarkup, Message, User

BOT_ID = 7000000001
TOKEN = f"{BOT_ID}:AAtest-token-for-recorded-requests-only"


class RecordingSession(BaseSession):
    """Records each ``TelegramMethod``; answers with a plausible result.

    With ``keep=False`` only counts are kept (calls per method, answers per
    callback query id, bytes uploaded), so that a long benchmark does not hold
    every request in memory.
    """

    def __init__(self, *, keep: bool = True) -> None:
        super().__init__()
        self.keep = keep
        self.requests: list[TelegramMethod[Any]] = []
        self.counts: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.uploaded_bytes: Counter[str] = Counter()  # by field: photo, document
        self.tapped: list[str] = []  # ids of the callback queries fed to the dispatcher
        # API methods to answer with 400 Bad Request, as Telegram does for an edit of
        # a message that is too old or unchanged.
        self.refuse: set[str] = set()
        self._ids = itertools.count(1000)

    async def close(self) -> None:
        pass

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        name = method.__api_method__
        self.counts[name] += 1
        if self.keep:
            self.requests.append(method)
        if isinstance(method, AnswerCallbackQuery):
            self.answered[method.callback_query_id] += 1
        for field in ("photo", "document"):
            value = getattr(method, field, None)
            if isinstance(value, BufferedInputFile):
                self.uploaded_bytes[field] += len(value.data)
        if name in self.refuse:
            raise TelegramBadRequest(method=method, message="Bad Request: message can't be edited")
        if name == "getMe":
            return User(id=BOT_ID, is_bot=True, first_name="Tanpa Antre", username="tanpa_bot")
        returning = str(method.__returning__)
        if "Message" not in returning:
            return True
        chat_id = getattr(method, "chat_id", None) or 0
        message_id = getattr(method, "message_id", None) or next(self._ids)
        return Message(
            message_id=message_id,
            date=datetime.now(UTC),
            chat=Chat(id=int(chat_id), type="private"),
            from_user=User(id=BOT_ID, is_bot=True, first_name="Tanpa Antre"),
            text=getattr(method, "text", None),
            caption=getattr(method, "caption", None),
            reply_markup=getattr(method, "reply_markup", None)
            if isinstance(getattr(method, "reply_markup", None), InlineKeyboardMarkup)
            else None,
        ).as_(bot)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""
