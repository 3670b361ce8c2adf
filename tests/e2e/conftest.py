"""End-to-end fixtures: the bot runs with its real aiohttp session against a
``BotApiEmulator`` on a loopback port (``TELEGRAM_API_URL``), on SQLite and on
PostgreSQL, with a fixed clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from booking.core.clock import FixedClock
from booking.core.context import Domain
from bot.app import BotApp, close_app, create_app, poll, stop_polling
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from tests.conftest import TEST_NIK_SECRET
from tests.e2e.driver import Chat
from tests.factories import add_office, office_spec

TOKEN = "1234567:e2e-test-token"


@pytest.fixture
async def api() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot_settings(tmp_path: Path, database_url: str, api: BotApiEmulator) -> BotSettings:
    return BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=database_url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
        bot_token=SecretStr(TOKEN),
        telegram_api_url=api.base_url,
        default_locale="id",
        run_sender=False,
        # A test taps faster than a person; the throttle has its own tests.
        throttle_rate=1000.0,
        throttle_burst=1000,
    )


@pytest.fixture
async def app(bot_settings: BotSettings, clock: FixedClock) -> AsyncIterator[BotApp]:
    bot_app = await create_app(bot_settings, clock=clock)
    try:
        yield bot_app
    finally:
        await close_app(bot_app)


@pytest.fixture
def domain(app: BotApp) -> Domain:
    return app.domain


@pytest.fixture
async def polling(app: BotApp) -> AsyncIterator[BotApp]:
    """The bot polling the emulator, as ``python -m bot`` does."""
    task = asyncio.create_task(poll(app, handle_signals=False))
    try:
        yield app
    finally:
        await stop_polling(app, task)


@pytest.fixture
async def office_id(domain: Domain) -> int:
    """One office in DKI Jakarta, 10 seats a weekday in one morning session."""
    return await add_office(domain, office_spec("E2E", daily=10))


@pytest.fixture
def chat(api: BotApiEmulator) -> Chat:
    return Chat(api, user_id=424242)
