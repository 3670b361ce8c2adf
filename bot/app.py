"""Assembling and running the bot: the Bot, the domain, the dispatcher, and long polling.

``create_app`` is the one place that puts the pieces together; polling, the
webhook server, the console playground and the end-to-end tests all call it.

At start-up the database is brought to the newest schema: pending migrations are
applied (``booking.db.migrate``), so an upgrade is "install the new version, restart".
When several instances share one PostgreSQL database, run ``python -m booking
migrate`` once before starting them, so they do not race to apply the same step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy.exc import ArgumentError

from booking.core.clock import Clock
from booking.core.context import Domain
from booking.db.factory import build_domain
from booking.db.migrate import migrate, pending_migrations
from booking.jobs import release_loop
from bot import sender
from bot.config import TELEGRAM_API, BotSettings
from bot.factory import build_dispatcher, get_ready, set_commands, settle
from bot.session import install_limits

log = logging.getLogger(__name__)

# At most this many updates are handled at once in polling mode; further ones wait.
POLLING_CONCURRENCY = 100
POLLING_TIMEOUT_S = 30


class MissingToken(Exception):
    """BOT_TOKEN is not set."""


class DatabaseUrlError(Exception):
    """DATABASE_URL names a database this installation cannot open."""


@dataclass
class BotApp:
    settings: BotSettings
    domain: Domain
    bot: Bot
    dp: Dispatcher
    # Background jobs started with the dispatcher (e.g. the reminder sender).
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def build_bot(settings: BotSettings) -> Bot:
    """A Bot talking to Telegram, or to ``TELEGRAM_API_URL`` when that is set."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise MissingToken
    session = None
    if settings.telegram_api_url.rstrip("/") != TELEGRAM_API:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(settings.bot_token.get_secret_value().strip(), session=session)
    install_limits(bot, settings)
    return bot


async def prepare_database(domain: Domain) -> None:
    """Apply pending migrations, if any."""
    if await pending_migrations(domain.db):
        log.info("applying database migrations")
        await migrate(domain.db)


async def start_sender(app: BotApp) -> None:
    """Start the notification sender inside this process, unless ``RUN_SENDER=false``
    (then run ``python -m bot worker`` apart)."""
    if not app.settings.run_sender:
        return
    app.stoppers.append(await sender.start_sender(app.bot, app.domain, app.settings))


async def start_release_loop(app: BotApp) -> None:
    """Release slots at each office's release moment and close out ended days
    (``booking.jobs.release_loop``); safe to run in every instance."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        release_loop(app.domain, stop, max_sleep=app.settings.release_check_s),
        name="release-loop",
    )

    async def stopper() -> None:
        stop.set()
        await task

    app.stoppers.append(stopper)


def install_lifecycle(app: BotApp) -> None:
    """Register the command menu and background jobs with the dispatcher's start and stop."""

    async def on_startup() -> None:
        await set_commands(app.bot)
        await start_release_loop(app)
        await start_sender(app)
        await get_ready(app.dp)

    async def on_shutdown() -> None:
        while app.stoppers:
            await app.stoppers.pop()()
        await settle(app.dp)  # e.g. the files of the last bookings

    app.dp.startup.register(on_startup)
    app.dp.shutdown.register(on_shutdown)


async def create_app(
    settings: BotSettings,
    *,
    clock: Clock | None = None,
    bot: Bot | None = None,
    storage: BaseStorage | None = None,
) -> BotApp:
    """Build the bot, the domain (migrated) and the dispatcher with its start/stop hooks."""
    bot = bot or build_bot(settings)
    try:
        domain = build_domain(settings, clock)
    except (ArgumentError, ImportError) as exc:
        await bot.session.close()
        raise DatabaseUrlError(f"DATABASE_URL cannot be used: {exc}") from exc
    try:
        await prepare_database(domain)
        dp = build_dispatcher(settings, domain, storage=storage)
    except BaseException:
        await domain.db.dispose()
        await bot.session.close()
        raise
    app = BotApp(settings=settings, domain=domain, bot=bot, dp=dp)
    install_lifecycle(app)
    return app


async def close_app(app: BotApp) -> None:
    await app.dp["files"].close()
    await app.dp.storage.close()
    await app.bot.session.close()
    await app.domain.db.dispose()


async def poll(app: BotApp, *, handle_signals: bool = True, handle_as_tasks: bool = True) -> None:
    """Long polling until stopped (SIGINT/SIGTERM or ``app.dp.stop_polling()``).

    Each update is handled in its own task, at most ``POLLING_CONCURRENCY`` at once.
    """
    # getUpdates is refused while a webhook is set; polling replaces it.
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dp.start_polling(
        app.bot,
        polling_timeout=POLLING_TIMEOUT_S,
        allowed_updates=app.dp.resolve_used_update_types(),
        handle_as_tasks=handle_as_tasks,
        tasks_concurrency_limit=POLLING_CONCURRENCY if handle_as_tasks else None,
        handle_signals=handle_signals,
        close_bot_session=False,
    )


async def stop_polling(app: BotApp, polling: asyncio.Task[None]) -> None:
    """Stop the ``poll`` running in ``polling`` and wait for it to end."""
    if not polling.done():
        try:
            await app.dp.stop_polling()
        except RuntimeError:  # polling had not started yet
            polling.cancel()
    with suppress(asyncio.CancelledError):
        await polling


async def run_polling(settings: BotSettings) -> None:
    app = await create_app(settings)
    try:
        await poll(app)
    finally:
        await close_app(app)
