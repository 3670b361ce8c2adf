"""Helpers of the day-at-the-office dispatcher tests: the fake clock's moments of
office TEST's Siang session today (13:00–15:00 WIB), the arrival link, counters
and their staff, and the outbox's queue messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from booking.admin.roles import grant_counter_staff
from booking.core.context import Domain
from booking.db.models import Notification
from booking.queue.arrival import arrival_token
from booking.queue.calling import CALLED_TEMPLATE, HEADS_UP_TEMPLATE
from booking.queue.counters import counters_of, set_counters
from booking.queue.views import CounterView
from tests.conftest import TODAY
from tests.factories import add_office, office_spec, two_sessions

# Office TEST's Siang session today, 13:00–15:00 WIB (06:00–08:00 UTC); check-in
# opens 60 minutes before it (CHECKIN_OPENS_MINUTES).
BEFORE_WINDOW = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)  # 11:30 WIB
IN_WINDOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)  # 12:30 WIB
AFTER_SESSION = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 15:30 WIB

COUNTER_A = 880000201  # petugas loket of TEST
COUNTER_A2 = 880000202  # another petugas loket of TEST
COUNTER_B = 880000203  # petugas loket of OTHR


async def arrive_command(ctx: Domain, office_id: int) -> str:
    """What scanning the office's poster today sends: ``/start arrive-<token>``."""
    return f"/start arrive-{arrival_token(ctx, office_id, TODAY)}"


async def walk_in_office(ctx: Domain, walk_in: int) -> int:
    """Office WALK (WIB, Pagi and Siang) with ``walk_in`` priority walk-ins a day."""
    spec = office_spec("WALK", daily=10, priority=2, sessions=two_sessions())
    spec.quota.walk_in = walk_in
    return await add_office(ctx, spec)


async def with_counters(
    ctx: Domain, office_id: int, code: str, staff: list[int]
) -> list[CounterView]:
    """Three counters at the office, and its petugas loket."""
    await set_counters(ctx, office_id, 3, actor="test")
    for user in staff:
        await grant_counter_staff(ctx, user, code, actor="test")
    return await counters_of(ctx, office_id)


async def queue_notes(ctx: Domain, template: str) -> list[Notification]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Notification)
            .where(Notification.template == template)
            .order_by(col(Notification.id))
        )
        return list(rows)


async def called_notes(ctx: Domain) -> list[Notification]:
    return await queue_notes(ctx, CALLED_TEMPLATE)


async def heads_up_notes(ctx: Domain) -> list[Notification]:
    return await queue_notes(ctx, HEADS_UP_TEMPLATE)
