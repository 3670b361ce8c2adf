"""Start-up: pending migrations are applied before the bot handles anything, and
the webhook server serves until told to stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from booking.db.engine import create_database
from booking.db.migrate import pending_migrations
from bot.app import close_app, create_app
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from bot.webhook import serve_webhook
from tests.e2e.driver import Chat, method_is
from tests.e2e.test_webhook import SECRET, start_update
from tests.processes import free_port


async def test_startup_applies_pending_migrations(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_database(url)
    try:
        assert await pending_migrations(fresh)
    finally:
        await fresh.dispose()
    settings = BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=url,
        nik_secret=SecretStr("x"),
        bot_token=SecretStr("123456:abc"),
    )
    app = await create_app(settings)
    try:
        assert not await pending_migrations(app.domain.db)
    finally:
        await close_app(app)


async def test_webhook_server_serves_until_stopped(
    bot_settings: BotSettings, api: BotApiEmulator
) -> None:
    port = free_port()
    settings = bot_settings.model_copy(
        update={
            "webhook_url": "https://bot.example.test/hook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
        }
    )
    app = await create_app(settings)
    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(app, stop))
    url = f"http://127.0.0.1:{port}{settings.webhook_path}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # until the server listens
                try:
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    async with http.post(url, json=start_update(1, 6001), headers=headers) as r:
                        assert r.status == 200
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the webhook server did not start")
        await Chat(api, 6001).until(method_is("sendMessage"), since=0)
        assert api.calls_of("setWebhook")[0].params["secret_token"] == SECRET
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)
        await close_app(app)
    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(url, json=start_update(2, 6002)):
                raise AssertionError("the server still answers after stop")
        except aiohttp.ClientConnectorError:
            pass
