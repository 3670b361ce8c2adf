"""Background duties of a running service: releasing slots on time, closing
out the appointments of days that are over (no-show or served), and the
waitlist's offers of held seats (made and expired).

Every instance may run them: releasing is idempotent and safe under concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlmodel import col, select

from booking.admin.checkin import close_out_day
from booking.calendar.release import release_slots
from booking.calendar.schedule import next_release
from booking.core.context import Domain
from booking.db.models import Office
from booking.draw.drawing import run_release_draws
from booking.waitlist.duty import run_waitlist_duty

log = logging.getLogger(__name__)


async def next_release_moment(ctx: Domain) -> datetime | None:
    """The earliest upcoming release moment over all active offices (UTC)."""
    async with ctx.db.reader() as session:
        offices = list(await session.exec(select(Office).where(col(Office.active).is_(True))))
    now = ctx.now()
    moments = [m for o in offices if (m := next_release(o.release_rule, o.timezone, now))]
    return min(moments, default=None)


async def release_loop(ctx: Domain, stop: asyncio.Event, *, max_sleep: float = 60.0) -> None:
    """Release slots now, then again at each release moment (and at least every
    ``max_sleep`` seconds, which also picks up new offices and reopened days)."""
    while not stop.is_set():
        try:
            await run_release_draws(ctx)
            made = await release_slots(ctx)
            if made:
                log.info("released %d slots", made)
            closed = await close_out_day(ctx)
            if closed:
                log.info("closed out %d appointments of past days", closed)
            waitlist = await run_waitlist_duty(ctx)
            if waitlist.expired or waitlist.offered:
                log.info("waitlist: %d offers expired, %d made", waitlist.expired, waitlist.offered)
            upcoming = await next_release_moment(ctx)
        except Exception:  # keep the service alive; the next round retries
            log.exception("releasing slots failed")
            upcoming = None
        delay = max_sleep
        if upcoming is not None:
            delay = min(max_sleep, max(0.0, (upcoming - ctx.now()).total_seconds()) + 0.5)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
