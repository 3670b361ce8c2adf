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
from booking.core.errors import OfficeNotFound
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

    monkeypatch.setattr("bot.handlers.booking.office.active_group", failing)
    chat = new_chat()
    await chat.tap("mn:book")
    [answer] = answers(session)  # by the error handler; AnswerCallbacks left it
    assert answer.callback_query_id == session.tapped[0]
    assert SORRY in texts(session)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "stale", "menu"),
    [
        ("id", "Tombol ini sudah tidak berlaku.", "Apa yang ingin Anda lakukan?"),
        ("en", "This button is no longer valid.", "What would you like to do?"),
    ],
)
async def test_not_found_from_any_handler_is_a_stale_button_answered_once(
    new_chat: Any,
    session: RecordingSession,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    stale: str,
    menu: str,
) -> None:
    async def gone(*args: object, **kwargs: object) -> None:
        raise OfficeNotFound(1)

    chat = new_chat()
    await chat.send("/language")
    await chat.press(f"lg:{language}")
    monkeypatch.setattr("bot.handlers.booking.office.list_provinces", gone)
    session.requests.clear()
    session.tapped.clear()
    await chat.tap("mn:book")
    [answer] = answers(session)
    assert (answer.callback_query_id, answer.text) == (session.tapped[0], stale)
    assert f"{stale}\n\n{menu}" in texts(session)
    assert SORRY not in texts(session) and "Sorry, something went wrong." not in texts(session)
    # A typed command meets the same handler: the same words, no button to answer.
    await chat.send("/book")
    assert chat.last_text() == f"{stale}\n\n{menu}"
    assert len(answers(session)) == 1
