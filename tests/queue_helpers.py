"""Helpers of the queue tests: an office on Tuesday morning with counters and a
petugas loket, and people checked in."""

from __future__ import annotations

from datetime import UTC, datetime, time

from booking.admin.checkin import check_in
from booking.admin.offices_file import SessionSpec
from booking.admin.roles import grant_counter_staff
from booking.core.context import Domain
from booking.queue.counters import open_counter, set_counters
from booking.queue.views import CounterView
from tests.factories import WEEKDAYS, add_office, office_spec

# Tuesday 1 December 2026 in Jakarta (WIB, UTC+7).
TUE_0730 = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
TUE_0800 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
STAFF = 7001  # the office's petugas loket
TWO_SESSIONS = [
    SessionSpec(label="Pagi", start=time(8), end=time(10), rule=WEEKDAYS),
    SessionSpec(label="Siang", start=time(10), end=time(12), rule=WEEKDAYS),
]


async def queue_office(
    ctx: Domain, code: str = "TEST", *, walk_in: int = 0, priority: int = 4, daily: int = 40
) -> int:
    """An office of two sessions a day with ``walk_in`` walk-in places, and ``STAFF``
    as its counter staff."""
    spec = office_spec(code, daily=daily, priority=priority, sessions=TWO_SESSIONS)
    spec.quota.walk_in = walk_in
    office_id = await add_office(ctx, spec)
    await grant_counter_staff(ctx, STAFF, code, actor="test")
    return office_id


async def open_counters(ctx: Domain, office_id: int, count: int) -> list[CounterView]:
    counters = await set_counters(ctx, office_id, count, actor="test")
    return [
        await open_counter(ctx, office_id=office_id, counter_id=c.id, telegram_id=STAFF)
        for c in counters
    ]


async def check_in_all(ctx: Domain, office_id: int, codes: list[str]) -> None:
    for code in codes:
        await check_in(ctx, office_id, code, actor="test")
