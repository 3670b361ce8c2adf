"""Webhook mode: an aiohttp server that Telegram posts updates to.

Every request must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to
``WEBHOOK_SECRET``; a wrong or missing one is answered 401 and not handled.
The secret is required: without it anyone who finds the URL could post updates.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from contextlib import suppress

from aiogram import Bot
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.app import BotApp, close_app, create_app
from bot.config import BotSettings
from bot.display import add_display, queue_board

log = logging.getLogger(__name__)

# Telegram accepts 1-256 characters A-Z, a-z, 0-9, '_' and '-'.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class WebhookConfigError(Exception):
    """The webhook settings are incomplete or invalid; ``str()`` says which."""


def webhook_secret(settings: BotSettings) -> str:
    """The checked secret; raises ``WebhookConfigError`` when a webhook setting is wrong."""
    if not settings.webhook_url:
        raise WebhookConfigError("WEBHOOK_URL is not set: webhook mode needs it")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise WebhookConfigError("WEBHOOK_SECRET is not set: webhook mode needs it")
    if not SECRET_PATTERN.match(secret):
        raise WebhookConfigError(
            "WEBHOOK_SECRET must be 1-256 characters: letters, digits, '_' or '-'"
        )
    return secret


class CheckedRequestHandler(SimpleRequestHandler):
    """Refuses a body that is not a JSON update with 400, instead of failing inside."""

    async def handle(self, request: web.Request) -> web.Response:
        if self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot):
            try:
                Update.model_validate(await request.json(), context={"bot": self.bot})
            except (ValueError, ValidationError):
                return web.Response(status=400, text="Bad Request: not an update")
        return await super().handle(request)


def build_webhook_app(app: BotApp) -> web.Application:
    """The aiohttp application: the webhook route, the "now serving" screens
    (``bot.display``), and setWebhook on start-up."""
    settings = app.settings
    secret = webhook_secret(settings)

    async def register_webhook(bot: Bot) -> None:
        await bot.set_webhook(
            settings.webhook_url or "",
            secret_token=secret,
            allowed_updates=app.dp.resolve_used_update_types(),
            drop_pending_updates=False,
        )

    app.dp.startup.register(register_webhook)
    web_app = web.Application()
    CheckedRequestHandler(dispatcher=app.dp, bot=app.bot, secret_token=secret).register(
        web_app, path=settings.webhook_path
    )
    add_display(web_app, queue_board(app.domain))
    setup_application(web_app, app.dp, bot=app.bot)
    return web_app


async def serve_webhook(app: BotApp, stop: asyncio.Event) -> None:
    """Serve on ``WEBHOOK_HOST:WEBHOOK_PORT`` until ``stop`` is set."""
    runner = web.AppRunner(build_webhook_app(app), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, app.settings.webhook_host, app.settings.webhook_port)
        await site.start()
        log.warning(
            "webhook server on %s:%s%s",
            app.settings.webhook_host,
            app.settings.webhook_port,
            app.settings.webhook_path,
        )
        await stop.wait()
    finally:
        await runner.cleanup()


async def run_webhook(settings: BotSettings) -> None:
    webhook_secret(settings)  # refuse before touching the database
    app = await create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await serve_webhook(app, stop)
    finally:
        await close_app(app)
