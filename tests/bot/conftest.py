"""Dispatcher tests: the real dispatcher from ``build_dispatcher``, fed updates,
with a Bot whose session records every request."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import time

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr

from booking.config import BookingSettings
from booking.context import Domain
from booking.offices_file import SessionSpec
from bot.config import BotSettings
from bot.factory import build_dispatcher
from tests.bot.recording import TOKEN, Chat_, RecordingSession
from tests.conftest import TEST_NIK_SECRET
from tests.factories import WEEKDAYS, add_office, office_spec

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def make_bot_settings(settings: BookingSettings, **overrides: object) -> BotSettings:
    values: dict[str, object] = {
        "data_dir": settings.data_dir,
        "database_url": settings.database_url,
        "nik_secret": SecretStr(TEST_NIK_SECRET),
        "booking_cutoff_minutes": settings.booking_cutoff_minutes,
        "throttle_rate": 1000.0,
        "throttle_burst": 1000,
    }
    values.update(overrides)
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def bot_settings(settings: BookingSettings) -> BotSettings:
    return make_bot_settings(settings)


@pytest.fixture
def dp(bot_settings: BotSettings, ctx: Domain) -> Dispatcher:
    return build_dispatcher(bot_settings, ctx)


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=RecordingSession())
    yield bot
    await bot.session.close()


@pytest.fixture
def session(bot: Bot) -> RecordingSession:
    assert isinstance(bot.session, RecordingSession)
    return bot.session


_user_ids = itertools.count(100001)


@pytest.fixture
def new_chat(dp: Dispatcher, bot: Bot) -> Callable[..., Chat_]:
    def make(user_id: int | None = None, language_code: str | None = "id") -> Chat_:
        return Chat_(
            dp=dp,
            bot=bot,
            user_id=user_id or next(_user_ids),
            language_code=language_code,
        )

    return make


@pytest.fixture
async def office(ctx: Domain) -> int:
    """Office TEST (WIB): two weekday sessions, 10 regular + 2 priority seats a day,
    dates released daily 14 days ahead."""
    spec = office_spec(
        daily=10,
        priority=2,
        sessions=[
            SessionSpec(label="Pagi", start=time(8), end=time(10), rule=WEEKDAYS),
            SessionSpec(label="Siang", start=time(13), end=time(15), rule=WEEKDAYS),
        ],
    )
    return await add_office(ctx, spec)
