"""The polling process also runs the notification sender (RUN_SENDER, the default):
a booking's day-before reminder reaches the chat through the Bot API once it is due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.core.clock import FixedClock
from booking.core.context import Domain
from bot.app import BotApp
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from tests.e2e.driver import Chat, method_is, text_of
from tests.e2e.steps import book_through_chat

pytestmark = pytest.mark.usefixtures("polling")


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    return bot_settings.model_copy(update={"run_sender": True})


async def test_day_before_reminder_is_sent_by_the_running_bot(
    app: BotApp, api: BotApiEmulator, chat: Chat, domain: Domain, office_id: int, clock: FixedClock
) -> None:
    code = await book_through_chat(chat, domain, office_id)
    await chat.settle()
    mark = len(api.calls)
    # Nothing is due yet: Monday 07:00 WIB, the appointment is Tuesday 08:00 WIB.
    await chat.settle(quiet_s=1.5)
    assert not chat.messages(mark)

    # Monday 18:00 WIB: the day-before reminder is due.
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    reminder = await chat.until(method_is("sendMessage"), mark)
    assert code in text_of(reminder)
    # Sent once: the sender keeps polling, and the row is not sent again.
    await chat.settle(quiet_s=1.5)
    assert [c for c in chat.messages(mark) if code in text_of(c)] == [reminder]
