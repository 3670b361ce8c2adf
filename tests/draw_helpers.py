"""Helpers of the draw's tests: a draw-mode office whose next release is drawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from booking.admin.offices_file import ReleaseSpec
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import ReleaseMode
from booking.draw.windows import open_windows
from tests.conftest import DEFAULT_NOW
from tests.factories import add_office, office_spec, two_sessions

# Releases daily at 08:00 WIB, a week ahead. The office turns to draw mode on Sunday
# 29 Nov 06:00 WIB: Sunday's release (its window opened Saturday) stays first-come,
# Monday 30 Nov 08:00 WIB (01:00 UTC) is drawn; it opens Monday 7 Dec.
DAILY_0800 = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0"
DRAW_AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC) - timedelta(days=1)
DRAW_DAY = date(2026, 12, 7)


async def add_draw_office(
    ctx: Domain, clock: FixedClock, *, code: str = "DRAW", daily: int = 10, priority: int = 0
) -> int:
    """A draw-mode office (Pagi and Siang, ``daily`` seats), its next release's
    request window open at DEFAULT_NOW (the clock is left there)."""
    spec = office_spec(code, daily=daily, priority=priority, sessions=two_sessions())
    spec.release = ReleaseSpec(
        window_days=7, rule=DAILY_0800, mode=ReleaseMode.DRAW, request_window_hours=24
    )
    clock.set(DEFAULT_NOW - timedelta(hours=25))
    office_id = await add_office(ctx, spec)
    clock.set(DEFAULT_NOW)
    assert await open_windows(ctx) == 1
    return office_id
