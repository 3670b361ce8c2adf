import asyncio
from datetime import UTC, datetime

from sqlmodel import func, select

from booking.db.models import Slot
from booking.jobs import next_release_moment, release_loop
from tests.factories import add_office, office_spec
from tests.waiting import wait_until


async def _slot_count(ctx) -> int:
    async with ctx.db.reader() as session:
        return (await session.exec(select(func.count()).select_from(Slot))).one()


async def has_slots(ctx, count: int) -> bool:
    return await _slot_count(ctx) >= count


async def test_release_loop_releases_when_the_moment_passes(ctx, clock):
    # Weekly release on Monday 08:00 WIB (01:00 UTC); the clock starts on Sunday.
    clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    spec = office_spec(release_rule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0", window_days=7)
    await add_office(ctx, spec, release=False)
    # The previous Monday's release already opened dates up to Monday 30 Nov.
    assert await next_release_moment(ctx) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

    stop = asyncio.Event()
    task = asyncio.create_task(release_loop(ctx, stop, max_sleep=0.05))
    await wait_until(lambda: has_slots(ctx, 1), what="the first release")
    before = await _slot_count(ctx)
    assert before == 1  # Monday 30 Nov 08:00, released the week before

    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # the release moment
    await wait_until(lambda: has_slots(ctx, before + 5), what="the next release")
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    # Tue 1 Dec .. Mon 7 Dec: five more weekdays; Monday 30 Nov 08:00 has started.
    assert await _slot_count(ctx) == before + 5
