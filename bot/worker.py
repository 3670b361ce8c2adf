"""``python -m bot worker``: only the notification sender, for deployments that run
it apart from the update handling. Set ``RUN_SENDER=false`` on the bot processes
then, or keep it on: several senders never send the same row, never send to one
chat within a second (``booking.notify.outbox.claim_due``), and share Telegram's
limits through ``REDIS_URL`` (``bot.session``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from booking.core.clock import Clock
from booking.db.factory import build_domain
from bot.app import build_bot, prepare_database
from bot.config import BotSettings
from bot.sender import build_sender

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
        sender = build_sender(bot, domain, settings)
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
