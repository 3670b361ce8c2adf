"""``python -m bot worker``: only the notification sender, for deployments that run
it apart from the update handling. Set ``RUN_SENDER=false`` on the bot processes
then; or keep it on and give each sender a share of ``SEND_RATE_PER_S`` (several
senders never send the same row, but each keeps the rate limits on its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from booking.core.clock import Clock
from booking.db.factory import build_domain
from bot.app import build_bot, prepare_database
from bot.config import BotSettings
from bot.sender import NotificationSender, SenderConfig, build_notices

log = logging.getLogger(__name__)


async def run_worker(
    settings: BotSettings, *, clock: Clock | None = None, stop: asyncio.Event | None = None
) -> None:
    """Send due notifications until SIGINT/SIGTERM (or until ``stop`` is set)."""
    bot = build_bot(settings)
    domain = build_domain(settings, clock)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await prepare_database(domain)
        sender = NotificationSender(
            bot, domain, SenderConfig.from_settings(settings), notices=build_notices(settings)
        )
        sender.start()
        log.info("notification worker %s running", sender.owner)
        await stop.wait()
        await sender.stop()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await bot.session.close()
        await domain.db.dispose()
