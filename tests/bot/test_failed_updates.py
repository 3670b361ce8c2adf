"""An update that fails is logged, the user told, and its callback query answered
exactly once, wherever it failed: in a handler, or before any (the FSM storage)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, SendMessage

from booking.core.context import Domain
from bot.config import BotSettings
from bot.factory import build_dispatcher
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.recording import Chat_, RecordingSession

SORRY = "Maaf, terjadi kesalahan. Silakan coba lagi."


class BrokenStorage(MemoryStorage):
    """FSM storage whose server is unreachable when reading a state."""

    async def get_state(self, key: StorageKey) -> Any:
        raise ConnectionError("storage unreachable")


def answers(session: RecordingSession) -> list[AnswerCallbackQuery]:
    return [r for r in session.requests if isinstance(r, AnswerCallbackQuery)]


def texts(session: RecordingSession) -> list[str]:
    return [r.text for r in session.requests if isinstance(r, SendMessage)]


@SQLITE_ONLY
async def test_a_storage_failure_before_any_handler_still_answers_the_button(
    bot_settings: BotSettings, ctx: Domain, bot: Bot, session: RecordingSession
) -> None:
    dp = build_dispatcher(bot_settings, ctx, storage=BrokenStorage())
    chat = Chat_(dp=dp, bot=bot, user_id=880001)
    await chat.tap("mn:book")
    [answer] = answers(session)
    assert answer.callback_query_id == session.tapped[0]
    assert SORRY in texts(session)


@SQLITE_ONLY
async def test_a_handler_failure_answers_the_button_once(
    new_chat: Any, session: RecordingSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("bot.handlers.booking.office.appointments_of", failing)
    chat = new_chat()
    await chat.tap("mn:book")
    [answer] = answers(session)  # by AnswerCallbacks; not again by the error handler
    assert answer.callback_query_id == session.tapped[0]
    assert SORRY in texts(session)
